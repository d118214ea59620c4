import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli } from './helpers.js';

// Issue 16's review niceties for repositories with many apps: `envs ROOT` lists the apps below a folder that
// is not an app, and `lint --all` names the apps it skipped because they do not declare the environment.

describe('envs ROOT', () => {
  it('lists every app below a folder that is not an app, with its environments and the default marked', async () => {
    const r = await cli(['envs', 'examples/plate']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s{2,}/)),
      [
        ['examples/plate/environments/argocd/apps', 'stg prod'],
        ['examples/plate/helm/applications/plate-api', 'stg * prod'],
        ['examples/plate/helm/applications/plate-cache', 'stg * prod'],
        ['examples/plate/helm/applications/plate-llm', 'stg *'],
        ['examples/plate/helm/applications/plate-web', 'stg * prod'],
        ['examples/plate/helm/ingress', 'stg * prod'],
      ],
    );
  });

  it('as JSON, and an app directory still lists its own environments', async () => {
    const j = await cli(['envs', 'examples/plate/helm', '-o', 'json']);
    const apps = (
      JSON.parse(j.stdout) as { apps: { dir: string; app: string; environments: string[]; default: string | null }[] }
    ).apps;
    assert.deepEqual(
      apps.map((a) => a.app),
      ['plate-api', 'plate-cache', 'plate-llm', 'plate-web', 'ingress'],
    );
    assert.deepEqual(
      apps.find((a) => a.app === 'plate-llm'),
      { dir: 'examples/plate/helm/applications/plate-llm', app: 'plate-llm', environments: ['stg'], default: 'stg' },
    );
    const one = await cli(['envs', 'examples/plate/helm/applications/plate-api']);
    assert.equal(one.stdout, 'stg *\nprod\n');
  });

  it('a folder with no app below it is an error, nothing on stdout', async () => {
    const r = await cli(['envs', 'docs']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no app \(strata\.yaml\) under docs/);
  });
});

describe('lint --all', () => {
  it('names the apps it skipped because they do not declare the environment', async () => {
    const r = await cli(['lint', '--all', '--env', 'prod', 'examples/plate']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout.trimEnd().split('\n').pop(),
      '0 errors, 0 warnings in 5 apps (env prod); skipped 1 app without env prod: examples/plate/helm/applications/plate-llm',
    );
    const j = await cli(['lint', '--all', '--env', 'prod', 'examples/plate', '-o', 'json']);
    assert.deepEqual((JSON.parse(j.stdout) as { skipped: string[] }).skipped, [
      'examples/plate/helm/applications/plate-llm',
    ]);
  });

  it('says nothing about skipping when every app declares the environment', async () => {
    const r = await cli(['lint', '--all', '--env', 'stg', 'examples/plate']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trimEnd().split('\n').pop()!, /^0 errors, 0 warnings in 6 apps \(env stg\)$/);
  });
});
