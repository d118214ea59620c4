// The CI recipes of docs/ci.md (docs/examples/): they parse, keep the structure the doc promises (lint per
// environment, the markdown diff posted or updated by its marker), pin actions by commit, ask for the least
// permissions, never expand ${{ }} inside a shell script, and pass action-validator.
// Run: node --import tsx --test test/e2e/diff-ci-examples.test.ts
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';

import { COMMENT_MARKER } from '../../src/diff/report.js';

const REPO = resolve(__dirname, '..', '..');
const GITHUB = join(REPO, 'docs/examples/github-actions-strata.yml');
const GITLAB = join(REPO, 'docs/examples/gitlab-ci-strata.yml');
const VALIDATOR = join(REPO, 'node_modules/.bin/action-validator');

type Obj = Record<string, any>;

function validate(file: string): { code: number | null; out: string } {
  const r = spawnSync(VALIDATOR, [file], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('GitHub Actions example', () => {
  const text = readFileSync(GITHUB, 'utf8');
  const wf = parse(text) as Obj;
  const steps = (job: string): Obj[] => wf.jobs[job].steps;
  const script = (job: string) =>
    steps(job)
      .map((s) => String(s.run ?? ''))
      .join('\n');

  test('runs on pull requests with no default permissions; each job asks for the least it needs', () => {
    assert.ok(wf.on && 'pull_request' in wf.on);
    assert.ok(!('pull_request_target' in wf.on), 'pull_request_target would run PR code with a write token');
    assert.deepEqual(wf.permissions, {});
    assert.deepEqual(wf.jobs.lint.permissions, { contents: 'read' });
    assert.deepEqual(wf.jobs.diff.permissions, { contents: 'read', 'pull-requests': 'write' });
  });

  test('every action is pinned by full commit SHA with its version noted; no credentials persisted', () => {
    const uses = [...text.matchAll(/^\s*-?\s*uses:\s*(\S+)(.*)$/gm)];
    // actions/checkout in the lint job and in the diff job, nothing else: a loop over nothing proves nothing.
    assert.deepEqual(
      uses.map((m) => m[1].split('@')[0]),
      ['actions/checkout', 'actions/checkout'],
    );
    for (const [, ref, rest] of uses) {
      assert.match(ref, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${ref} is not pinned by commit`);
      assert.match(rest, /# v\d+\.\d+\.\d+/, `${ref} has no version comment`);
    }
    for (const job of ['lint', 'diff']) {
      const checkout = steps(job).find((s) => String(s.uses).startsWith('actions/checkout@'))!;
      assert.equal(checkout.with['persist-credentials'], false);
    }
  });

  test('lint --all for each environment; diff --all as markdown, posted or updated by its marker', () => {
    assert.deepEqual(wf.jobs.lint.strategy.matrix.env, ['stg', 'prod']);
    assert.match(script('lint'), /lint --all --env "\$STRATA_ENV"/);
    const diff = script('diff');
    assert.match(diff, /diff --all --against-ref HEAD\^1 -o markdown > "\$RUNNER_TEMP\/strata-diff\.md"/);
    assert.equal(steps('diff')[0].with['fetch-depth'], 2);
    assert.ok(
      diff.includes(`startswith("${COMMENT_MARKER}")`),
      'the comment is found by the marker formatMarkdown writes',
    );
    assert.match(diff, /gh api -X PATCH "repos\/\$GITHUB_REPOSITORY\/issues\/comments\/\$id"/);
    assert.match(diff, /gh api -X POST "repos\/\$GITHUB_REPOSITORY\/issues\/\$PR\/comments"/);
    assert.match(diff, /\$GITHUB_STEP_SUMMARY/);
  });

  test('no ${{ }} expression inside a shell script (script injection): values go through env', () => {
    for (const job of Object.keys(wf.jobs))
      for (const s of steps(job)) if (s.run) assert.doesNotMatch(String(s.run), /\$\{\{/, `${job}: ${s.name}`);
  });

  test('action-validator accepts it, and rejects a broken copy (so this test can fail)', () => {
    const ok = validate(GITHUB);
    assert.equal(ok.code, 0, ok.out);
    const dir = mkdtempSync(join(tmpdir(), 'strata-ci-'));
    try {
      const broken = join(dir, 'broken.yml');
      writeFileSync(broken, text.replace('runs-on: ubuntu-latest', 'runs-onn: ubuntu-latest'));
      assert.notEqual(validate(broken).code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('GitLab CI example', () => {
  const ci = parse(readFileSync(GITLAB, 'utf8')) as Obj;
  const script = (job: string) => (ci[job].script as string[]).join('\n');

  test('merge request pipelines only, with the strata image', () => {
    assert.deepEqual(ci['.strata'].rules, [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    assert.equal(ci['.strata'].image.name, '$STRATA_IMAGE');
    assert.equal(ci['strata-lint'].extends, '.strata');
    assert.equal(ci['strata-diff'].extends, '.strata');
  });

  test('lint --all per environment; diff --all against the MR base as markdown, noted or updated', () => {
    assert.deepEqual(ci['strata-lint'].parallel.matrix, [{ STRATA_ENV: ['stg', 'prod'] }]);
    assert.match(script('strata-lint'), /strata lint --all --env "\$STRATA_ENV"/);
    const diff = script('strata-diff');
    assert.match(
      diff,
      /strata diff --all --against-ref "\$CI_MERGE_REQUEST_DIFF_BASE_SHA" -o markdown > strata-diff\.md/,
    );
    assert.ok(diff.includes(`startsWith("${COMMENT_MARKER}")`));
    assert.match(diff, /test "\$code" -le 1/);
    assert.deepEqual(ci['strata-diff'].artifacts, { when: 'always', paths: ['strata-diff.md'] });
  });
});
