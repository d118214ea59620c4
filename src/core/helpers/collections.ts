import { UserError } from '../errors.js';
import { isTruthy } from '../truthy.js';
import {
  type Call,
  charCount,
  def,
  fail,
  type HelperTable,
  int,
  isMap,
  kindName,
  list,
  map,
  need,
  newMap,
  own,
  Produced,
  put,
  text,
} from './base.js';
import { equalTo, expandedSize, keyOf, work } from './meter.js';
import { goValue } from './printf.js';
import { refusal } from './refused.js';
import { strslice } from './strings.js';

// Lists and maps with sprig's names and results (sprig list.go, dict.go; merges as imdario/mergo does them),
// plus Go's builtins `index` and `len`. Differences (docs/helpers.md): helpers never modify their arguments
// (sprig's `set`, `unset`, `merge` change the map in place; strata returns a new one, which is what a
// Handlebars template can use anyway); `keys` and `values` are sorted by key (sprig's order is random).

/** A deep copy of plain data (values are JSON-shaped). */
export function deepCopy(v: unknown): unknown {
  if (v instanceof Produced) return v.text;
  if (Array.isArray(v)) return v.map(deepCopy);
  if (isMap(v)) {
    const out = newMap();
    for (const k of Object.keys(v)) put(out, k, deepCopy(v[k]));
    return out;
  }
  return v;
}

/** mergo.Merge / MergeWithOverwrite for map[string]interface{}, into `dst` (a copy the caller owns). */
function mergeInto(
  dst: Record<string, unknown>,
  src: Record<string, unknown>,
  overwrite: boolean,
  depth: number,
): void {
  if (depth > 256) throw new Error('merge: nesting too deep');
  for (const k of Object.keys(src)) {
    const s = src[k];
    const d = own(dst, k);
    const present = Object.hasOwn(dst, k);
    if (s === null || s === undefined) {
      if (overwrite) put(dst, k, null);
      continue;
    }
    if (Array.isArray(s)) {
      // mergo sets a list from the source when overwriting, or when the destination's is empty.
      if (overwrite || !present || !isTruthy(d)) put(dst, k, deepCopy(s));
      continue;
    }
    if (isMap(s) && isMap(d)) mergeInto(d, s, overwrite, depth + 1);
    // A non-empty destination is kept when the source is a map (mergo merges into it, or leaves a scalar).
    if (present && isTruthy(d) && isMap(s)) continue;
    if (overwrite || !present || !isTruthy(d)) put(dst, k, deepCopy(s));
  }
}

function merged(c: Call, args: unknown[], overwrite: boolean): Record<string, unknown> {
  // Sources are copied into the result: a source of shared references would copy exponentially.
  args.forEach((a) => expandedSize(c, a));
  const dst = deepCopy(map(c, args[0], 0)) as Record<string, unknown>;
  args.slice(1).forEach((s, i) => mergeInto(dst, map(c, s, i + 1), overwrite, 0));
  return dst;
}

function sortedKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m).sort();
}

/** Go's `index`: nested lookups in maps (missing key: undefined) and lists (out of range: an error). */
function index(c: Call, v: unknown, keys: unknown[]): unknown {
  let cur = need(c, v, 0);
  keys.forEach((k, i) => {
    if (Array.isArray(cur) || typeof cur === 'string') {
      const n = int(c, k, i + 1);
      if (typeof cur === 'string') {
        const bytes = Buffer.from(cur, 'utf8');
        if (n < 0 || n >= bytes.length) fail(c, `index ${n} is out of range`);
        cur = bytes[n];
        return;
      }
      if (n < 0 || n >= cur.length) fail(c, `index ${n} is out of range`);
      cur = cur[n];
    } else if (isMap(cur)) cur = own(cur, text(c, k, i + 1));
    else if (cur === null || cur === undefined) cur = undefined;
    else fail(c, `cannot index a ${kindName(cur)}`);
  });
  return cur;
}

function goKind(v: unknown): string {
  if (v === null) return 'invalid';
  if (Array.isArray(v)) return 'slice';
  if (isMap(v)) return 'map';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string' || v instanceof Produced) return 'string';
  return 'ptr';
}

function goType(v: unknown): string {
  const k = goKind(v);
  return k === 'invalid'
    ? '<nil>'
    : k === 'slice'
      ? '[]interface {}'
      : k === 'map'
        ? 'map[string]interface {}'
        : k === 'ptr'
          ? '*semver.Version'
          : k;
}

function firstOf(c: Call, v: unknown): unknown[] {
  return list(c, v, 0);
}

export const COLLECTION_HELPERS: HelperTable = {
  list: def(0, Infinity, (args, c) => args.map((a, i) => need(c, a, i))),
  tuple: def(0, Infinity, (args, c) => args.map((a, i) => need(c, a, i))),
  dict: def(0, Infinity, (args, c) => {
    const out = newMap();
    for (let i = 0; i < args.length; i += 2) {
      const k = need(c, args[i], i);
      if (typeof k !== 'string') expandedSize(c, k, 'a key');
      put(out, typeof k === 'string' ? k : goValue(k), i + 1 < args.length ? need(c, args[i + 1], i + 1) : '');
    }
    return out;
  }),
  get: def(2, 2, ([m, k], c) => {
    const v = own(map(c, m, 0), text(c, k, 1));
    return v === undefined ? '' : v;
  }),
  set: def(3, 3, ([m, k, v], c) => {
    const out = { ...map(c, m, 0) };
    put(out, text(c, k, 1), need(c, v, 2));
    return out;
  }),
  unset: def(2, 2, ([m, k], c) => {
    const src = map(c, m, 0);
    const key = text(c, k, 1);
    const out = newMap();
    for (const x of Object.keys(src)) if (x !== key) put(out, x, src[x]);
    return out;
  }),
  hasKey: def(2, 2, ([m, k], c) => isMap(m) && Object.hasOwn(m, text(c, k, 1))),
  pluck: def(1, Infinity, ([k, ...maps], c) => {
    const key = text(c, k, 0);
    return maps
      .map((m, i) => map(c, m, i + 1))
      .filter((m) => Object.hasOwn(m, key))
      .map((m) => m[key]);
  }),
  keys: def(1, Infinity, (maps, c) => maps.flatMap((m, i) => sortedKeys(map(c, m, i)))),
  values: def(1, 1, ([m], c) => {
    const src = map(c, m, 0);
    return sortedKeys(src).map((k) => src[k]);
  }),
  pick: def(1, Infinity, ([m, ...ks], c) => {
    const src = map(c, m, 0);
    const out = newMap();
    ks.forEach((k, i) => {
      const key = text(c, k, i + 1);
      if (Object.hasOwn(src, key)) put(out, key, src[key]);
    });
    return out;
  }),
  omit: def(1, Infinity, ([m, ...ks], c) => {
    const src = map(c, m, 0);
    const drop = new Set(ks.map((k, i) => text(c, k, i + 1)));
    const out = newMap();
    for (const k of Object.keys(src)) if (!drop.has(k)) put(out, k, src[k]);
    return out;
  }),
  merge: def(1, Infinity, (args, c) => merged(c, args, false)),
  mergeOverwrite: def(1, Infinity, (args, c) => merged(c, args, true)),
  deepCopy: def(1, 1, ([v], c) => {
    const x = need(c, v, 0);
    expandedSize(c, x);
    return deepCopy(x);
  }),
  dig: def(3, Infinity, (args, c) => {
    const m = map(c, args[args.length - 1], args.length - 1);
    const fallback = args[args.length - 2];
    let cur: unknown = m;
    for (let i = 0; i < args.length - 2; i++) {
      const key = text(c, args[i], i);
      if (!isMap(cur)) fail(c, `the value at "${key}"'s parent is a ${kindName(cur)}, not a map`);
      if (!Object.hasOwn(cur, key)) return fallback;
      cur = cur[key];
    }
    return cur;
  }),
  append: def(2, 2, ([l, v], c) => [...list(c, l, 0), need(c, v, 1)]),
  push: def(2, 2, ([l, v], c) => [...list(c, l, 0), need(c, v, 1)]),
  prepend: def(2, 2, ([l, v], c) => [need(c, v, 1), ...list(c, l, 0)]),
  concat: def(0, Infinity, (args, c) => {
    const out = args.flatMap((l, i) => list(c, l, i));
    return out.length ? out : null; // Go's nil slice
  }),
  first: def(1, 1, ([l], c) => {
    const x = firstOf(c, l);
    return x.length ? x[0] : null;
  }),
  last: def(1, 1, ([l], c) => {
    const x = firstOf(c, l);
    return x.length ? x[x.length - 1] : null;
  }),
  rest: def(1, 1, ([l], c) => {
    const x = firstOf(c, l);
    return x.length ? x.slice(1) : null;
  }),
  initial: def(1, 1, ([l], c) => {
    const x = firstOf(c, l);
    return x.length ? x.slice(0, -1) : null;
  }),
  uniq: def(1, 1, ([l], c) => {
    const key = keyOf(c);
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (const x of list(c, l, 0)) {
      const k = key(x);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(x);
      }
    }
    return out;
  }),
  compact: def(1, 1, ([l], c) => list(c, l, 0).filter(isTruthy)),
  has: def(2, 2, ([needle, l], c) => {
    const hay = need(c, l, 1);
    if (hay === null) return false;
    const eq = equalTo(c);
    const n = need(c, needle, 0);
    return list(c, hay, 1).some((x) => eq(x, n));
  }),
  without: def(1, Infinity, ([l, ...drop], c) => {
    const key = keyOf(c);
    const dropped = new Set(drop.map(key));
    return list(c, l, 0).filter((x) => !dropped.has(key(x)));
  }),
  reverse: def(1, 1, ([l], c) => [...list(c, l, 0)].reverse()),
  sortAlpha: def(1, 1, ([l], c) => {
    const x = need(c, l, 0);
    expandedSize(c, x);
    if (!Array.isArray(x)) return [typeof x === 'string' ? x : goValue(x)];
    // Byte order (Go sorts strings by bytes): each element encoded once, not once per comparison.
    work(c, x.length * Math.ceil(Math.log2(x.length + 1)));
    return strslice(c, x, 0)
      .map((s) => ({ s, b: Buffer.from(s) }))
      .sort((a, b) => Buffer.compare(a.b, b.b))
      .map((e) => e.s);
  }),
  slice: def(1, 3, ([l, a, b], c) => {
    const x = list(c, l, 0);
    if (x.length === 0) return null;
    const start = a === undefined ? 0 : int(c, a, 1);
    const end = b === undefined ? x.length : int(c, b, 2);
    if (start < 0 || end > x.length || start > end) fail(c, 'the indexes are out of range');
    return x.slice(start, end);
  }),
  chunk: def(2, 2, ([n, l], c) => {
    const size = int(c, n, 0);
    const x = list(c, l, 1);
    if (size < 1) fail(c, 'the chunk size must be at least 1');
    const out: unknown[][] = [];
    for (let i = 0; i < x.length; i += size) out.push(x.slice(i, i + size));
    return x.length === 0 ? [[]] : out;
  }),
  index: def(1, Infinity, ([v, ...keys], c) => index(c, v, keys)),
  len: def(1, 1, ([v], c) => {
    const x = need(c, v, 0);
    if (x === null) return 0; // Go's nil slice (regexFindAll with no match)
    if (typeof x === 'string') return charCount(x);
    if (Array.isArray(x)) return x.length;
    if (isMap(x)) return Object.keys(x).length;
    return fail(c, `a ${kindName(x)} has no length`);
  }),
  // sprig's reflection helpers, answering as Helm would for values: every number is a float64 there.
  kindOf: def(1, 1, ([v], c) => goKind(need(c, v, 0))),
  kindIs: def(2, 2, ([k, v], c) => text(c, k, 0) === goKind(need(c, v, 1))),
  typeOf: def(1, 1, ([v], c) => goType(need(c, v, 0))),
  typeIs: def(2, 2, ([t, v], c) => text(c, t, 0) === goType(need(c, v, 1))),
  typeIsLike: def(2, 2, ([t, v], c) => {
    const want = text(c, t, 0);
    const got = goType(need(c, v, 1));
    return want === got || '*' + want === got;
  }),
  deepEqual: def(2, 2, ([a, b], c) => equalTo(c)(need(c, a, 0), need(c, b, 1))),
  // Handlebars' own `lookup obj key`, kept; Helm's four-argument `lookup` (a cluster query) is refused.
  lookup: def(2, 4, (args, c) => {
    if (args.length !== 2) throw new UserError(refusal('lookup'));
    const [m, k] = args;
    if (m === null || m === undefined) return undefined;
    if (Array.isArray(m)) return m[int(c, k, 1)];
    if (typeof m === 'object') return own(m as Record<string, unknown>, text(c, k, 1));
    return undefined;
  }),
};
