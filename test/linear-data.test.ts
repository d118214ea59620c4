import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FindingsError, summarizeLines } from '../src/core/errors.js';
import { ValuesBuilder } from '../src/core/merge.js';
import { needsQuotes, toYamlText } from '../src/core/serialize.js';
import { parseSetExpression } from '../src/core/set-parser.js';
import type { Emitted } from '../src/core/templates.js';
import { makeTracer } from '../src/core/trace.js';
import type { Finding } from '../src/core/types.js';
import { loadYamlText } from '../src/core/yaml-load.js';
import { isAmbiguous } from '../src/core/yaml-schema.js';
import { compileValuesSchema } from '../src/validate/values-schema.js';

// Issue 10 §2: bounded work for any input. Each case times one adversarial input; the bounds are generous
// (the machine is shared) but far below what the quadratic code took (a 200 KB scalar: ~25 s).

function timed<T>(fn: () => T): { ms: number; result?: T; error?: unknown } {
  const t = performance.now();
  try {
    const result = fn();
    return { ms: performance.now() - t, result };
  } catch (error) {
    return { ms: performance.now() - t, error };
  }
}

const KB200 = 200 * 1024;

// The classifier before the fix, as the reference for what it must still decide (on short inputs only).
const OLD_AMBIGUOUS =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?0[0-7]+|[-+]?[0-9][0-9_]*_[0-9_]*|[-+]?[0-9]+(?::[0-5]?[0-9])+|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?)$/;

describe('YAML scalar classification is linear', () => {
  const shapes: [string, string][] = [
    ['digits and underscores, then a letter', '1' + '_1'.repeat(KB200 / 2) + 'x'],
    ['digits and underscores', '1' + '_1'.repeat(KB200 / 2)],
    ['underscores', '1' + '_'.repeat(KB200)],
    ['sexagesimal-like, then a letter', '1' + ':1'.repeat(KB200 / 2) + 'x'],
    ['sexagesimal-like', '1' + ':59'.repeat(KB200 / 3)],
    ['octal-like, then an 8', '0' + '7'.repeat(KB200) + '8'],
    ['a date and a long tail', '2024-01-01 ' + 'x'.repeat(KB200)],
    ['a date and a long tail ending in a colon', '2024-01-01T' + '1'.repeat(KB200) + ':'],
    ['digits', '9'.repeat(KB200)],
    ['dots and digits', '1.' + '1.'.repeat(KB200 / 2)],
    ['spaces inside', 'a' + ' a'.repeat(KB200 / 2)],
    ['trailing-space-like', 'a' + ' '.repeat(KB200) + 'b'],
  ];
  for (const [name, s] of shapes) {
    it(`${name} (${s.length} chars): classify, load and quote in under 1 s`, () => {
      const c = timed(() => isAmbiguous(s));
      assert.ok(c.ms < 1000, `isAmbiguous took ${c.ms} ms`);
      const l = timed(() => loadYamlText(`a: ${s}\n`, 'values.yaml'));
      assert.ok(l.ms < 1000, `loading took ${l.ms} ms`);
      const q = timed(() => needsQuotes(s) && toYamlText({ a: s }));
      assert.ok(q.ms < 1000, `quoting took ${q.ms} ms`);
    });
  }

  it('a long run of newlines inside a string serializes in under 1 s', () => {
    const s = 'a' + '\n'.repeat(KB200) + 'b';
    const r = timed(() => toYamlText({ a: s }));
    assert.ok(r.ms < 1000, `took ${r.ms} ms`);
  });

  it('decides like the old regular expression on normal inputs', () => {
    const samples = [
      'y',
      'yes',
      'No',
      'OFF',
      'on',
      'true',
      'x',
      '',
      '0',
      '00',
      '0755',
      '-0755',
      '+07',
      '08',
      '0x1F',
      '1_000',
      '-1_000',
      '_1',
      '1_',
      '1__2',
      '1_a',
      '12:30',
      '1:20:30',
      '-1:30',
      '1:60',
      '1:5',
      '1:',
      ':1',
      '1::2',
      '190:20:30',
      '2024-01-02',
      '2024-1-2',
      '2024-01-02T10:00:00Z',
      '2024-01-02 10:00',
      '2024-01-02x',
      '2024-01-02\tx',
      '2024-01-02 a\nb',
      '2024-01-02 a\u2028b',
      '20240-01-02',
      '+2024-01-02',
      '1.5',
      '1e3',
      'plate-api',
      '512Mi',
      '1:2:3:4',
    ];
    for (const s of samples) assert.equal(isAmbiguous(s), OLD_AMBIGUOUS.test(s), JSON.stringify(s));
    // And on every short string over a small alphabet that reaches each branch.
    const alphabet = ['0', '1', '7', '8', '_', ':', '-', '+', 'T', ' ', 'x', '6'];
    const all = (n: number): string[] => (n === 0 ? [''] : all(n - 1).flatMap((p) => alphabet.map((c) => p + c)));
    for (let n = 1; n <= 5; n++)
      for (const s of all(n)) assert.equal(isAmbiguous(s), OLD_AMBIGUOUS.test(s), JSON.stringify(s));
    for (const s of ['2024-01-0', '1999-12-31', '2024-01-02t', '2024-1-02 '])
      for (const t of ['', 'x', ' 1', 'T1'])
        assert.equal(isAmbiguous(s + t), OLD_AMBIGUOUS.test(s + t), JSON.stringify(s + t));
  });
});

describe('tracing findings is linear in findings and printed values', () => {
  it('20,000 findings over 20,000 printed values trace in well under the old 79 s', () => {
    const n = 20_000;
    const items = Array.from({ length: n }, (_, i) => ({ name: `svc${i}`, port: `p${i}`, tag: 'latest' }));
    const b = new ValuesBuilder();
    b.mergeLayer({ items }, (p) => ({ file: 'values.yaml', line: Number(/\d+/.exec(p)?.[0] ?? 0) + 1 }));
    const merged = b.result();
    const emitted: Emitted[] = items.flatMap((it, i) => [
      { template: 't.hbs', valuePath: `.items[${i}].port`, value: it.port },
      { template: 't.hbs', valuePath: `.items[${i}].tag`, value: it.tag },
    ]);
    const tracer = makeTracer(emitted, merged);
    const r = timed(() =>
      items.map(
        (it, i) => [tracer.origin('t.hbs', it.port, 'port'), tracer.origin('t.hbs', 'latest', 'tag'), i] as const,
      ),
    );
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
    // Distinct texts trace to their one value; the shared `latest` has 20,000 candidates and no origin.
    for (const [o, latest, i] of r.result!) {
      assert.equal(o?.line, i + 1);
      assert.equal(latest, undefined);
    }
  });
});

describe('FindingsError messages are bounded', () => {
  const finding = (i: number): Finding => ({ severity: 'error', rule: 'r', message: `problem ${i}`, path: `.a[${i}]` });

  it('lists the first findings in order and summarises the rest', () => {
    const findings = Array.from({ length: 20_000 }, (_, i) => finding(i));
    const r = timed(() => new FindingsError(findings));
    assert.ok(r.ms < 2000);
    const lines = r.result!.message.split('\n');
    assert.equal(lines[0], '20000 errors found:');
    assert.equal(lines[1], '  error r .a[0]: problem 0');
    assert.equal(lines[50], '  error r .a[49]: problem 49');
    assert.equal(lines[51], '  and 19,950 more');
    assert.equal(lines.length, 52);
    assert.equal(r.result!.findings.length, 20_000); // every finding is still carried
  });

  it('cuts long lines and stops at the character budget', () => {
    const out = summarizeLines(['x'.repeat(5000), 'y'.repeat(900), 'z'], { lines: 50, lineChars: 1000, chars: 1500 });
    const lines = out.split('\n');
    assert.equal(lines[0].length, 1000);
    assert.ok(lines[0].endsWith('…'));
    assert.equal(lines[1], '  and 2 more');
  });

  it('a few findings are printed whole', () => {
    const e = new FindingsError([finding(1), { ...finding(2), severity: 'warn' }, finding(3)]);
    assert.equal(e.message, '2 errors found:\n  error r .a[1]: problem 1\n  error r .a[3]: problem 3');
  });
});

describe('values schemas: size, compile budget, own properties', () => {
  it('a 30,000-property schema fails fast, naming the compile budget and the file', () => {
    const props: Record<string, unknown> = {};
    for (let i = 0; i < 30_000; i++) props[`p${i}`] = { type: 'string' };
    const r = timed(() =>
      compileValuesSchema(JSON.stringify({ type: 'object', properties: props }), 'app/values.schema.json'),
    );
    assert.ok(r.ms < 3000, `took ${r.ms} ms`);
    assert.match(String(r.error), /^app\/values\.schema\.json: .*over 10,000 subschemas.*compile budget/);
    assert.doesNotMatch(String(r.error), /pattern|backtrack/);
  });

  it('a schema over schemaBytes is refused before parsing', () => {
    const text = JSON.stringify({ description: 'x'.repeat(2048) });
    assert.throws(
      () => compileValuesSchema(text, 's.json', { schemaBytes: 1024 }),
      /s\.json: the values schema is over the 1024-byte limit \(limit schemaBytes: STRATA_MAX_SCHEMA_BYTES/,
    );
  });

  it('required and properties do not see Object.prototype', () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const v = compileValuesSchema(JSON.stringify({ type: 'object', required: [key] }), `req-${key}.json`);
      assert.equal(v({}), false, `required: [${key}] passed on {}`);
      assert.equal(v(JSON.parse(`{"${key}": 1}`)), true, key);
    }
    const typed = compileValuesSchema(
      JSON.stringify({ type: 'object', properties: { toString: { type: 'string' } } }),
      'props.json',
    );
    assert.equal(typed({}), true); // the inherited function is not the value of `toString`
  });
});

describe('--set nesting cap', () => {
  it('a 60,000-level --set path is a user error naming the limit', () => {
    const expr = 'a' + '.a'.repeat(60_000) + '=1';
    assert.throws(
      () => parseSetExpression(expr, 'set', '--set'),
      /nesting deeper than 64 levels \(limit nestingDepth: STRATA_MAX_NESTING/,
    );
    assert.throws(
      () => parseSetExpression('a' + '[0]'.repeat(60_000) + '=1', 'set', '--set'),
      /nesting deeper than 64/,
    );
  });

  it('a 60,000-level --set-json value is a user error, counted with its path', () => {
    assert.throws(
      () => parseSetExpression('a=' + '['.repeat(60_000) + ']'.repeat(60_000), 'set-json', '--set-json'),
      /nesting deeper than 64/,
    );
    assert.throws(
      () => parseSetExpression('a.b=' + '{"x":'.repeat(63) + '1' + '}'.repeat(63), 'set-json', '--set-json'),
      /nesting deeper than 64/,
    );
    assert.equal(
      parseSetExpression('a=' + '{"x":'.repeat(63) + '1' + '}'.repeat(63), 'set-json', '--set-json').length,
      1,
    );
    assert.equal(parseSetExpression('a' + '.a'.repeat(63) + '=1', 'set', '--set').length, 1);
  });

  it('a custom cap is honoured', () => {
    assert.throws(() => parseSetExpression('a.b.c=1', 'set', '--set', 2), /deeper than 2/);
    assert.equal(parseSetExpression('a.b=1', 'set', '--set', 2).length, 1);
  });

  it('ValuesBuilder.setPath refuses values past the cap, whatever built them (Argo CD parameters)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 60_000; i++) deep = [deep];
    const b = new ValuesBuilder();
    assert.throws(
      () => b.setPath(['a'], deep as never, { flag: 'parameter set[a]' }),
      /parameter set\[a\]: nesting deeper than 64 levels/,
    );
    const small = new ValuesBuilder([], 3);
    assert.throws(() => small.setPath(['a', 'b'], { c: { d: 1 } }, { flag: '--set-json' }), /deeper than 3/);
    small.setPath(['a', 'b'], { c: 1 }, { flag: '--set-json' });
    assert.deepEqual(small.result().values, { a: { b: { c: 1 } } });
  });
});

describe('complex keys are refused (issue 10 §4), found without a second reading when there can be none', () => {
  const bad: [string, string, RegExp][] = [
    ['explicit list key', 'a:\n  ? [x, y]\n  : 1\n', /values\.yaml:2:5 \.a: a list or map used as a key/],
    ['explicit map key', 'a:\n  ? {x: 1}\n  : 1\n', /values\.yaml:2:5 \.a: /],
    ['explicit block list key', '? - x\n  - y\n: 1\n', /values\.yaml:1:3 \.: /],
    ['implicit flow list key', 'a:\n  [x, y]: 1\n', /values\.yaml:2:3 \.a: /],
    ['implicit flow map key with blanks before the colon', 'a:\n  {x: 1}  \t: 1\n', /values\.yaml:2:3 \.a: /],
    ['single-element list key (js-yaml: "x")', 'a: {[x]: 1}\n', /\.a: /],
    ['inside a list', 'l:\n  - [x]: 1\n', /\.l\[0\]: /],
    ['alias to a list as a key', 'x: &l [1]\nb:\n  *l : 2\n', /values\.yaml:3:3 \.b: /],
    ['flow mapping with explicit key', 'a: {? [x] : 1}\n', /\.a: /],
  ];
  for (const [name, text, want] of bad) {
    it(name, () => assert.throws(() => loadYamlText(text, 'values.yaml'), want));
  }
  it('scalar keys, aliases as values, and look-alikes in comments and strings load', () => {
    const text =
      'base: &b {x: 1}\nc:\n  <<: *b\n  y: *b\n# see ../*.yaml? [a]: b\nurl: "http://h/?q=[1]:2"\n"[k]": 1\n? plain\n: 2\n';
    const v = loadYamlText(text, 'values.yaml').value as Record<string, unknown>;
    assert.deepEqual(v.c, { x: 1, y: { x: 1 } });
    assert.equal(v['[k]'], 1);
    assert.equal(v.plain, 2);
  });
});
