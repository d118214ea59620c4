import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli, runCli } from '../helpers.js';

// The golden suite (test/golden.test.ts) renders in process; this checks that a separate process, with no
// compile cache, prints the same bytes: nothing in the output depends on the process, its caches or the clock.

describe('determinism', () => {
  it('is deterministic: two renders (in process, then a fresh process) give the same bytes', async () => {
    const a = await cli(['render', '--all', '--env', 'prod', 'examples/plate']);
    const b = runCli(['render', '--all', '--env', 'prod', 'examples/plate'], { env: { STRATA_CACHE_DIR: 'off' } });
    assert.equal(b.code, 0, b.stderr);
    assert.equal(a.code, 0, a.stderr);
    assert.ok(a.stdout.length > 1000);
    assert.equal(a.stdout, b.stdout);
  });
});
