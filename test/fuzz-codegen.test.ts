import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { main } from '../src/cli/main.js';
import { MemoryFs } from '../src/core/fs.js';
import { render } from '../src/core/render.js';
import { TemplateSet, type RenderState, type TemplateFile } from '../src/core/templates.js';
import type { K8sObject } from '../src/core/types.js';
import { diskStore } from '../src/io/compile-store.js';
import { crdSchema } from '../src/validate/crd-schema.js';
import { ruleProblems, structuralErrors } from '../src/validate/crd-validate.js';
import { compileValuesSchema } from '../src/validate/values-schema.js';
import { anyText, fuzzParams, tableRows } from './fuzz-support.js';
import { Capture, makeRepo, minimalApp } from './helpers.js';

// Issue 21 §1: no repository text ever becomes code. Every place where repository text reaches a code
// generator (Ajv for values and CRD schemas, Handlebars through strata's template set and compile store) is
// fed hostile strings that would break out of a JavaScript string, comment or template literal, and a canary
// function that the injected code would call must never run. docs/security.md "Code generation".

const CANARY = '__strataCodegenCanary';
const hits: string[] = [];
(globalThis as Record<string, unknown>)[CANARY] = (tag: unknown): void => {
  hits.push(String(tag));
};

function assertCanaryQuiet(what: string): void {
  assert.deepEqual(hits, [], `repository text ran as code (${what}): ${hits.join(', ')}`);
}

/** Every file under `dir`, recursively, with its text. */
function cacheFiles(dir: string): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ name: p.slice(dir.length + 1), text: readFileSync(p, 'latin1') });
    }
  };
  walk(dir);
  return out;
}

/** Render `app` of `root` through main() with a real compile store in a fresh private folder. */
async function renderWithStore(
  root: string,
  argv: string[],
): Promise<{ code: number; stderr: string; cacheDir: string }> {
  hits.length = 0;
  const cacheDir = join(mkdtempSync(join(tmpdir(), 'strata-codegen-')), 'cache');
  const store = diskStore({ STRATA_CACHE_DIR: cacheDir }, 'ns');
  assert.ok(store, 'the compile store is on');
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main({ argv, env: { PATH: process.env.PATH ?? '' }, cwd: root, stdout, stderr, store });
  return { code, stderr: stderr.text, cacheDir };
}

// A `$id` that closes the `/*# sourceURL=... */` comment Ajv writes in source mode (ajv 8.20.0
// lib/compile/validate/index.ts funcSourceUrl): JSON quoting does not escape `*/`.
const ID_PAYLOAD = `http://x/*/globalThis.${CANARY}('values-id');/*`;

describe('repository schemas never become code (reproductions)', () => {
  it('a values schema whose $id closes a comment is not run, and nothing of it is written to the compile store', async () => {
    const schema = { $id: ID_PAYLOAD, type: 'object', properties: { replicas: { type: 'integer' } } };
    const root = makeRepo(minimalApp({ 'app/values.schema.json': JSON.stringify(schema) }));
    const r = await renderWithStore(root, ['render', 'app', '--env', 'stg']);
    assertCanaryQuiet('values schema $id');
    assert.equal(r.code, 0, r.stderr);
    for (const f of cacheFiles(r.cacheDir)) {
      assert.ok(!f.name.includes('schema-'), `schema code stored: ${f.name}`);
      assert.ok(!f.text.includes(CANARY), `repository schema text stored as code in ${f.name}`);
    }
  });

  it('a CRD schema with the same $id (and hostile property names) is not run and not stored', async () => {
    const crd = [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata: { name: widgets.example.com }',
      'spec:',
      '  group: example.com',
      '  names: { kind: Widget, plural: widgets }',
      '  scope: Namespaced',
      '  versions:',
      '    - name: v1',
      '      served: true',
      '      storage: true',
      '      schema:',
      '        openAPIV3Schema:',
      `          $id: ${JSON.stringify(ID_PAYLOAD)}`,
      '          type: object',
      '          properties:',
      '            spec:',
      '              type: object',
      '              properties:',
      `                ${JSON.stringify(`*/globalThis.${CANARY}('crd-key');/*`)}: { type: string, enum: [${JSON.stringify(`"*/globalThis.${CANARY}('crd-enum')/*`)}] }`,
      '',
    ].join('\n');
    const root = makeRepo({
      'strata-policy.yaml': 'apiVersion: strata.dev/v1\nkind: Policy\nspec:\n  schemas: [crds]\n',
      'crds/w.yaml': crd,
      'app/strata.yaml': 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [dev]\n  namespace: ns\n',
      'app/values.yaml': 'x: 1\n',
      'app/templates/w.yaml.hbs': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec: { a: b }\n',
    });
    const r = await renderWithStore(root, ['render', 'app', '--env', 'dev', '--repo-root', '.']);
    assertCanaryQuiet('CRD schema');
    // The object has an unknown field `a`: the CRD's schema was compiled and applied.
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /crds\/w\.yaml/);
    for (const f of cacheFiles(r.cacheDir)) {
      assert.ok(!f.name.includes('schema-'), `schema code stored: ${f.name}`);
      assert.ok(!f.text.includes(CANARY), `repository schema text stored as code in ${f.name}`);
    }
  });
});

// --- hostile strings ---------------------------------------------------------------------------------------

const CALL = `globalThis.${CANARY}(1)`;

/**
 * Ways out of a JavaScript comment, string, template literal, line or script element, each with a way back in,
 * so that the canary call between them is a statement or an expression wherever the way out worked.
 */
const BREAKOUTS: readonly (readonly [string, string])[] = [
  ['*/;', ';/*'],
  ['*/', '/*'],
  ['";', ';"'],
  ['"+', '+"'],
  ['\\"+', '+"'],
  ["';", ";'"],
  ["'+", "+'"],
  ['`;', ';`'],
  ['`+', '+`'],
  ['${', '}'],
  ['\\', ''],
  ['\n;', ';//'],
  ['\r\n;', ';//'],
  ['\u2028;', ';//'],
  ['\u2029;', ';//'],
  ['</script><script>', '</script>'],
  ['//\n;', ';//'],
  [');', ';('],
  ['});', ';({'],
  ['];', ';['],
  ['}', '{'],
];
const BREAKOUT_TEXTS = BREAKOUTS.map(([out, back]) => `${out}${CALL}${back}`);
const PIECES = [
  '*/',
  '/*',
  '\u2028',
  '\u2029',
  '"',
  "'",
  '`',
  '${',
  '}',
  '\\',
  '\n',
  '</script>',
  '//',
  ';',
  ')',
  CALL,
  'x',
];

/** Text made to break out of whatever JavaScript it is pasted into and call the canary. */
const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...BREAKOUT_TEXTS) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 8 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: anyText },
);

/** Run `fn`; any error is fine here (the property is that nothing ran), a canary call is not. */
function quietly(what: string, fn: () => void): void {
  hits.length = 0;
  try {
    fn();
  } catch {
    // a hostile input may well be refused: what matters is that none of it ran
  }
  assertCanaryQuiet(what);
}

// --- Ajv: values schemas -----------------------------------------------------------------------------------

/** A JSON pointer token, URI-encoded as Ajv reads it from a `$ref` fragment. */
const pointerToken = (s: string): string => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));

interface SchemaWords {
  id: string;
  id2: string;
  anchor: string;
  comment: string;
  key: string;
  key2: string;
  def: string;
  enumV: string;
  constV: string;
  pattern: string;
  text: string;
  ppKey: string;
}

const WORD_KEYS: Record<keyof SchemaWords, fc.Arbitrary<string>> = {
  id: hostile,
  id2: hostile,
  anchor: hostile,
  comment: hostile,
  key: hostile,
  key2: hostile,
  def: hostile,
  enumV: hostile,
  constV: hostile,
  pattern: hostile,
  text: hostile,
  ppKey: hostile,
};
const schemaWords: fc.Arbitrary<SchemaWords> = fc.record(WORD_KEYS);

/** Each feature adds keywords to the root schema: a subset is drawn, so one refused keyword spoils one run only. */
const FEATURES: Record<string, (w: SchemaWords, s: Record<string, unknown>) => void> = {
  id: (w, s) => (s.$id = w.id),
  idUrl: (w, s) => (s.$id = `http://x/${w.id}`),
  comment: (w, s) => (s.$comment = w.comment),
  annotations: (w, s) =>
    Object.assign(s, {
      title: w.text,
      description: w.comment,
      default: w.def,
      examples: [w.def],
      deprecated: true,
      readOnly: true,
    }),
  unknownKeyword: (w, s) => (s[w.key2] = w.text),
  properties: (w, s) =>
    (s.properties = {
      ...(s.properties as object),
      [w.key]: { type: 'string', enum: [w.enumV, 'ok'], $comment: w.comment },
      [w.key2]: { const: w.constV, title: w.text },
    }),
  required: (w, s) => (s.required = [w.key, w.key2]),
  defsRef: (w, s) => {
    s.$defs = { ...(s.$defs as object), [w.def]: { type: 'string', enum: [w.enumV], $comment: w.comment } };
    s.properties = { ...(s.properties as object), viaRef: { $ref: `#/$defs/${pointerToken(w.def)}` } };
  },
  defsRawRef: (w, s) => {
    s.$defs = { ...(s.$defs as object), [w.def]: { const: w.constV } };
    s.properties = { ...(s.properties as object), viaRawRef: { $ref: `#/$defs/${w.def}` } };
  },
  anchor: (w, s) => {
    s.$defs = { ...(s.$defs as object), anchored: { $anchor: w.anchor, const: w.constV } };
    s.properties = { ...(s.properties as object), viaAnchor: { $ref: `#${w.anchor}` } };
  },
  subschemaId: (w, s) => {
    s.$defs = { ...(s.$defs as object), withId: { $id: `http://y/${w.id2}`, type: 'object', required: [w.key] } };
    s.properties = { ...(s.properties as object), viaId: { $ref: `http://y/${w.id2}` } };
  },
  subschemaRawId: (w, s) =>
    (s.properties = { ...(s.properties as object), rawId: { $id: w.id2, $comment: w.comment, type: 'string' } }),
  dynamic: (w, s) => {
    s.$dynamicAnchor = 'node';
    s.properties = {
      ...(s.properties as object),
      dyn: { $dynamicRef: '#node' },
      dynAnchor: { $dynamicAnchor: w.anchor },
    };
  },
  pattern: (w, s) =>
    (s.properties = { ...(s.properties as object), pat: { type: 'string', pattern: w.pattern, format: w.text } }),
  escapedPattern: (w, s) =>
    (s.properties = {
      ...(s.properties as object),
      epat: { type: 'string', pattern: w.pattern.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&') },
    }),
  patternProperties: (w, s) =>
    (s.patternProperties = {
      [w.ppKey.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')]: { type: 'integer' },
      [w.ppKey]: { type: 'string' },
    }),
  dependencies: (w, s) =>
    Object.assign(s, {
      dependentRequired: { [w.key]: [w.key2] },
      dependentSchemas: { [w.key2]: { required: [w.key] } },
    }),
  propertyNames: (w, s) => (s.propertyNames = { not: { const: w.key }, maxLength: 50 }),
  conditional: (w, s) =>
    Object.assign(s, {
      if: { properties: { [w.key]: { const: w.constV } } },
      then: { required: [w.key2] },
      else: { not: { required: [w.key] } },
    }),
  combinators: (w, s) =>
    Object.assign(s, {
      anyOf: [{ required: [w.key] }, { properties: { [w.key2]: { enum: [w.enumV] } } }],
      oneOf: [true, { required: [w.def] }],
      allOf: [{ $comment: w.comment }],
    }),
  additional: (w, s) => (s.additionalProperties = { type: ['string', 'integer'], enum: [w.enumV, 1] }),
  items: (w, s) =>
    (s.properties = {
      ...(s.properties as object),
      list: {
        type: 'array',
        prefixItems: [{ const: w.constV }],
        items: { enum: [w.enumV] },
        contains: { const: w.def },
        uniqueItems: true,
      },
    }),
  draft7: (w, s) =>
    Object.assign(s, {
      $schema: 'http://json-schema.org/draft-07/schema#',
      definitions: { [w.def]: { const: w.constV } },
      dependencies: { [w.key]: [w.key2] },
    }),
  draft2019: (w, s) =>
    Object.assign(s, {
      $schema: 'https://json-schema.org/draft/2019-09/schema',
      $recursiveAnchor: true,
      properties: { ...(s.properties as object), rec: { $recursiveRef: '#' } },
    }),
};

const valuesSchema = fc
  .tuple(schemaWords, fc.subarray(Object.keys(FEATURES), { minLength: 1 }))
  .map(([w, features]) => {
    const s: Record<string, unknown> = { type: 'object' };
    for (const f of features) FEATURES[f](w, s);
    return { words: w, schema: s };
  });

/** Instances that take the validator through the keywords above (hostile keys and values, nested lists). */
function instancesFor(w: SchemaWords): unknown[] {
  const o: Record<string, unknown> = {};
  for (const [k, v] of [
    [w.key, w.enumV],
    [w.key2, w.constV],
    [w.def, w.text],
    [w.ppKey, 1],
  ] as const)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return [
    {},
    o,
    {
      ...o,
      viaRef: w.enumV,
      viaRawRef: w.constV,
      viaAnchor: w.constV,
      viaId: o,
      pat: w.pattern,
      epat: w.pattern,
      list: [w.constV, w.enumV, w.def],
      dyn: o,
      rec: { rec: {} },
    },
    [w.key],
    w.text,
    null,
  ];
}

describe('Ajv never runs repository schema text (property)', () => {
  it('every breakout in every keyword of a values schema, one keyword at a time (npm test: a seeded sample of breakouts)', () => {
    for (const text of tableRows(BREAKOUT_TEXTS, 3)) {
      const words = Object.fromEntries(Object.keys(WORD_KEYS).map((k) => [k, text])) as unknown as SchemaWords;
      for (const [name, feature] of Object.entries(FEATURES)) {
        const schema: Record<string, unknown> = { type: 'object' };
        feature(words, schema);
        quietly(`values schema keyword ${name} with ${JSON.stringify(text)}`, () => {
          const validate = compileValuesSchema(JSON.stringify(schema), 'app/values.schema.json');
          for (const x of instancesFor(words)) validate(x);
        });
      }
    }
  });

  it('hostile strings in every keyword of a values schema: compiled and applied the way strata does, no canary', () => {
    fc.assert(
      fc.property(valuesSchema, ({ words, schema }) => {
        quietly(`values schema ${JSON.stringify(schema)}`, () => {
          const validate = compileValuesSchema(JSON.stringify(schema), 'app/values.schema.json');
          for (const x of instancesFor(words)) validate(x);
        });
      }),
      fuzzParams(20),
    );
  });

  it('hostile strings in a CRD schema (names, enums, required, patterns, rules and messages): compiled and applied, no canary', () => {
    const crdNode = fc
      .record({ w: schemaWords, rule: fc.constantFrom('self.size() >= 0', 'has(self.a)', 'true', 'self == self') })
      .map(({ w, rule }) => ({
        w,
        schema: {
          $id: w.id,
          title: w.text,
          description: w.comment,
          type: 'object',
          'x-kubernetes-validations': [{ rule, message: w.comment, fieldPath: w.text }],
          properties: {
            spec: {
              type: 'object',
              required: [w.key],
              properties: {
                [w.key]: {
                  type: 'string',
                  enum: [w.enumV, w.constV],
                  pattern: '^.*$',
                  'x-kubernetes-validations': [{ rule: 'self.size() >= 0', message: w.text }],
                },
                [w.key2]: { type: 'string', pattern: w.pattern, maxLength: 100, nullable: true },
                list: { type: 'array', items: { type: 'string', enum: [w.def] } },
                map: { type: 'object', additionalProperties: { type: 'string', enum: [w.enumV] } },
                either: {
                  'x-kubernetes-int-or-string': true,
                  anyOf: [{ type: 'integer' }, { type: 'string', enum: [w.constV] }],
                },
              },
            },
          },
        },
      }));
    fc.assert(
      fc.property(crdNode, ({ w, schema }) => {
        quietly(`CRD schema ${JSON.stringify(schema)}`, () => {
          const crd = crdSchema(
            'example.com/v1/Widget',
            schema,
            'crds/w.yaml',
            '.spec.versions[0].schema.openAPIV3Schema',
          );
          const spec: Record<string, unknown> = { list: [w.def, w.enumV], map: { [w.key]: w.enumV }, either: w.constV };
          Object.defineProperty(spec, w.key, { value: w.enumV, enumerable: true, writable: true, configurable: true });
          Object.defineProperty(spec, w.key2, {
            value: w.pattern,
            enumerable: true,
            writable: true,
            configurable: true,
          });
          const object = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec } as K8sObject;
          const ro = { object, template: 'app/templates/w.yaml.hbs', doc: 0 };
          if (structuralErrors(crd, ro).length === 0) ruleProblems(crd, ro);
        });
      }),
      fuzzParams(20),
    );
  });
});

// --- Handlebars through strata's template set ----------------------------------------------------------------

/** `"…"` as Handlebars lexes a string literal: only `\"` is an escape. */
const dq = (s: string): string => `"${s.replace(/"/g, '\\"')}"`;
const sq = (s: string): string => `'${s.replace(/'/g, "\\'")}'`;
/** A `[…]` literal path segment (it cannot hold `]`). */
const seg = (s: string): string => `[${s.replace(/]/g, '')}]`;
/** Hash keys and block params are IDs: no space, quote, dot, slash, bracket or brace (handlebars.l ID). */
const id = fc.stringMatching(/^[a-z$_:?\u00e9\u2603][a-z0-9$_:?\u00e9]{0,6}$/);
/** A file name inside the templates folder: anything but `/` and NUL. */
const fileName = (s: string): string => s.replace(/[/\0]/g, '') || 'x';

interface TemplateWords {
  a: string;
  b: string;
  c: string;
  k: string;
  p: string;
  n: number;
}

/** One Handlebars construct with hostile text in it. */
const CONSTRUCTS: readonly ((w: TemplateWords) => string)[] = [
  (w) => w.a, // content
  (w) => `\\{{${w.a}}}`, // an escaped mustache is content
  (w) => `{{values.${seg(w.a)}}}`,
  (w) => `{{${seg(w.a)}}}`,
  (w) => `{{{values.${seg(w.a)}}}}`,
  (w) => `{{&values.${seg(w.a)}.${seg(w.b)}}}`,
  (w) => `{{@root.values.${seg(w.a)}}}`,
  (w) => `{{quote ${dq(w.a)}}}`,
  (w) => `{{quote ${sq(w.a)}}}`,
  (w) => `{{printf ${dq(w.a)} ${dq(w.b)} ${w.n}}}`,
  (w) => `{{quote (lookup values ${dq(w.a)})}}`,
  (w) => `{{quote (default ${dq(w.a)} values.${seg(w.b)})}}`,
  (w) => `{{quote ${dq(w.a)} ${w.k}=${dq(w.b)} ${w.k}x=${w.n}}}`,
  (w) => `{{#each values.list as |${w.k} i|}}{{${w.k}}}${w.a}{{else}}${w.b}{{/each}}`,
  (w) => `{{#with values as |${w.k}|}}{{quote ${w.k}.${seg(w.a)}}}{{/with}}`,
  (w) => `{{#if values.${seg(w.a)}}}${w.b}{{else if values.${seg(w.c)}}}${w.a}{{else}}${w.c}{{/if}}`,
  (w) => `{{#unless values.x}}${w.a}{{/unless}}`,
  (w) => `{{^values.${seg(w.a)}}}${w.b}{{/values.${seg(w.a)}}}`,
  (w) => `{{~ quote ${dq(w.a)} ~}}`,
  (w) => `{{!-- ${w.a.replace(/--}}/g, '')} --}}`,
  (w) => `{{! ${w.a.replace(/}}/g, '')} }}`,
  (w) => `{{{{raw}}}}${w.a.replace(/{{{{/g, '')}{{{{/raw}}}}`,
  (w) => `{{> ${dq(w.p)}}}`,
  (w) => `{{> ${seg(w.p)} ${w.k}=${dq(w.a)}}}`,
  (w) => `{{quote (include ${dq(w.p)} .)}}`,
  (w) => `{{#*inline ${dq(w.c)}}}${w.a}{{quote ${dq(w.b)}}}{{/inline}}{{> ${dq(w.c)}}}`,
  (w) => `{{#> ${seg(w.p)}}}${w.a}{{/${seg(w.p)}}}`,
  (w) => `{{* ${seg(w.a)}}}`,
  (w) => `{{tpl ${dq(w.a)} .}}`,
  (w) => `{{tpl values.t .}}${w.b}`,
  (w) => `{{quote values.${seg(w.a)}.${seg(w.b)} ../${seg(w.c)}}}`,
];
const construct = fc.constantFrom(...CONSTRUCTS);

const templateCase = fc.record({
  words: fc.record({
    a: hostile,
    b: hostile,
    c: hostile,
    k: id,
    p: hostile,
    n: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).map((n) => Number(n.toPrecision(6))),
  }),
  parts: fc.array(construct, { minLength: 1, maxLength: 5 }),
  sep: fc.constantFrom('', '\n', ' '),
  name: hostile,
  tplText: hostile,
});

// One store for the whole property, as in a sidecar: a second set reads what the first compiled.
const storeDir = join(mkdtempSync(join(tmpdir(), 'strata-codegen-')), 'cache');
const hbsStore = diskStore({ STRATA_CACHE_DIR: storeDir }, 'ns')!;

/** Compile `parts` the way strata does (rewrite, store, tpl, partials, line markers), run each, no canary. */
function checkTemplate(
  w: TemplateWords,
  parts: readonly ((w: TemplateWords) => string)[],
  sep: string,
  name: string,
  tplText: string,
): void {
  const path = `app/templates/${fileName(name)}.yaml.hbs`;
  const partialName = fileName(w.p);
  const files: TemplateFile[] = [
    { path, kind: 'template', name: '' },
    { path: `app/templates/_${partialName}.hbs`, kind: 'partial', name: partialName },
    { path: `app/templates/_${fileName(w.c)}-inline.hbs`, kind: 'partial', name: `${fileName(w.c)}-inline` },
  ];
  const sources = new Map([
    [path, parts.map((f) => f(w)).join(sep)],
    [files[1].path, `${w.b}{{quote ${dq(w.a)}}}{{values.${seg(w.c)}}}`],
    [files[2].path, `{{#*inline ${dq(w.a)}}}${w.b}{{quote ${dq(w.c)}}}{{/inline}}${w.c}`],
  ]);
  const values: Record<string, unknown> = { list: [w.a, w.b], t: tplText, x: w.c };
  for (const k of [w.a, w.b, w.c])
    Object.defineProperty(values, k, { value: w.b, enumerable: true, writable: true, configurable: true });
  const ctx = { values, release: { name: w.a, namespace: w.b } };
  const run = (set: TemplateSet): void => {
    const state: RenderState = { template: path, emitted: [], log: () => {} };
    try {
      set.render(path, ctx, state);
    } catch {
      // a runtime error of a hostile template is fine
    }
  };
  quietly(`template ${JSON.stringify(sources.get(path))}`, () => {
    // Compiled into the store and run, then read back from the store by a second set and run.
    run(new TemplateSet(files, sources, hbsStore));
    run(new TemplateSet(files, sources, hbsStore));
    // Without a store (Handlebars.compile), and with line markers (the error path).
    const plain = new TemplateSet(files, sources);
    run(plain);
    run(plain.withLines());
  });
}

describe('Handlebars never runs repository template text (property)', () => {
  it('every breakout in every template construct, one construct at a time (npm test: a seeded sample of breakouts)', () => {
    for (const text of tableRows(BREAKOUT_TEXTS, 2)) {
      const w: TemplateWords = { a: text, b: text, c: text, k: 'k', p: text, n: 1 };
      for (const c of CONSTRUCTS) checkTemplate(w, [c], '', text, text);
    }
  });

  it('hostile strings in every template construct, compiled by strata (rewrite, store, tpl, partials, line markers), no canary', () => {
    fc.assert(
      fc.property(templateCase, ({ words, parts, sep, name, tplText }) => {
        checkTemplate({ ...words, n: Number.isFinite(words.n) ? Math.abs(words.n) : 1 }, parts, sep, name, tplText);
      }),
      fuzzParams(20),
    );
  });
});

// --- tpl under spec.semantics: helm: Go template text from values, translated at render time -------------

/** A render of `t` (a values text) through `tpl` under helm semantics; the printed text when it renders. */
function renderGoTpl(t: string): string | undefined {
  const fs = new MemoryFs({
    'app/strata.yaml': 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [dev]\n  semantics: helm\n',
    'app/values.yaml': `t: ${JSON.stringify(t)}\n`,
    'app/templates/cm.yaml.hbs':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  t: {{quote (tpl values.t this)}}\n',
  });
  try {
    const data = render({ fs, appDir: 'app', env: 'dev' }).objects[0].object.data as Record<string, string>;
    return data.t;
  } catch {
    return undefined; // refused is fine: only running is not
  }
}

describe('Go template text in values never runs (helm semantics, property)', () => {
  it('every breakout as a Go string literal prints as itself, and as raw Go text runs nothing', () => {
    // The whole table: one render each, cheap (the template tables above sample theirs).
    for (const text of BREAKOUT_TEXTS) {
      // Printed alone (text of the template) and as a helper's argument (a Handlebars string literal).
      for (const go of [`{{ ${JSON.stringify(text)} }}`, `{{ ${JSON.stringify(text)} | trimPrefix "" }}`]) {
        let printed: string | undefined;
        quietly(`Go literal ${go}`, () => {
          printed = renderGoTpl(go);
        });
        assert.equal(printed, text, go);
      }
      quietly(`Go text ${JSON.stringify(text)}`, () => void renderGoTpl(`a{{ print "b" }}${text}`));
    }
  });

  it('hostile strings in Go literals, printed, piped and used as include names, run nothing', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const lit = JSON.stringify(s);
        for (const t of [
          `{{ ${lit} }}`,
          `{{ ${lit} | quote }}`,
          `{{ include ${lit} . }}`,
          `{{ $x := ${lit} }}{{ $x }}`,
          s,
        ])
          quietly(`Go text ${JSON.stringify(t)}`, () => void renderGoTpl(t));
      }),
      fuzzParams(20),
    );
  });
});
