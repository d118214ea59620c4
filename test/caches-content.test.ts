// Caches that outlive a render are keyed by content (issue 21 §2, docs/caches.md): one createCaches(), as the
// warm renderer holds it, renders two trees with the same paths and other bytes, alternately, and every answer
// equals a render with fresh caches. The process-level twin is test/e2e/warm-pairs.test.ts.
// Run: node --import tsx --test test/caches-content.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { standardChecks } from '../src/checks/index.js';
import { describeError, formatFinding } from '../src/core/errors.js';
import { MemoryFs } from '../src/core/fs.js';
import { DEFAULT_RENDER_LIMITS } from '../src/core/limits.js';
import { createCaches, render, type RenderCaches } from '../src/core/render.js';
import { toYamlStream } from '../src/core/serialize.js';
import type { CompiledStore } from '../src/core/templates.js';
import { valuesSchemaCheck } from '../src/validate/values-schema.js';
import { APP_DIR, ENV, PAIRS, padded, type Tree } from './caches-pairs.js';

/** A compile store in memory, as the warm renderer keeps one in front of the disk. */
function memoryStore(): CompiledStore {
  const m = new Map<string, string>();
  return { get: (k) => m.get(k), set: (k, v) => void m.set(k, v) };
}

/** What a render answers, as text: the manifests and findings, or the error. */
function answer(tree: Tree, caches: RenderCaches, limits = DEFAULT_RENDER_LIMITS): string {
  // A new MemoryFs per render: each request is a new checkout, never the same object.
  const fs = new MemoryFs(tree);
  try {
    const r = render({ fs, appDir: APP_DIR, env: ENV, checks: standardChecks(), caches, limits });
    return `${toYamlStream(r.objects.map((o) => o.object))}${r.findings.map((f) => `finding: ${formatFinding(f)}\n`).join('')}`;
  } catch (e) {
    return `error: ${describeError(e)}`;
  }
}

describe('caches shared between renders are keyed by content', () => {
  for (const pair of PAIRS) {
    test(pair.name, pair.todo ? { todo: pair.todo } : {}, () => {
      const { a, b } = padded(pair);
      const fresh = { a: answer(a, createCaches()), b: answer(b, createCaches()) };
      assert.notEqual(fresh.a, fresh.b, 'the two sides of a pair must answer differently');
      const shared = createCaches({ store: memoryStore() });
      for (const side of ['a', 'b', 'a', 'b', 'b', 'a'] as const) {
        assert.equal(answer(side === 'a' ? a : b, shared), fresh[side], `side ${side}`);
      }
    });
  }

  test('a CRD file loaded under a larger schemaBytes is refused under a smaller one', () => {
    const { a } = padded(PAIRS[2]);
    const small = { ...DEFAULT_RENDER_LIMITS, schemaBytes: 100 };
    const fresh = answer(a, createCaches(), small);
    assert.match(fresh, /over the 100-byte limit/);
    const shared = createCaches();
    answer(a, shared);
    assert.equal(answer(a, shared, small), fresh);
  });

  test('a values schema is bounded by the render`s own schemaBytes (STRATA_MAX_SCHEMA_BYTES reaches it)', () => {
    const fs = new MemoryFs({
      'app/strata.yaml':
        'apiVersion: strata.dev/v1\nkind: App\nmetadata: {name: a}\nspec: {environments: [dev], layers: [values.yaml], templates: t}\n',
      'app/values.yaml': 'a: 1\n',
      'app/values.schema.json': JSON.stringify({ type: 'object', properties: { a: { type: 'integer' } } }),
      'app/t/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
    });
    const run = (schemaBytes: number): string => {
      try {
        render({
          fs,
          appDir: 'app',
          env: 'dev',
          checks: [valuesSchemaCheck()],
          limits: { ...DEFAULT_RENDER_LIMITS, schemaBytes },
        });
        return 'ok';
      } catch (e) {
        return (e as Error).message;
      }
    };
    assert.equal(run(10_000), 'ok');
    assert.match(run(20), /over the 20-byte limit/);
  });
});
