// What the Parameters tab shows for `env` (src/argocd/parameters.ts announce): the environment generate would
// render, with plugin.env STRATA_ENV reaching the dynamic command as ARGOCD_ENV_STRATA_ENV (argo-cd
// reposerver/repository/repository.go:2327-2354). Run: node --import tsx --test test/argocd-announce.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { announce } from '../src/argocd/parameters.js';
import type { AppConfig } from '../src/core/config.js';

const config = { environments: ['stg', 'prod'], defaultEnvironment: 'stg' } as unknown as AppConfig;
const noDefault = { environments: ['stg', 'prod'] } as unknown as AppConfig;
const envOf = (c: AppConfig, env: Record<string, string>) => announce(c, env).find((a) => a.name === 'env')!;

describe('announce: the env parameter', () => {
  const rows: [string, AppConfig, Record<string, string>, string, RegExp][] = [
    ['the default', config, {}, 'stg', /Rendered: stg \(from the default\)/],
    [
      'plugin.env STRATA_ENV',
      config,
      { ARGOCD_ENV_STRATA_ENV: 'prod' },
      'prod',
      /Rendered: prod \(from plugin\.env STRATA_ENV\)/,
    ],
    [
      'the env parameter wins',
      config,
      { ARGOCD_ENV_STRATA_ENV: 'stg', ARGOCD_APP_PARAMETERS: '[{"name":"env","string":"prod"}]' },
      'prod',
      /from the "env" parameter/,
    ],
    [
      'STRATA_ENV not an environment: flagged',
      config,
      { ARGOCD_ENV_STRATA_ENV: 'qa' },
      'stg',
      /STRATA_ENV is not one of the environments: generate will fail/,
    ],
    ['STRATA_ENV empty: flagged', config, { ARGOCD_ENV_STRATA_ENV: '' }, 'stg', /STRATA_ENV is empty/],
    [
      'parameters not JSON: flagged, never thrown',
      config,
      { ARGOCD_APP_PARAMETERS: '[{' },
      'stg',
      /ARGOCD_APP_PARAMETERS is not valid/,
    ],
    ['no default, STRATA_ENV set', noDefault, { ARGOCD_ENV_STRATA_ENV: 'prod' }, 'prod', /from plugin\.env STRATA_ENV/],
  ];
  for (const [name, c, env, want, tip] of rows) {
    test(name, () => {
      const a = envOf(c, env);
      assert.equal(a.string, want);
      assert.match(a.tooltip!, tip);
      assert.doesNotMatch(a.tooltip!, /\bqa\b/, 'a bad value is never echoed');
    });
  }
  test('required only when nothing picks an environment', () => {
    assert.equal(envOf(noDefault, {}).required, true);
    assert.equal(envOf(noDefault, { ARGOCD_ENV_STRATA_ENV: 'prod' }).required, false);
    assert.equal(envOf(config, {}).required, false);
  });
});
