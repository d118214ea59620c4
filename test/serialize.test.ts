import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import jsyaml from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { toYamlStream, toYamlText } from '../src/core/serialize.js';
import { REPO } from './helpers.js';

// Argo CD reads plugin output with yaml.v2 (YAML 1.1). The output must mean the same there as in YAML 1.2.

function read11(text: string): unknown[] {
  return parseAllDocuments(text, { version: '1.1' }).map((d) => {
    assert.equal(d.errors.length, 0, String(d.errors[0]));
    return d.toJS();
  });
}

function read12(text: string): unknown[] {
  return jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA });
}

const TRICKY = [
  'yes',
  'Yes',
  'YES',
  'no',
  'on',
  'Off',
  'y',
  'n',
  'Y',
  'N',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '',
  ' ',
  '0755',
  '0o755',
  '0x1F',
  '1_000',
  '1e3',
  '1.5',
  '.5',
  '1.',
  '+1',
  '-1',
  '12:30',
  '1:20:30',
  '2024-01-02',
  '2024-01-02T10:00:00Z',
  '.inf',
  '-.Inf',
  '.NaN',
  '.',
  '._',
  '+.',
  '._1',
  '.e1',
  '<<',
  '=',
  'a: b',
  'a:b',
  'a #b',
  'a#b',
  '#x',
  '-x',
  '- x',
  '?x',
  ':x',
  ',x',
  '[x',
  ']x',
  '{x',
  '}x',
  '&x',
  '*x',
  '!x',
  '|x',
  '>x',
  "'x",
  '"x',
  '%x',
  '@x',
  '`x',
  ' lead',
  'trail ',
  'tab\there',
  'multi\nline',
  'multi\nline\n',
  'two\n\n',
  '\nleading newline',
  'nel\u0085x',
  'ls\u2028x',
  'ps\u2029x',
  'bom\ufeffx',
  'ctrl\u0001x',
  'del\u007fx',
  'émoji 🚀',
  'x:',
  'http://example.com/a?b=c#d',
  '512Mi',
  '100m',
  'plate-api',
  'registry.example.com/plate/api:2.14.3',
  '1.25',
  '2.14.3',
];

describe('YAML output round-trips through YAML 1.1 and 1.2', () => {
  it('tricky strings, as values and as keys', () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: Object.fromEntries(TRICKY.map((s, i) => [`k${i}`, s])),
      keys: Object.fromEntries(TRICKY.filter(Boolean).map((s) => [s, 1])),
    };
    const text = toYamlStream([obj]);
    assert.deepEqual(read11(text), [obj]);
    assert.deepEqual(read12(text), [obj]);
  });

  it('numbers, booleans, null, empty containers and nested lists', () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'X',
      metadata: { name: 'n' },
      a: [1, -2.5, 0, true, false, null, [], {}, [[1, 2], { b: [3] }]],
      big: 9007199254740991,
      small: 1e-7,
    };
    const text = toYamlStream([obj]);
    assert.deepEqual(read11(text), [obj]);
    assert.deepEqual(read12(text), [obj]);
  });

  it('multi-line strings use literal blocks when they can', () => {
    assert.equal(toYamlText({ script: 'echo a\necho b\n' }), 'script: |\n  echo a\n  echo b');
    assert.equal(toYamlText({ s: 'a\nb' }), 's: |-\n  a\n  b');
  });

  it('apiVersion, kind, metadata lead; other keys are sorted', () => {
    const text = toYamlStream([{ spec: { b: 1, a: 2 }, metadata: { name: 'x' }, kind: 'K', apiVersion: 'v1' }]);
    assert.equal(text, '---\napiVersion: v1\nkind: K\nmetadata:\n  name: x\nspec:\n  a: 2\n  b: 1\n');
  });

  it('every golden file means the same in YAML 1.1 and 1.2', () => {
    const dir = join(REPO, 'test', 'golden');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    // One per example app x environment of golden.test.ts: an empty or partial folder must not pass.
    const expected = [
      'ingress-prod',
      'ingress-stg',
      'plate-api-prod',
      'plate-api-stg',
      'plate-cache-prod',
      'plate-cache-stg',
      'plate-llm-stg',
      'plate-web-prod',
      'plate-web-stg',
      'podinfo-dev',
      'podinfo-prod',
    ];
    assert.deepEqual(
      files.sort(),
      expected.map((n) => `${n}.yaml`),
    );
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      const docs = read11(text);
      assert.deepEqual(docs, read12(text), f);
      assert.equal(toYamlStream(docs), text, `${f} re-serializes to the same bytes`);
    }
  });
});
