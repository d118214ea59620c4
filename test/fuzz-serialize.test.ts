import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import jsyaml from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { toYamlStream, toYamlText } from '../src/core/serialize.js';
import { fuzzParams, valueMap, valueTree } from './fuzz-support.js';

// Property: any value tree serializes and parses back equal under YAML 1.1 (Argo CD reads plugin output with
// yaml.v2; the `yaml` package with version 1.1 stands in for it, as in serialize.test.ts) and YAML 1.2.

function read11(text: string): unknown[] {
  return parseAllDocuments(text, { version: '1.1', uniqueKeys: false }).map((d) => {
    if (d.errors.length) throw new Error(`YAML 1.1 reader: ${String(d.errors[0])}\n${text}`);
    return d.toJS({ maxAliasCount: -1 });
  });
}

function read12(text: string): unknown[] {
  return jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA });
}

/** What the tree means once written: object key order is irrelevant, the rest must be identical. */
function same(a: unknown, b: unknown, text: string): void {
  assert.deepStrictEqual(b, a, `round trip changed the value; YAML was:\n${text}`);
}

describe('serializer round trip (property)', () => {
  it('a stream of maps reads back equal in YAML 1.1 and 1.2', () => {
    fc.assert(
      fc.property(fc.array(valueMap(), { minLength: 1, maxLength: 3 }), (docs) => {
        const text = toYamlStream(docs);
        same(docs, read11(text), text);
        same(docs, read12(text), text);
      }),
      fuzzParams(120),
    );
  });

  it('any single value (toYaml) reads back equal in YAML 1.1 and 1.2', () => {
    fc.assert(
      fc.property(valueTree(), (v) => {
        const text = toYamlText(v);
        same([v], read11(text), text);
        same([v], read12(text), text);
      }),
      fuzzParams(120),
    );
  });
});
