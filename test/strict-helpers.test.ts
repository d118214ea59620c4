// No helper ever prints `[object Object]` (issue 23 §2): every helper of the table (src/core/helpers.ts) is
// called with a map and a list in each argument position, beside text and numbers; a call may fail with an
// error, but what it prints never holds JavaScript's text for an object.
// npm test calls each helper with the map and the list in each position beside text, plus a seeded sample of the
// other argument lists; the whole table runs under STRATA_FULL_TABLES=1
// (test/e2e/full-tables.test.ts) and in .ci/run's longer fuzz run.
// Run: node --import tsx --test test/strict-helpers.test.ts
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../src/core/errors.js';
import { HELPER_NAMES, helperArity, REFUSED_HELPERS } from '../src/core/helpers.js';
import { TemplateSet } from '../src/core/templates.js';
import { FULL_TABLES, tableRows } from './fuzz-support.js';

const CTX = { m: { a: 1, b: { c: 'x' } }, l: [1, { d: 2 }, 'y'], s: 'text', n: 3 };
const ARGS = ['m', 'l', 's', 'n'];

/**
 * The argument lists of `n` arguments with a map or a list in at least one position: all of them for one
 * argument; for more, each position holding the map and the list beside text, and a seeded sample of the rest.
 */
function argLists(n: number): string[][] {
  let lists: string[][] = [[]];
  for (let i = 0; i < n; i++) lists = lists.flatMap((l) => ARGS.map((a) => [...l, a]));
  const all = lists.filter((l) => l.includes('m') || l.includes('l'));
  return n === 1 ? all : tableRows(all, n * 2, (l) => l.filter((a) => a !== 's').length === 1);
}

describe('helpers with map and list arguments', () => {
  it('never print [object Object]', () => {
    const offenders: string[] = [];
    let printed = 0;
    for (const name of HELPER_NAMES) {
      if (name in REFUSED_HELPERS || name === 'include') continue;
      const arity = helperArity(name);
      assert.ok(arity, name);
      const files: string[] = [];
      const sources = new Map<string, string>();
      for (let n = Math.max(1, arity.min); n <= Math.min(arity.max, 3); n++) {
        for (const args of argLists(n)) {
          // Printed as it is, and through toYaml and toJson (which print what a helper returned as data).
          for (const form of [`{{${name} ${args.join(' ')}}}`, `{{toJson (${name} ${args.join(' ')})}}`]) {
            const path = `t${files.length}.yaml.hbs`;
            files.push(path);
            sources.set(path, form);
          }
        }
      }
      const set = new TemplateSet(
        files.map((path) => ({ path, kind: 'template' as const, name: path })),
        sources,
      );
      for (const path of files) {
        let out: string;
        try {
          out = set.render(path, CTX, { template: path, emitted: [], log: () => {} });
        } catch (e) {
          if (e instanceof UserError) continue;
          throw e;
        }
        printed++;
        if (out.includes('[object ')) offenders.push(`${sources.get(path)} -> ${out.slice(0, 80)}`);
      }
    }
    assert.ok(
      printed > (FULL_TABLES ? 1000 : 400),
      `only ${printed} calls printed something: the probe is not probing`,
    );
    assert.deepEqual(offenders, []);
  });
});

describe('fromYaml with a complex key', () => {
  // fromYaml reads through the values profile of the one YAML reader (src/core/untrusted-yaml.ts), which
  // refuses complex keys, also a flow map used as a key inside a flow map (`{ {a: 1} }`).
  it('is an error naming the line of the text, never a "[object Object]" key', () => {
    const path = 't.yaml.hbs';
    const set = new TemplateSet(
      [{ path, kind: 'template', name: path }],
      new Map([[path, '{{toJson (fromYaml "k: { {a: 1} }")}}']]),
    );
    assert.throws(
      () => set.render(path, {}, { template: path, emitted: [], log: () => {} }),
      (e: unknown) => e instanceof UserError && /line 1/.test(e.message) && !/object Object/.test(e.message),
    );
  });
});
