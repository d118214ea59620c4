import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { REPO } from '../helpers.js';

// The exhaustive tables whole: every breakout text in every schema keyword and template construct
// (test/fuzz-codegen.test.ts) and every helper with every argument list (test/strict-helpers.test.ts). `npm test`
// runs a seeded sample of each to stay under its time budget (test/fuzz-support.ts tableRows); here they run in
// full, in a process of their own with STRATA_FULL_TABLES=1. .ci/run's longer fuzz run covers fuzz-codegen's
// tables a second time, with its own seed.

describe('exhaustive tables, whole', () => {
  it('fuzz-codegen and strict-helpers pass with every row of their tables', () => {
    // Without NODE_TEST_CONTEXT the child reports on its own stdout instead of to this runner.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=tap', 'test/fuzz-codegen.test.ts', 'test/strict-helpers.test.ts'],
      { cwd: REPO, env: { ...env, STRATA_FULL_TABLES: '1' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    assert.equal(
      r.status,
      0,
      r.stdout
        .split('\n')
        .filter((l) => /not ok|error/.test(l))
        .slice(0, 40)
        .join('\n'),
    );
    // The full tables ran (their names say which), not a sample that happened to pass.
    assert.match(r.stdout, /# fail 0/);
    assert.match(r.stdout, /ok \d+ - every breakout in every template construct/);
  });
});
