import fc from 'fast-check';

// Shared settings of the property tests (issue 10 §7): seeded and bounded so `npm test` stays fast and
// deterministic; STRATA_FUZZ_RUNS=<n> (e.g. in .ci/run) runs each property n times, STRATA_FUZZ_SEED picks
// another seed.

/**
 * Whether exhaustive tables (every breakout in every construct, every helper with every argument list) run
 * whole: in a longer fuzz run (STRATA_FUZZ_RUNS, .ci/run) and with STRATA_FULL_TABLES=1, which
 * test/e2e/full-tables.test.ts sets. `npm test` runs a seeded sample of each, to stay under its time budget.
 */
export const FULL_TABLES = process.env.STRATA_FULL_TABLES === '1' || Number(process.env.STRATA_FUZZ_RUNS) > 0;

/**
 * `rows` whole when FULL_TABLES, else the rows `keep` names plus `n` others picked by the fuzz seed, in table
 * order. A sample, not a prefix: another seed (STRATA_FUZZ_SEED) tries other rows.
 */
export function tableRows<T>(rows: readonly T[], n: number, keep: (row: T) => boolean = () => false): T[] {
  if (FULL_TABLES) return [...rows];
  const kept = rows.filter(keep);
  const rest = rows.map((_, i) => i).filter((i) => !keep(rows[i]));
  const picked = new Set<number>(
    fc.sample<number[]>(
      fc.subarray(rest, { minLength: Math.min(n, rest.length), maxLength: Math.min(n, rest.length) }),
      { seed: fuzzParams(1).seed!, numRuns: 1 },
    )[0],
  );
  return rows.filter((row, i) => kept.includes(row) || picked.has(i));
}

export function fuzzParams(defaultRuns: number): fc.Parameters<unknown> {
  const runs = Number(process.env.STRATA_FUZZ_RUNS);
  const seed = Number(process.env.STRATA_FUZZ_SEED);
  return {
    numRuns: Number.isSafeInteger(runs) && runs > 0 ? runs : defaultRuns,
    seed: Number.isSafeInteger(seed) ? seed : 20261130,
  };
}

/** Texts that are special somewhere in YAML 1.1 or 1.2, or in JavaScript objects. */
export const TRICKY_WORDS = [
  'yes',
  'No',
  'ON',
  'off',
  'y',
  'N',
  'true',
  'False',
  'null',
  '~',
  '',
  ' ',
  '0755',
  '0o17',
  '0x1F',
  '1_000',
  '1e3',
  '1.5',
  '.5',
  '-.inf',
  '.NaN',
  '12:30',
  '1:20:30',
  '2024-01-02',
  '2024-01-02T10:00:00Z',
  '<<',
  '=',
  'a: b',
  'a #b',
  '#x',
  '- x',
  '? x',
  '[x',
  '{x',
  '&a',
  '*a',
  '!t',
  '|',
  '>',
  "'",
  '"',
  '%',
  '@',
  '`',
  '---',
  '...',
  ' lead',
  'trail ',
  'tab\t',
  'nl\n',
  '\n',
  'two\n\n',
  'cr\r',
  'nel\u0085',
  '\u2028',
  '\ufeffbom',
  '\u0000',
  '\u007f',
  'émoji 🚀',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
  '9007199254740993',
  '-0',
  '+1',
  '0',
  '00',
  '1.0',
  '1e+21',
  'NaN',
  'Infinity',
];

/** Strings that mix tricky words and arbitrary (also astral and control) characters. */
export const anyText = fc.oneof(
  fc.constantFrom(...TRICKY_WORDS),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc
    .tuple(
      fc.constantFrom(...TRICKY_WORDS),
      fc.string({ unit: 'binary-ascii', maxLength: 4 }),
      fc.constantFrom(...TRICKY_WORDS),
    )
    .map(([a, b, c]) => a + b + c),
);

/** A key that is fine in values (the merge and loaders refuse `__proto__`, `constructor`, `prototype`). */
export const anyKey = anyText.filter((k) => k !== '__proto__' && k !== 'constructor' && k !== 'prototype');

/** Safe integers, finite doubles (no -0: it is 0 in YAML), booleans, null, texts. */
export const anyScalar = fc.oneof(
  anyText,
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
  fc.boolean(),
  fc.constant(null),
);

export interface TreeOptions {
  scalar?: fc.Arbitrary<unknown>;
  key?: fc.Arbitrary<string>;
  depth?: number;
}

/** JSON-shaped value trees: plain objects (own keys only) and arrays of scalars. */
export function valueTree(opts: TreeOptions = {}): fc.Arbitrary<unknown> {
  const scalar = opts.scalar ?? anyScalar;
  const key = opts.key ?? anyKey;
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small', maxDepth: opts.depth ?? 4 }, scalar, tie('list'), tie('map')),
    list: fc.array(tie('tree'), { maxLength: 4 }),
    map: fc.uniqueArray(fc.tuple(key, tie('tree')), { maxLength: 5, selector: (e) => e[0] }).map((entries) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of entries)
        Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
  }));
  return tree;
}

/** A map at the top (values files, manifests). */
export function valueMap(opts: TreeOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  const key = opts.key ?? anyKey;
  return fc.uniqueArray(fc.tuple(key, valueTree(opts)), { maxLength: 6, selector: (e) => e[0] }).map((entries) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of entries)
      Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    return o;
  });
}
