// `strata diff --against-ref` against a real git repository (moved out of npm test for its git processes; the rest of
// `strata diff` is in test/diff-objects.test.ts). Run: node --import tsx --test test/e2e/diff-objects-ref.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';

import { render } from '../../src/core/render.js';
import { gitFs } from '../../src/io/git-fs.js';
import { cli } from '../helpers.js';

const REPO = resolve(__dirname, '../..');

async function runDiff(argv: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const r = await cli(['diff', ...argv], { cwd });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

describe('strata diff --against-ref', () => {
  test('--against-ref reads the app from git without a checkout', async () => {
    const root = mkdtempSync(join(tmpdir(), 'strata-diff-'));
    cpSync(join(REPO, 'examples/plate'), join(root, 'plate'), { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: root,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@e',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@e',
        },
      });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    const appDir = join(root, 'plate/helm/applications/plate-api');
    const prod = join(appDir, 'values-prod.yaml');
    writeFileSync(
      prod,
      readFileSync(prod, 'utf8').replace('replicaCount: 3', 'replicaCount: 4').replace('tag: 2.14.3', 'tag: 2.14.4'),
    );

    const fs = gitFs(root, 'main');
    const atMain = render({ fs, appDir: 'plate/helm/applications/plate-api', env: 'prod' }).objects.find(
      (o) => o.object.kind === 'Deployment',
    )!;
    assert.equal((atMain.object.spec as { replicas: number }).replicas, 3);

    const { code, out } = await runDiff(['--env', 'prod', '--against-ref', 'main', '--color', 'never'], appDir);
    assert.equal(code, 1);
    assert.match(
      out,
      /--- main\/Deployment\/plate\/plate-api \(apps\/v1\)\n\+\+\+ working-tree\/Deployment\/plate\/plate-api/,
    );
    assert.match(out, /@@ \.spec\.replicas @@\n-3\n\+4\n/);
    assert.match(
      out,
      /-registry\.plate\.example\.com\/plate\/api:2\.14\.3\n\+registry\.plate\.example\.com\/plate\/api:2\.14\.4/,
    );
    for (const [ref, why] of [
      ['--against-ref=--upload-pack=x', /not a git revision/],
      ['--against-ref=no-such-branch', /not a commit/],
    ] as const) {
      const bad = await runDiff(['--env', 'prod', ref], appDir);
      assert.equal(bad.code, 2, bad.err);
      assert.equal(bad.out, '');
      assert.match(bad.err, why);
    }

    // An app added since the revision (a pull request that creates it): everything shows as new.
    cpSync(appDir, join(root, 'plate/helm/applications/plate-new'), { recursive: true });
    const added = await runDiff(
      ['--env', 'prod', '--against-ref', 'main', '--color', 'never'],
      join(root, 'plate/helm/applications/plate-new'),
    );
    assert.equal(added.code, 1);
    assert.doesNotMatch(added.out, /^--- main\//m);
    assert.match(added.out, /^\+\+\+ working-tree\/Deployment\/plate\//m);
  });
});
