import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValuesBuilder, type ListRule } from '../src/core/merge.js';
import { parseSetExpression } from '../src/core/set-parser.js';
import type { Value, Values } from '../src/core/types.js';
import { loadYamlText } from '../src/core/yaml-load.js';

function merge(layers: (Values | undefined)[], rules: ListRule[] = []) {
  const b = new ValuesBuilder(rules);
  layers.forEach((l, i) => b.mergeLayer(l, () => ({ file: `layer${i}.yaml` })));
  return b.result();
}

// Cases from docs/values.md ("Merge rules"), strata column.
const cases: { name: string; layers: Values[]; want: Values; rules?: ListRule[] }[] = [
  {
    name: 'map + map deep-merges',
    layers: [{ a: { b: 1, c: 2 } }, { a: { c: 3, d: 4 } }],
    want: { a: { b: 1, c: 3, d: 4 } },
  },
  { name: 'list + list: later replaces wholesale', layers: [{ l: [1, 2, 3] }, { l: [9] }], want: { l: [9] } },
  { name: 'scalar replaces map', layers: [{ a: { b: 1 } }, { a: 'x' }], want: { a: 'x' } },
  { name: 'map replaces scalar', layers: [{ a: 'x' }, { a: { b: 1 } }], want: { a: { b: 1 } } },
  { name: 'null deletes a key set before', layers: [{ a: { b: 1, c: 2 } }, { a: { b: null } }], want: { a: { c: 2 } } },
  { name: 'null deletes a whole map', layers: [{ a: { b: 1 }, k: 1 }, { a: null }], want: { k: 1 } },
  { name: 'null deletes across several earlier layers', layers: [{ a: 1 }, { a: 2 }, { a: null }], want: {} },
  {
    name: 'null with nothing to delete leaves no key',
    layers: [{ k: 1 }, { missing: null, nested: { x: null, y: 1 } }],
    want: { k: 1, nested: { y: 1 } },
  },
  { name: 'null in the first layer leaves no key', layers: [{ a: null, b: 1 }], want: { b: 1 } },
  { name: 'a key deleted then set again is back', layers: [{ a: 1 }, { a: null }, { a: 3 }], want: { a: 3 } },
  { name: '{} keeps base keys', layers: [{ a: { b: 1 } }, { a: {} }], want: { a: { b: 1 } } },
  { name: '[] replaces a list', layers: [{ a: [1, 2] }, { a: [] }], want: { a: [] } },
  { name: 'nulls inside lists are data', layers: [{ a: [1, null, 2] }], want: { a: [1, null, 2] } },
  {
    name: 'Object.prototype names are plain data',
    layers: [{ toString: 1, valueOf: 'v', hasOwnProperty: { x: 1 } }, { hasOwnProperty: { y: 2 } }],
    want: { toString: 1, valueOf: 'v', hasOwnProperty: { x: 1, y: 2 } },
  },
  {
    name: 'list rule append',
    layers: [{ env: [{ name: 'A' }] }, { env: [{ name: 'B' }] }],
    rules: [{ path: '.env', strategy: 'append' }],
    want: { env: [{ name: 'A' }, { name: 'B' }] },
  },
  {
    name: 'list rule mergeByKey',
    layers: [
      {
        c: [
          { name: 'app', image: 'a:1', port: 80 },
          { name: 'side', image: 's:1' },
        ],
      },
      {
        c: [
          { name: 'app', image: 'a:2' },
          { name: 'new', image: 'n:1' },
        ],
      },
    ],
    rules: [{ path: '.c', strategy: 'mergeByKey', key: 'name' }],
    want: {
      c: [
        { name: 'app', image: 'a:2', port: 80 },
        { name: 'side', image: 's:1' },
        { name: 'new', image: 'n:1' },
      ],
    },
  },
];

describe('merge', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(merge(c.layers, c.rules).values, c.want);
    });
  }

  it('never mutates its inputs (layers can be cached)', () => {
    const a: Values = { m: { x: 1, l: [1] } };
    const b: Values = { m: { y: 2, x: null } };
    const snapshot = JSON.stringify([a, b]);
    const out = merge([a, b]).values;
    (out.m as Values).z = 1;
    assert.equal(JSON.stringify([a, b]), snapshot);
  });

  it('records where each leaf came from and what it overrode', () => {
    const l0 = loadYamlText('replicaCount: 1\nimage:\n  tag: "1.0"\n', 'values.yaml');
    const l1 = loadYamlText('# prod\nreplicaCount: 3\n', 'values-prod.yaml');
    const b = new ValuesBuilder();
    for (const [name, l] of [
      ['values.yaml', l0],
      ['values-prod.yaml', l1],
    ] as const) {
      b.mergeLayer(l.value, (p) => ({ file: name, ...l.positions.get(p) }));
    }
    const m = b.result();
    const e = m.provenance.get('.replicaCount')!;
    assert.deepEqual(e.origin, { file: 'values-prod.yaml', line: 2, column: 1 });
    assert.equal(e.value, 3);
    assert.deepEqual(e.previous?.origin, { file: 'values.yaml', line: 1, column: 1 });
    assert.equal(e.previous?.value, 1);
    assert.deepEqual(m.provenance.get('.image.tag')?.origin, { file: 'values.yaml', line: 3, column: 3 });
  });

  it('records who deleted a key, and forgets the provenance of the deleted subtree', () => {
    const b = new ValuesBuilder();
    b.mergeLayer({ a: { b: 1 } }, () => ({ file: 'base.yaml' }));
    b.mergeLayer({ a: null }, () => ({ file: 'prod.yaml', line: 7 }));
    const m = b.result();
    assert.equal(m.deleted.get('.a')?.origin.line, 7);
    assert.equal(m.deleted.get('.a')?.previous?.origin.file, 'base.yaml');
    assert.equal(m.provenance.has('.a.b'), false);
  });
});

describe('deleted keys', () => {
  it('a key set again is no longer listed as deleted, nor is anything under it', () => {
    const b = new ValuesBuilder();
    b.mergeLayer({ a: { b: 1 } }, () => ({ file: 'l1.yaml' }));
    b.mergeLayer({ a: { b: null } }, () => ({ file: 'l2.yaml' }));
    b.mergeLayer({ a: null }, () => ({ file: 'l3.yaml' }));
    b.mergeLayer({ a: { b: 3 } }, () => ({ file: 'l4.yaml' }));
    const m = b.result();
    assert.deepEqual(m.values, { a: { b: 3 } });
    assert.deepEqual([...m.deleted.keys()], []);
    const c = new ValuesBuilder();
    c.mergeLayer({ a: { b: 1 } }, () => ({ file: 'l1.yaml' }));
    c.mergeLayer({ a: { b: null } }, () => ({ file: 'l2.yaml' }));
    c.mergeLayer({ a: 5 }, () => ({ file: 'l5.yaml' }));
    assert.deepEqual([...c.result().deleted.keys()], []);
  });
});

describe('--set applied to merged values', () => {
  function applySets(base: Values, ...exprs: [kind: 'set' | 'set-string' | 'set-json', expr: string][]): Values {
    const b = new ValuesBuilder();
    b.mergeLayer(base, () => ({ file: 'values.yaml' }));
    for (const [kind, expr] of exprs) {
      for (const a of parseSetExpression(expr, kind, `--${kind} ${expr}`))
        b.setPath(a.segments, a.value, { flag: `--${kind} ${expr}` });
    }
    return b.result().values;
  }

  it('an index edits the existing element (Helm replaces the list: helm#11734)', () => {
    const out = applySets({ c: [{ name: 'app', image: 'a:1' }, { name: 'b' }] }, ['set', 'c[0].image=x']);
    assert.deepEqual(out, { c: [{ name: 'app', image: 'x' }, { name: 'b' }] });
  });

  it('flags apply in command-line order, whatever their kind', () => {
    assert.deepEqual(applySets({}, ['set-string', 'a=1'], ['set', 'a=2']), { a: 2 });
    assert.deepEqual(applySets({}, ['set', 'a=2'], ['set-string', 'a=1']), { a: '1' });
  });

  it('null deletes', () => {
    assert.deepEqual(applySets({ a: { b: 1, c: 2 } }, ['set', 'a.b=null']), { a: { c: 2 } });
  });

  it('--set-json merges a map like a layer', () => {
    assert.deepEqual(applySets({ a: { b: 1 } }, ['set-json', 'a={"c":2}']), { a: { b: 1, c: 2 } });
  });

  it('creates missing maps and lists on the way', () => {
    assert.deepEqual(applySets({}, ['set', 'a.b[0].c=1']), { a: { b: [{ c: 1 }] } });
  });

  it('setting below a string is a clear error naming the path', () => {
    assert.throws(() => applySets({ a: 'text' }, ['set', 'a.b=1']), /cannot set \.a\.b: \.a is a string, not a map/);
  });

  it('an index past the end is refused, not padded with nulls', () => {
    assert.throws(() => applySets({ l: [1] }, ['set', 'l[5]=1']), /past the end of \.l \(length 1\)/);
  });

  it('no prototype pollution through --set paths', () => {
    for (const expr of [
      '__proto__.polluted=1',
      'constructor.prototype.polluted=1',
      'a.__proto__.polluted=1',
      'prototype.polluted=1',
    ]) {
      assert.throws(() => applySets({}, ['set', expr]), /not allowed/, expr);
    }
    assert.throws(() => applySets({}, ['set-json', 'a={"__proto__":{"polluted":1}}']), /not allowed/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('--set syntax and typing (Helm strvals)', () => {
  const typed: [string, Value][] = [
    ['true', true],
    ['TRUE', true],
    ['False', false],
    ['null', null],
    ['NULL', null],
    ['0', 0],
    ['5', 5],
    ['+5', 5],
    ['-5', -5],
    ['1.5', '1.5'],
    ['1e3', '1e3'],
    ['007', '007'],
    ['0x1F', '0x1F'],
    ['yes', 'yes'],
    ['', ''],
    ['"quoted"', '"quoted"'],
    ['99999999999999999999', '99999999999999999999'],
  ];
  for (const [raw, want] of typed) {
    it(`--set a=${raw} is ${JSON.stringify(want)}`, () => {
      assert.deepEqual(parseSetExpression(`a=${raw}`, 'set', 'test'), [{ segments: ['a'], value: want }]);
    });
  }

  const syntax: [string, unknown][] = [
    [
      'a.b=1,c=x',
      [
        { segments: ['a', 'b'], value: 1 },
        { segments: ['c'], value: 'x' },
      ],
    ],
    ['a[0]=x', [{ segments: ['a', 0], value: 'x' }]],
    ['a[0][1]=y', [{ segments: ['a', 0, 1], value: 'y' }]],
    ['a[1].b.c=2', [{ segments: ['a', 1, 'b', 'c'], value: 2 }]],
    ['a\\.b=1', [{ segments: ['a.b'], value: 1 }]],
    ['a=x\\,y', [{ segments: ['a'], value: 'x,y' }]],
    ['a=\\=', [{ segments: ['a'], value: '=' }]],
    ['a={a, b ,1}', [{ segments: ['a'], value: ['a', ' b ', 1] }]],
    ['a={}', [{ segments: ['a'], value: [] }]],
    [
      'a={x,y},b=1',
      [
        { segments: ['a'], value: ['x', 'y'] },
        { segments: ['b'], value: 1 },
      ],
    ],
    ['annotations.cert-manager\\.io/issuer=le', [{ segments: ['annotations', 'cert-manager.io/issuer'], value: 'le' }]],
  ];
  for (const [expr, want] of syntax) {
    it(`parses ${expr}`, () => assert.deepEqual(parseSetExpression(expr, 'set', 'test'), want));
  }

  it('--set-string keeps everything a string, lists too', () => {
    assert.deepEqual(parseSetExpression('a=1,b={2,true}', 'set-string', 't'), [
      { segments: ['a'], value: '1' },
      { segments: ['b'], value: ['2', 'true'] },
    ]);
  });

  it('--set-json parses JSON values, commas inside them included', () => {
    assert.deepEqual(parseSetExpression('a=[1,2],b={"c":"x,y"}', 'set-json', 't'), [
      { segments: ['a'], value: [1, 2] },
      { segments: ['b'], value: { c: 'x,y' } },
    ]);
  });

  const errors: [string, 'set' | 'set-json', RegExp][] = [
    ['a', 'set', /has no value/],
    ['a,b=1', 'set', /has no value/],
    ['=1', 'set', /empty key/],
    ['a[x]=1', 'set', /list index/],
    ['a[99999999]=1', 'set', /over the limit/],
    ['a=9007199254740993', 'set', /beyond 2\^53/],
    ['a={1,2', 'set', /unterminated list/],
    ['a={nope', 'set-json', /invalid JSON/],
    ['a=12345678901234567890', 'set-json', /beyond 2\^53/],
  ];
  for (const [expr, kind, re] of errors) {
    it(`refuses ${kind} ${expr}`, () => assert.throws(() => parseSetExpression(expr, kind, 't'), re));
  }
});
