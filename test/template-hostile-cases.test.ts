import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli } from './helpers.js';

// The raw-output cases of the hostile corpus (test/hostile/raw-*), run in-process so they are checked even
// where the corpus runner (test/e2e/hostile.test.ts) is absent. The budget cases are covered by
// template-budget.test.ts with the same templates at smaller sizes.

const CORPUS = join(__dirname, 'hostile');
const cases = existsSync(CORPUS) ? readdirSync(CORPUS).filter((n) => n.startsWith('raw-')) : [];

describe('hostile corpus: raw output cases, in-process', () => {
  it('has the cases (at least the known ones: the corpus may grow)', () => {
    const known = [
      'raw-document-marker',
      'raw-flow-list-comma',
      'raw-flow-map-adds-key',
      'raw-flow-map-tab',
      'raw-set-string-comment',
      'raw-tab-comment',
      'raw-vanishing-quotes',
    ];
    assert.deepEqual(
      known.filter((k) => !cases.includes(k)),
      [],
      'known raw cases missing from the corpus',
    );
  });
  for (const name of cases) {
    it(name, async () => {
      const c = JSON.parse(readFileSync(join(CORPUS, name, 'case.json'), 'utf8')) as {
        argv: string[];
        env: Record<string, string>;
        expect: { exit: number; stderr: string };
      };
      const dir = mkdtempSync(join(tmpdir(), 'strata-hostile-'));
      cpSync(join(CORPUS, name, 'repo'), dir, { recursive: true });
      if (existsSync(join(dir, 'dot-git'))) renameSync(join(dir, 'dot-git'), join(dir, '.git'));
      const { code, stdout, stderr } = await cli(c.argv, { cwd: dir, env: c.env });
      assert.equal(code, c.expect.exit);
      assert.equal(stdout, '');
      assert.match(stderr, new RegExp(c.expect.stderr));
      assert.equal(stderr.trimEnd().split('\n').length, 1);
    });
  }
});
