// The helper size limit, helper by helper: every helper that writes a tree fails at the helper limit on a tree of
// 2^40 leaves held in 40 small lists, before writing, and a large plain tree is still written whole. Moved out of
// npm test for its time (test/budget-work.test.ts keeps toJson). Run: node --import tsx --test test/e2e/budget-helper-sizes.test.ts
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { cm, dataOf, renderApp } from '../template/app.js';

/** `{{#with (list x x) as |p1|}}` ... 40 deep: a list of 2^40 leaves held in 40 small lists. */
function dag(p: string, seed: string, depth = 40): [string, string] {
  let open = `{{#with (list ${seed} ${seed}) as |${p}1|}}`;
  for (let i = 2; i <= depth; i++) open += `{{#with (list ${p}${i - 1} ${p}${i - 1}) as |${p}${i}|}}`;
  return [open, '{{/with}}'.repeat(depth)];
}

describe('budget: one helper call, sizes', () => {
  for (const helper of [
    'toYaml',
    'toPrettyJson',
    'toString',
    'deepCopy',
    'cat',
    'printf "%v"',
    'uniq (list 1',
    'mergeOverwrite (dict)',
  ]) {
    it(
      `${helper.split(' ')[0]} over 40 levels of shared references fails at the helper limit before writing`,
      { timeout: 60_000 },
      () => {
        const [a, aEnd] = dag('a', '"x"');
        const call = helper.endsWith('(list 1')
          ? `${helper} a40)`
          : helper === 'mergeOverwrite (dict)'
            ? 'mergeOverwrite (dict) (dict "k" a40)'
            : `${helper} a40`;
        assert.throws(
          () => renderApp({ 'cm.yaml.hbs': cm(`  j: "${a}{{len (${call})}}${aEnd}"\n`) }),
          (e: Error) => {
            assert.ok(e instanceof UserError);
            assert.match(
              e.message,
              new RegExp(`^${helper.split(' ')[0]}: .* would exceed the 4194304-byte helper limit`),
            );
            assert.doesNotMatch(e.message, /\n/);
            return true;
          },
        );
      },
    );
  }

  it('a large plain tree is still written whole (its written size is its own size)', () => {
    const l = `l: [${Array.from({ length: 200_000 }, (_, i) => `"v${i}"`).join(', ')}]\n`;
    const r = renderApp({ 'cm.yaml.hbs': cm('  n: "{{len (toJson values.l)}}"\n') }, l);
    assert.ok(Number(dataOf(r).n) > (4 * 1024 * 1024) / 4);
  });
});
