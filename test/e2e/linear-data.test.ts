import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FindingsError, summarizeLines } from '../../src/core/errors.js';
import { ValuesBuilder } from '../../src/core/merge.js';
import { needsQuotes, toYamlText } from '../../src/core/serialize.js';
import { parseSetExpression } from '../../src/core/set-parser.js';
import type { Emitted } from '../../src/core/templates.js';
import { makeTracer } from '../../src/core/trace.js';
import type { Finding } from '../../src/core/types.js';
import { loadYamlText } from '../../src/core/yaml-load.js';
import { isAmbiguous } from '../../src/core/yaml-schema.js';
import { compileValuesSchema } from '../../src/validate/values-schema.js';
import { assertLinear, FACTOR } from '../linear-growth.js';

// Issue 10 §2: bounded work for any input. Each case runs one adversarial input at two sizes and checks the work
// grows linearly (test/linear-growth.ts): no wall-clock bound, which a loaded machine breaks. The quadratic code
// took ~25 s on a 200 KB scalar; at the large size here (32 KB) it would take over half a second, 64 times the
// small size's time. It runs in test/e2e/, in a process of its own: the timings it compares are steadier there
// than beside another shard's tests, and at ~3 s it was npm test's largest file.

const KB4 = 4 * 1024;
const swallow = (fn: () => unknown): void => {
  try {
    fn();
  } catch {
    // a failure is an answer too: only the time to reach it is measured
  }
};

// The classifier before the fix, as the reference for what it must still decide (on short inputs only).
const OLD_AMBIGUOUS =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?0[0-7]+|[-+]?[0-9][0-9_]*_[0-9_]*|[-+]?[0-9]+(?::[0-5]?[0-9])+|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?)$/;

describe('YAML scalar classification is linear', () => {
  const shapes: [string, (n: number) => string][] = [
    ['digits and underscores, then a letter', (n) => '1' + '_1'.repeat(n / 2) + 'x'],
    ['digits and underscores', (n) => '1' + '_1'.repeat(n / 2)],
    ['underscores', (n) => '1' + '_'.repeat(n)],
    ['sexagesimal-like, then a letter', (n) => '1' + ':1'.repeat(n / 2) + 'x'],
    ['sexagesimal-like', (n) => '1' + ':59'.repeat(n / 3)],
    ['octal-like, then an 8', (n) => '0' + '7'.repeat(n) + '8'],
    ['a date and a long tail', (n) => '2024-01-01 ' + 'x'.repeat(n)],
    ['a date and a long tail ending in a colon', (n) => '2024-01-01T' + '1'.repeat(n) + ':'],
    ['digits', (n) => '9'.repeat(n)],
    ['dots and digits', (n) => '1.' + '1.'.repeat(n / 2)],
    ['spaces inside', (n) => 'a' + ' a'.repeat(n / 2)],
    ['trailing-space-like', (n) => 'a' + ' '.repeat(n) + 'b'],
  ];
  for (const [name, shape] of shapes) {
    it(`${name}: classify, load and quote in linear time`, () => {
      assertLinear('isAmbiguous', (n) => void isAmbiguous(shape(n)), KB4);
      assertLinear('loading', (n) => swallow(() => loadYamlText(`a: ${shape(n)}\n`, 'values.yaml')), KB4);
      assertLinear('quoting', (n) => void (needsQuotes(shape(n)) && toYamlText({ a: shape(n) })), KB4);
    });
  }

  it('a long run of newlines inside a string serializes in linear time', () => {
    assertLinear('serializing', (n) => void toYamlText({ a: 'a' + '\n'.repeat(n) + 'b' }), KB4);
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
  /** The origins of `n` findings over `n` printed values (`latest` printed by all of them). */
  function traceAll(n: number) {
    const items = Array.from({ length: n }, (_, i) => ({ name: `svc${i}`, port: `p${i}`, tag: 'latest' }));
    const b = new ValuesBuilder();
    b.mergeLayer({ items }, (p) => ({ file: 'values.yaml', line: Number(/\d+/.exec(p)?.[0] ?? 0) + 1 }));
    const merged = b.result();
    const emitted: Emitted[] = items.flatMap((it, i) => [
      { template: 't.hbs', valuePath: `.items[${i}].port`, value: it.port },
      { template: 't.hbs', valuePath: `.items[${i}].tag`, value: it.tag },
    ]);
    const tracer = makeTracer(emitted, merged);
    return items.map(
      (it, i) => [tracer.origin('t.hbs', it.port, 'port'), tracer.origin('t.hbs', 'latest', 'tag'), i] as const,
    );
  }

  it('findings over printed values trace in linear time (20,000 of each took 79 s before)', () => {
    // Distinct texts trace to their one value; the shared `latest` has n candidates and no origin.
    for (const [o, latest, i] of traceAll(1_000)) {
      assert.equal(o?.line, i + 1);
      assert.equal(latest, undefined);
    }
    // Building 8,000 items' values and emitted list allocates enough to grow ~17-20x here: bounded at half of
    // quadratic, which the old tracer (79 s at 20,000) is far past.
    assertLinear('tracing', (n) => void traceAll(n), 1_000, FACTOR ** 2 / 2);
  });
});

describe('FindingsError messages are bounded', () => {
  const finding = (i: number): Finding => ({ severity: 'error', rule: 'r', message: `problem ${i}`, path: `.a[${i}]` });

  it('lists the first findings in order and summarises the rest', () => {
    const findings = Array.from({ length: 20_000 }, (_, i) => finding(i));
    const e = new FindingsError(findings);
    assertLinear('FindingsError', (n) => void new FindingsError(findings.slice(0, n)), 2_500);
    const lines = e.message.split('\n');
    assert.equal(lines[0], '20000 errors found:');
    assert.equal(lines[1], '  error r .a[0]: problem 0');
    assert.equal(lines[50], '  error r .a[49]: problem 49');
    assert.equal(lines[51], '  and 19,950 more');
    assert.equal(lines.length, 52);
    assert.equal(e.findings.length, 20_000); // every finding is still carried
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
  it('a 30,000-property schema fails before compiling, naming the compile budget and the file', () => {
    const schema = (n: number): string => {
      const props: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) props[`p${i}`] = { type: 'string' };
      return JSON.stringify({ type: 'object', properties: props });
    };
    const big = schema(30_000);
    const small = schema(2_000);
    const ms = (fn: () => unknown): number => {
      const t = performance.now();
      swallow(fn);
      return performance.now() - t;
    };
    // Refusing fifteen times the properties costs less than compiling a fifteenth of them: counted, not compiled.
    const compiled = ms(() => compileValuesSchema(small, 'app/values.schema.json'));
    const refused = ms(() => compileValuesSchema(big, 'app/values.schema.json'));
    assert.ok(refused < compiled, `refusing took ${refused.toFixed(0)} ms, compiling 2,000: ${compiled.toFixed(0)} ms`);
    assert.throws(
      () => compileValuesSchema(big, 'app/values.schema.json'),
      (e: Error) =>
        /^app\/values\.schema\.json: .*over 10,000 subschemas.*compile budget/.test(String(e)) &&
        !/pattern|backtrack/.test(String(e)),
    );
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
