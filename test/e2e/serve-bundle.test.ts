import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO as repo } from '../helpers.js';

// `strata serve` from a copy of dist/ alone, in a process of its own (moved from test/server.test.ts, which serves
// in process): the bundle carries the page and everything the API loads, as the image ships it.

describe('strata serve from a copied dist/ (as in the image)', () => {
  test('the page and the API are served by the bundle alone', async () => {
    const dist = join(mkdtempSync(join(tmpdir(), 'strata-dist-')), 'dist');
    cpSync(join(repo, 'dist'), dist, { recursive: true });
    const child = spawn(
      process.execPath,
      [join(dist, 'strata.js'), 'serve', join(repo, 'examples', 'plate'), '--port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((done, fail) => {
        let err = '';
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /at (http:\/\/\S+)/.exec(err);
          if (m) done(m[1]);
        });
        child.on('exit', (code) => fail(new Error(`serve exited ${code}: ${err}`)));
      });
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/i);
      const apps = await fetch(new URL('api/apps', url));
      assert.equal(apps.status, 200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
