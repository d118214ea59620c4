// Untrusted YAML has one reader (src/core/untrusted-yaml.ts) with one profile per use: every profile against
// every hostile input, and every caller wired to its profile.
// Run: node --import tsx --test test/yaml-profiles.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { pickApplication } from '../src/argocd/application.js';
import { applySourceOverrides } from '../src/argocd/source-overrides.js';
import { parseRendered } from '../src/core/documents.js';
import { UserError } from '../src/core/errors.js';
import { MemoryFs } from '../src/core/fs.js';
import { DEFAULT_RENDER_LIMITS } from '../src/core/limits.js';
import { TemplateSet } from '../src/core/templates.js';
import {
  ARGOCD_SOURCE_PROFILE,
  PROFILES,
  readYaml,
  readYamlBytes,
  YamlError,
  type YamlProblem,
  type YamlProfile,
} from '../src/core/untrusted-yaml.js';
import { loadYamlText } from '../src/core/yaml-load.js';
import { loadCrds } from '../src/validate/crd.js';

const CANARY = 'hunter2-CANARY-s3cr3t';

function caught(f: () => unknown): UserError | 'ok' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
}

// Each caller, through its public entry point: the hostile text where that caller reads YAML.
const CALLERS: Record<string, (text: string | Uint8Array) => unknown> = {
  'values file': (t) => loadYamlText(typeof t === 'string' ? t : Buffer.from(t).toString('latin1'), 'values.yaml'),
  'rendered output': (t) => parseRendered(typeof t === 'string' ? t : Buffer.from(t).toString('latin1'), 't.yaml.hbs'),
  'CRD file': (t) => loadCrds(new MemoryFs({ 'crds/w.yaml': t }), ['crds/w.yaml'], DEFAULT_RENDER_LIMITS),
  'Application file': (t) => pickApplication(typeof t === 'string' ? t : Buffer.from(t).toString('utf8'), 'app.yaml'),
  'source override': (t) =>
    applySourceOverrides(new MemoryFs({ 'app/.argocd-source.yaml': t }), 'app', '', { repoURL: 'r', path: 'app' }),
};

describe('every caller reads through the one module', () => {
  const deepFlow = `a: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`;
  const deepBlock = 'a:\n' + Array.from({ length: 1_010 }, (_, i) => `${'  '.repeat(i + 1)}k:`).join('\n') + ' 1\n';
  const bomb =
    [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(', ')}]`,
      ),
    ].join('\n') + '\n';
  const cases: [string, string | Uint8Array, RegExp][] = [
    ['deep flow nesting', deepFlow, /nesting too deep for the YAML reader|nesting deeper than \d+ levels/],
    ['deep block nesting', deepBlock, /nesting deeper than \d+ levels/],
    ['alias bomb', bomb, /more than \d+ nodes after expanding aliases/],
    ['syntax error beside a secret', `a: 1\nb: "${CANARY}\n`, /^(rendered output is not valid|invalid) YAML: /],
    [
      'duplicate key named',
      `a: 1\npassword: ${CANARY}\npassword: x\n`,
      /^(rendered output is not valid|invalid) YAML: duplicated mapping key "password"/,
    ],
    ['ambiguous scalar', `a: 1\nb: yes\n`, /"yes" means different things in YAML 1\.1/],
    ['invalid UTF-8', new Uint8Array([0x61, 0x3a, 0x20, 0xff, 0x0a]), /not valid UTF-8/],
  ];
  for (const [caller, read] of Object.entries(CALLERS)) {
    for (const [name, text, want] of cases) {
      // A values file and rendered output are given text here (their bytes are decoded by their callers).
      if (
        typeof text !== 'string' &&
        (caller === 'values file' || caller === 'rendered output' || caller === 'Application file')
      )
        continue;
      test(`${caller}: ${name}`, () => {
        const e = caught(() => read(text));
        assert.notEqual(e, 'ok', 'accepted');
        const err = e as UserError;
        assert.match(err.head, want);
        assert.ok(!err.toString().includes(CANARY), err.toString());
      });
    }
  }
});

// The profiles, columns of the table: `argocd-source` is the one-document reading of .argocd-source*.yaml.
type Column = keyof typeof PROFILES | 'argocd-source';
const COLUMNS: Record<Column, YamlProfile> = { ...PROFILES, 'argocd-source': ARGOCD_SOURCE_PROFILE };
type Outcome = 'ok' | YamlProblem;
type Row = { name: string; text: string | Uint8Array; line?: number } & Record<Column, Outcome>;

const block = (n: number): string =>
  'a:\n' + Array.from({ length: n }, (_, i) => `${'  '.repeat(i + 1)}k:`).join('\n') + ` ${CANARY}\n`;
const flow = (n: number): string => `a: ${'['.repeat(n)}${CANARY}${']'.repeat(n)}\n`;
const all = (o: Outcome): Record<Column, Outcome> => ({ values: o, output: o, crd: o, argocd: o, 'argocd-source': o });

// Every row holds the canary where a careless message would quote it.
const ROWS: Row[] = [
  // The alias bomb (10^9 nodes) is a row of the callers' table above: every profile is read there through its caller.
  { name: 'flow nesting past the reader', text: flow(20_000), ...all('too-deep-for-reader') },
  { name: 'flow nesting of 100', text: flow(100), ...all('ok'), values: 'depth' },
  { name: 'flow nesting of 300', text: flow(300), ...all('depth'), output: 'ok' },
  { name: 'block nesting of 1010', text: block(1_010), ...all('depth'), line: undefined },
  { name: 'block nesting of 100', text: block(100), ...all('ok'), values: 'depth' },
  { name: 'complex key', text: `a: 1\nm:\n  ? [${CANARY}, b]\n  : 1\n`, line: 3, ...all('complex-key') },
  { name: 'duplicate key', text: `a: 1\npassword: ${CANARY}\npassword: x\n`, line: 3, ...all('duplicate-key') },
  { name: '__proto__ key', text: `a:\n  __proto__: ${CANARY}\n`, line: 2, ...all('key') },
  { name: 'constructor key', text: `a:\n  constructor: ${CANARY}\n`, line: 2, ...all('ok'), values: 'key', crd: 'key' },
  { name: 'yes/no word', text: `a: 1\nflag: yes\n`, line: 2, ...all('ambiguous') },
  { name: 'YAML 1.1 octal', text: `a: 1\nmode: 0755\n`, line: 2, ...all('ambiguous') },
  { name: 'number with _', text: `a: 1\npin: 1_234\n`, line: 2, ...all('ambiguous') },
  // Go's yaml.v2 keeps a timestamp as its string in interface{} and has no sexagesimals: Argo CD reads these as 1.2
  // does.
  { name: 'date', text: `a: 1\nday: 2024-01-02\n`, line: 2, ...all('ambiguous'), argocd: 'ok', 'argocd-source': 'ok' },
  { name: 'sexagesimal', text: `a: 1\nt: 1:30\n`, line: 2, ...all('ambiguous'), argocd: 'ok', 'argocd-source': 'ok' },
  { name: 'integer beyond 2^53', text: `a: 1\nn: 9007199254740993\n`, line: 2, ...all('unsafe-int') },
  { name: 'integer-valued float beyond 2^53', text: `a: 1\nn: 1e20\n`, ...all('ok'), output: 'unsafe-int' },
  {
    name: 'invalid UTF-8',
    text: new Uint8Array([...Buffer.from(`a: 1\nb: ${CANARY}`), 0xff, 0x0a]),
    line: 2,
    ...all('utf8'),
  },
  { name: 'tab indentation', text: `a:\n\tb: ${CANARY}\n`, line: 2, ...all('syntax') },
  { name: 'tab inside a value', text: `a: "x\ty"\n`, ...all('ok') },
  {
    name: 'two documents',
    text: `a: 1\n---\nb: ${CANARY}\n`,
    ...all('ok'),
    values: 'syntax',
    'argocd-source': 'syntax',
  },
  { name: 'syntax error beside a secret', text: `a: 1\nb: "${CANARY}\nc: 2\n`, ...all('syntax') },
  { name: 'unknown tag', text: `a: !secret ${CANARY}\n`, line: 1, ...all('syntax') },
  { name: 'merge key', text: `base: &b {x: 1}\nm:\n  <<: *b\n  y: ${CANARY}\n`, ...all('ok') },
];

describe('every profile against every hostile input', () => {
  for (const row of ROWS) {
    for (const [column, profile] of Object.entries(COLUMNS) as [Column, YamlProfile][]) {
      const want = row[column];
      test(`${row.name}: ${column} -> ${want}`, () => {
        const size = { maxBytes: 8 << 20, limit: 'fileBytes' as const };
        const read = (): unknown[] =>
          typeof row.text === 'string'
            ? readYaml(row.text, 'f.yaml', profile)
            : readYamlBytes(row.text, 'f.yaml', profile, size);
        let got: Outcome = 'ok';
        try {
          read();
        } catch (e) {
          if (!(e instanceof YamlError)) throw e;
          got = e.problem;
          // Never a value or a source line, one line, and where it is when the reader knows.
          assert.ok(!e.toString().includes(CANARY), e.toString());
          assert.ok(!e.message.includes('\n'), e.message);
          assert.equal(e.where?.file, 'f.yaml');
          if (row.line !== undefined) {
            assert.equal(e.at?.line, row.line, e.toString());
            // Bytes are a file's bytes whatever the profile: a bad byte's line is a line of that file.
            assert.equal(e.where?.line, profile.filePositions || got === 'utf8' ? row.line : undefined);
          }
        }
        assert.equal(got, want);
      });
    }
  }
});

describe('what the profiles keep', () => {
  test('a duplicate key is named with its map, never its value', () => {
    const e = caught(() => readYaml(`a:\n  b: 1\n  "b": ${CANARY}\n`, 'f.yaml', PROFILES.crd)) as YamlError;
    assert.equal(e.toString(), 'f.yaml:3:3 .a: invalid YAML: duplicated mapping key "b"');
  });
  test('argocd reads what Go reads alike as YAML 1.2 does, and merges `<<` like yaml.v2', () => {
    const [doc] = readYaml(
      'd: 2024-01-02\nt: 1:30\nb: true\nh: 0x1F\nbase: &b {x: 1}\nm:\n  <<: *b\n',
      'f.yaml',
      PROFILES.argocd,
    );
    assert.deepEqual(doc, { d: '2024-01-02', t: '1:30', b: true, h: 31, base: { x: 1 }, m: { x: 1 } });
  });
  test('output and argocd copy aliased nodes; values and crd keep js-yaml sharing (read only)', () => {
    const text = 'a: &l {x: 1}\nb: *l\n';
    for (const [name, profile] of Object.entries(PROFILES)) {
      const [doc] = readYaml(text, 'f.yaml', profile) as [{ a: object; b: object }];
      assert.equal(doc.a === doc.b, profile.aliases === 'shared', name);
    }
  });
  test('the node budget is shared by the documents of one text', () => {
    const doc = `a: [${Array(600).fill('1').join(',')}]\n`;
    assert.equal(readYaml(doc, 'f.yaml', PROFILES.crd, { maxNodes: 1_000 }).length, 1);
    assert.equal(
      (caught(() => readYaml(`${doc}---\n${doc}`, 'f.yaml', PROFILES.crd, { maxNodes: 1_000 })) as YamlError).problem,
      'nodes',
    );
  });
  test('a file over its size limit is refused before it is read', () => {
    const e = caught(() =>
      readYamlBytes(new Uint8Array(11), 'f.yaml', PROFILES.argocd, { maxBytes: 10, limit: 'fileBytes' }),
    ) as YamlError;
    assert.equal(e.problem, 'size');
    assert.match(e.message, /^file is 11 bytes, over the limit for an Argo CD file \(10 bytes, limit fileBytes/);
  });
});

describe('fromYaml and fromYamlArray read a text as a values file', () => {
  const helper = (src: string, ctx: unknown): string => {
    const path = 't.yaml.hbs';
    try {
      return new TemplateSet([{ path, kind: 'template', name: path }], new Map([[path, src]])).render(path, ctx, {
        template: path,
        emitted: [],
        log: () => {},
      });
    } catch (e) {
      assert.ok(e instanceof UserError, String(e));
      return `error: ${e.message}`;
    }
  };
  test('an error names the line of the text, not of a wrapper', () => {
    assert.equal(
      helper('{{toJson (fromYamlArray values.t)}}', { values: { t: `- a\n- !secret ${CANARY}\n` } }),
      'error: fromYamlArray: invalid YAML: unknown tag !<!secret> (line 2 of the text)',
    );
    assert.equal(
      helper('{{toJson (fromYaml values.t)}}', { values: { t: `a: 1\nb: !secret ${CANARY}\n` } }),
      'error: fromYaml: invalid YAML: unknown tag !<!secret> (line 2 of the text)',
    );
  });
  test('a list, as Helm reads it (a document start is a document start, not text)', () => {
    assert.equal(helper('{{toJson (fromYamlArray values.t)}}', { values: { t: '---\n- a\n- 1\n' } }), '["a",1]');
    assert.match(
      helper('{{toJson (fromYamlArray values.t)}}', { values: { t: 'a: 1\n' } }),
      /^error: fromYamlArray: the text is not a YAML list/,
    );
  });
});
