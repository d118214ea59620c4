// End to end on the plate example: lint passes in both environments; a prod `image.tag: latest` fails render,
// lint and generate with the values file:line of the tag; `values --explain` shows the chain of replicaCount.
// Every command runs through the CLI entry (main) in process, like a user's `strata ...` (test/helpers.ts cli).
// Run: node --import tsx --test test/policy-lint-cli.test.ts
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { cli, REPO } from './helpers.js';

/** A temporary repository holding a copy of the plate example, with plate-api's prod tag set to latest. */
function latestCopy(): { root: string; appDir: string; line: number } {
  const root = mkdtempSync(join(tmpdir(), 'strata-latest-'));
  mkdirSync(join(root, '.git'));
  cpSync(join(REPO, 'examples/plate'), join(root, 'plate'), { recursive: true });
  const appDir = join(root, 'plate/helm/applications/plate-api');
  const file = join(appDir, 'values-prod.yaml');
  const text = readFileSync(file, 'utf8').replace('tag: 2.14.3', 'tag: latest');
  writeFileSync(file, text);
  const line = text.split('\n').findIndex((l) => l.includes('tag: latest')) + 1;
  return { root, appDir, line };
}

describe('plate example', () => {
  for (const env of ['stg', 'prod']) {
    test(`lint --all passes cleanly in ${env}`, async () => {
      const r = await cli(['lint', '--all', '--env', env, 'examples/plate']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      // plate-llm runs in stg only: prod's summary names it as skipped.
      const skipped =
        env === 'prod' ? '; skipped 1 app without env prod: examples/plate/helm/applications/plate-llm' : '';
      assert.match(
        r.stdout,
        new RegExp(`^0 errors, 0 warnings in \\d+ apps \\(env ${env}\\)${skipped.replace(/[.()]/g, '\\$&')}\\n$`),
      );
    });
  }

  test('a prod image tag "latest" fails render with the values file:line of the tag', async () => {
    const { root, appDir, line } = latestCopy();
    const r = await cli(['render', appDir, '--env', 'prod'], { cwd: root });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      new RegExp(
        `error image-tag-pinned Deployment/plate/plate-api \\S+ \\([^)]*set at plate/helm/applications/plate-api/values-prod\\.yaml:${line}:\\d+\\)`,
      ),
    );
    // stg still renders (and the example's own prod is fine)
    assert.equal((await cli(['render', appDir, '--env', 'stg'], { cwd: root })).code, 0);
  });

  test('lint reports it too (text and json), exit 1', async () => {
    const { root, appDir, line } = latestCopy();
    const r = await cli(['lint', appDir, '--env', 'prod'], { cwd: root });
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`error image-tag-pinned .*values-prod\\.yaml:${line}:`));
    const j = JSON.parse((await cli(['lint', appDir, '--env', 'prod', '-o', 'json'], { cwd: root })).stdout);
    assert.equal(j.errors, 1);
    assert.deepEqual(j.apps[0].findings[0].origin, {
      file: 'plate/helm/applications/plate-api/values-prod.yaml',
      line,
      column: 3,
    });
  });

  test('generate (Argo CD) fails with the file:line of the tag', async () => {
    const { appDir, line } = latestCopy();
    const env = { ARGOCD_APP_PARAMETERS: '[{"name":"env","string":"prod"}]' };
    const r = await cli(['generate'], { cwd: appDir, env });
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`values-prod\\.yaml:${line}`));
  });

  test('values --explain shows the full chain for replicaCount', async () => {
    const r = await cli(['values', 'examples/plate/helm/applications/plate-api', '--env', 'prod', '--explain']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /\.replicaCount = 3\n\s+set at examples\/plate\/helm\/applications\/plate-api\/values-prod\.yaml:3:1\n\s+overrode 1 from examples\/plate\/helm\/applications\/plate-api\/values\.yaml:11:1\n/,
    );
  });

  test('a typo in values is caught by the example values.schema.json at its file:line', async () => {
    const { root, appDir } = latestCopy();
    writeFileSync(
      join(appDir, 'values-stg.yaml'),
      readFileSync(join(appDir, 'values-stg.yaml'), 'utf8').replace('replicaCount: 1', 'replicaCont: 1'),
    );
    const r = await cli(['lint', appDir, '--env', 'stg'], { cwd: root });
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /error values-schema \.replicaCont \(set at plate\/helm\/applications\/plate-api\/values-stg\.yaml:3:1\): unknown field "replicaCont"/,
    );
  });
});
