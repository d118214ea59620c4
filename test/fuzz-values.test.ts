import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UserError } from '../src/core/errors.js';
import { ValuesBuilder } from '../src/core/merge.js';
import { formatPath, type Segment } from '../src/core/paths.js';
import { parseSetExpression, type SetKind } from '../src/core/set-parser.js';
import type { Value, Values } from '../src/core/types.js';
import { loadYamlFile, loadYamlText } from '../src/core/yaml-load.js';
import { toYamlStream } from '../src/core/serialize.js';
import { anyKey, fuzzParams, TRICKY_WORDS, valueMap } from './fuzz-support.js';

// Properties of the values pipeline (issue 10 §7): the `--set` parser, the merge and the YAML loader.

/** Only UserError may escape: anything else is an internal error (exit 3) on hostile input. */
function userErrorOrValue<T>(fn: () => T): T | UserError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
}

/** No object in the tree has a prototype other than Object.prototype / Array.prototype, nor a forbidden own key. */
function assertPlain(v: unknown, path = ''): void {
  if (Array.isArray(v)) {
    assert.equal(Object.getPrototypeOf(v), Array.prototype, path);
    v.forEach((x, i) => assertPlain(x, `${path}[${i}]`));
  } else if (typeof v === 'object' && v !== null) {
    assert.equal(Object.getPrototypeOf(v), Object.prototype, path);
    for (const k of ['__proto__', 'constructor', 'prototype'])
      assert.ok(!Object.hasOwn(v, k), `${path} has own key ${k}`);
    for (const k of Object.keys(v)) assertPlain((v as Record<string, unknown>)[k], `${path}.${k}`);
  }
}

function assertPrototypesClean(): void {
  assert.deepEqual(Object.keys(Object.prototype), []);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
}

// --- the --set parser ---------------------------------------------------------------------------------------

const setChars = fc.constantFrom(
  'a',
  'b',
  '.',
  ',',
  '=',
  '[',
  ']',
  '{',
  '}',
  '\\',
  '0',
  '1',
  '"',
  ' ',
  '_',
  '-',
  'x',
  ':',
);
const setLike = fc.oneof(fc.string({ unit: setChars, maxLength: 24 }), fc.string({ unit: 'binary', maxLength: 16 }));

/** A key segment written with backslash escapes for the characters the syntax uses. */
function escapeKey(k: string): string {
  return k.replace(/[\\.,=[\]]/g, (c) => '\\' + c);
}

describe('--set parser (property)', () => {
  for (const kind of ['set', 'set-string', 'set-json', 'set-file'] as SetKind[]) {
    it(`${kind}: any text parses or fails with a UserError, never builds a forbidden key`, () => {
      fc.assert(
        fc.property(setLike, (expr) => {
          const r = userErrorOrValue(() => parseSetExpression(expr, kind, `--${kind}`));
          if (r instanceof UserError) return;
          for (const a of r) {
            assert.ok(a.segments.length > 0);
            for (const s of a.segments)
              assert.ok(typeof s === 'number' || !['__proto__', 'constructor', 'prototype'].includes(s));
          }
        }),
        fuzzParams(200),
      );
    });
  }

  it('escaped keys and --set-string values parse back to what was written', () => {
    const seg = fc.oneof(
      anyKey.filter((k) => k !== ''),
      fc.nat({ max: 50 }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(seg, { minLength: 1, maxLength: 4 }), fc.string({ maxLength: 8 })), {
          minLength: 1,
          maxLength: 3,
        }),
        (pairs) => {
          fc.pre(pairs.every(([segs]) => typeof segs[0] === 'string'));
          const expr = pairs
            .map(
              ([segs, v]) =>
                segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : (i ? '.' : '') + escapeKey(s))).join('') +
                '=' +
                v.replace(/[\\,]/g, (c) => '\\' + c).replace(/^\{/, '\\{'),
            )
            .join(',');
          const got = parseSetExpression(expr, 'set-string', '--set-string');
          assert.deepEqual(
            got.map((a) => [a.segments, a.value]),
            pairs.map(([segs, v]) => [segs, v]),
            expr,
          );
        },
      ),
      fuzzParams(200),
    );
  });
});

// --- the merge ----------------------------------------------------------------------------------------------

/** The documented semantics, written as plainly as possible (docs/values.md), to compare the merge with. */
function specMerge(base: Values, layer: Values): Values {
  const out: Values = { ...base };
  for (const k of Object.keys(layer)) {
    const v = layer[k]!;
    if (v === null) delete out[k];
    else if (isMap(v) && isMap(out[k])) out[k] = specMerge(out[k], v);
    else out[k] = stripNulls(v);
  }
  return out;
}
function isMap(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function stripNulls(v: Value): Value {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (isMap(v))
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null)
        .map(([k, x]) => [k, stripNulls(x)]),
    );
  return v;
}

const layerArb = valueMap({
  key: fc.oneof(fc.constantFrom('a', 'b', 'c', 'toString', 'valueOf', 'hasOwnProperty'), anyKey),
  depth: 3,
}) as fc.Arbitrary<Values>;

describe('merge (property)', () => {
  it('never mutates its inputs, matches the documented semantics, never creates prototype keys', () => {
    fc.assert(
      fc.property(fc.array(layerArb, { minLength: 1, maxLength: 4 }), (layers) => {
        const before = structuredClone(layers);
        const b = new ValuesBuilder();
        layers.forEach((l, i) => b.mergeLayer(l, () => ({ file: `l${i}.yaml` })));
        const { values } = b.result();
        assert.deepStrictEqual(layers, before, 'an input layer was mutated');
        assert.deepStrictEqual(values, layers.reduce(specMerge, {} as Values));
        assertPlain(values);
        assertPrototypesClean();
      }),
      fuzzParams(150),
    );
  });

  it('null deletes: a key set to null in a later layer is absent, wherever it was set before', () => {
    fc.assert(
      fc.property(layerArb, fc.array(anyKey, { minLength: 1, maxLength: 3 }), (base, path) => {
        let del: Values = { [path[path.length - 1]]: null };
        for (let i = path.length - 2; i >= 0; i--) del = { [path[i]]: del };
        const b = new ValuesBuilder();
        b.mergeLayer(base, () => ({ file: 'base.yaml' }));
        b.mergeLayer(del, () => ({ file: 'del.yaml' }));
        let v: Value | undefined = b.result().values;
        for (const k of path.slice(0, -1)) v = isMap(v) && Object.hasOwn(v, k) ? v[k] : undefined;
        assert.ok(!isMap(v) || !Object.hasOwn(v, path[path.length - 1]), `${formatPath(path)} survived`);
      }),
      fuzzParams(150),
    );
  });

  it('layers with prototype keys (as JSON.parse builds them) fail with a UserError and pollute nothing', () => {
    const evil = fc.constantFrom(
      '{"__proto__":{"polluted":1}}',
      '{"a":{"__proto__":{"polluted":1}}}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      '{"a":[{"prototype":1}]}',
    );
    fc.assert(
      fc.property(layerArb, evil, (base, text) => {
        const b = new ValuesBuilder();
        b.mergeLayer(base, () => ({ file: 'base.yaml' }));
        assert.throws(() => b.mergeLayer(JSON.parse(text) as Values, () => ({ file: 'evil.yaml' })), UserError);
        assertPrototypesClean();
      }),
      fuzzParams(100),
    );
  });

  it('setPath never mutates the value it is given and builds plain objects only', () => {
    const segs = fc.array(fc.oneof(fc.constantFrom('a', 'b', 'toString'), fc.constant(0)), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(layerArb, segs, layerArb, (base, path, value) => {
        fc.pre(typeof path[0] === 'string');
        const before = structuredClone(value);
        const b = new ValuesBuilder();
        b.mergeLayer(base, () => ({ file: 'base.yaml' }));
        userErrorOrValue(() => b.setPath(path as Segment[], value, { flag: '--set-json' }));
        assert.deepStrictEqual(value, before);
        assertPlain(b.result().values);
        assertPrototypesClean();
      }),
      fuzzParams(120),
    );
  });
});

// --- the YAML loader ----------------------------------------------------------------------------------------

const yamlChars = fc.constantFrom(
  ...'abc01:-?[]{},#&*!|>\'"%@` \t\n\r.~<=_/\\x'.split(''),
  ...TRICKY_WORDS.filter((w) => w.length > 1),
  '__proto__',
  'constructor',
  '<<: *a',
  '&a ',
  '!!str ',
  '!!binary ',
  '!!js/function ',
  '? ',
  ': ',
  '- ',
  '\n  ',
  '\ufeff',
  '\u0085',
  '\u2028',
);
const yamlLike = fc.array(yamlChars, { maxLength: 40 }).map((parts) => parts.join(''));

describe('YAML loader (property)', () => {
  it('arbitrary YAML-ish text loads to plain data or fails with a UserError', () => {
    fc.assert(
      fc.property(fc.oneof(yamlLike, fc.string({ unit: 'binary', maxLength: 40 })), (text) => {
        const r = userErrorOrValue(() => loadYamlText(text, 'values.yaml'));
        if (r instanceof UserError) {
          assert.ok(r.toString().startsWith('values.yaml'), r.toString());
          assert.ok(!r.message.includes('\n'), 'one line');
          return;
        }
        assertPlain(r.value);
        assertPrototypesClean();
      }),
      fuzzParams(400),
    );
  });

  it('arbitrary bytes load or fail with a UserError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        userErrorOrValue(() => loadYamlFile(bytes, 'values.yaml'));
      }),
      fuzzParams(250),
    );
  });

  it('what the serializer writes, the loader reads back equal (or refuses as ambiguous, never mis-reads)', () => {
    fc.assert(
      fc.property(valueMap({ depth: 3 }), (v) => {
        const text = toYamlStream([v]).replace(/^---\n/, '');
        const r = userErrorOrValue(() => loadYamlText(text, 'values.yaml'));
        if (r instanceof UserError) {
          // Only what strata refuses on purpose: unsafe numbers never come out of the serializer quoted.
          assert.match(r.message, /beyond 2\^53|nesting/, `${r}\n${text}`);
          return;
        }
        assert.deepStrictEqual(r.value ?? {}, v, text);
      }),
      fuzzParams(120),
    );
  });
});
