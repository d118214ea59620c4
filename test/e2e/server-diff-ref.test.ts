// The server's diff against a git revision of the repository (moved out of npm test for its git processes; the
// other diff routes are in test/server.test.ts). Run: node --import tsx --test test/e2e/server-diff-ref.test.ts
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startServer, type RunningServer } from '../../src/server/server.js';

const plate = join(resolve(__dirname, '../..'), 'examples/plate');

describe('strata serve over examples/plate: diff against a git revision', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer({ root: plate, port: 0 });
  });
  after(() => s.close());

  test('againstRef=HEAD answers a list of diffs', async () => {
    const res = await fetch(new URL('/api/apps/plate-api/diff?env=prod&againstRef=HEAD', s.url));
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.ok(Array.isArray(JSON.parse(text).diffs));
  });
});
