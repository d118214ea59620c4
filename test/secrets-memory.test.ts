// Decrypted values never outlive the render in memory caches (issue 25 §3): a `tpl` text made from a secret is
// compiled for the render and not kept in the template set, which the warm renderer keeps between requests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TemplateSet } from '../src/core/template/set.js';

const PATH = 't.yaml.hbs';
const TEXT = 'k: {{quote (tpl values.text this)}}\n';

function tplCacheSize(secrets: boolean): number {
  const set = new TemplateSet([{ path: PATH, kind: 'template', name: PATH }], new Map([[PATH, TEXT]]));
  const out = set.render(
    PATH,
    { values: { text: 'canary-{{ print "s3cr3t" }}' } },
    { template: PATH, emitted: [], log: () => {}, ...(secrets ? { secrets } : {}) },
  );
  assert.equal(out, 'k: "canary-s3cr3t"\n');
  return (set as unknown as { tplCache: Map<string, unknown> }).tplCache.size;
}

describe('tpl compiles and decrypted values', () => {
  test('a render without secrets keeps its tpl compiles for the next render', () => {
    assert.equal(tplCacheSize(false), 1);
  });
  test('a render with decrypted values keeps none', () => {
    assert.equal(tplCacheSize(true), 0);
  });
});
