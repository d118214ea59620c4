import { limitHint } from '../limits.js';
import { UserError } from '../errors.js';
import { isPlainMap } from '../guards.js';
import type { RenderState } from '../template/types.js';
import { type Call, maxBytes, Produced } from './base.js';

// Helpers inside the render budget (docs/security.md §2). A template can build values of shared references
// in a few steps (`{{#with (list a a) as |b|}}` 40 times is a list of 2^40 leaves in 40 small lists), and a
// single helper call can be handed a large list, so helpers that walk values must be linear in what they are
// given and must charge the render's Budget as they work:
// - `work` charges units to the render's Budget (which looks at the clock every few thousand units);
// - `expandedSize` is the size a value has when written out (every shared reference counted each time it is
//   reached), computed in time linear in the distinct nodes, so a serializer refuses a DAG that would write
//   more than helperBytes before it starts writing;
// - `equalTo` is reflect.DeepEqual with a memo of pairs proven equal (linear on shared structures);
// - `keyOf` is a canonical key: two values have the same key iff deepEqual says they are equal, so `uniq`
//   and `without` are a hash lookup per element instead of a comparison with every kept element.

/** Charge `units` of helper work to the render under way (no budget outside a render: tests of old). */
export function work(c: Call, units: number): void {
  const s = (c.o?.data as { strata?: RenderState } | undefined)?.strata;
  s?.budget?.charge(units, s.template);
}

const MAX_WALK_DEPTH = 2000;

/**
 * The length `v` would have written out as JSON (near enough: scalars by their text, containers by their
 * brackets and separators), walked in time linear in its distinct nodes. Two bounds, as for every helper
 * (base.ts `cap`): what writing adds beyond the value itself (shared references written again each time they
 * are reached) is capped by helperBytes, and the whole by outputBytes, the most a render may print. A plain
 * tree of any size the render holds is written as before: its written size is its own size.
 */
export function expandedSize(c: Call, v: unknown, what = 'the value'): number {
  const limits = c.host.limits();
  const helperLimit = maxBytes(c);
  const total = Math.max(limits.outputBytes, helperLimit);
  const memo = new Map<object, number>();
  let nodes = 0;
  /** Bytes of the distinct nodes (each object counted once). */
  let distinct = 0;
  const check = (n: number): void => {
    if (n - distinct > helperLimit) {
      throw new UserError(
        `${c.name}: ${what} written out would exceed the ${helperLimit}-byte helper limit (shared references are written each time; STRATA_MAX_HELPER_BYTES, --max-helper-bytes)`,
      );
    }
    if (n > total)
      throw new UserError(`${c.name}: ${what} written out would exceed ${total} bytes (${limitHint('outputBytes')})`);
  };
  const size = (x: unknown, depth: number): number => {
    if (typeof x === 'string') return x.length + 2;
    if (x === null || typeof x !== 'object') return 8;
    if (x instanceof Produced) return x.text.length + 2;
    const hit = memo.get(x);
    if (hit !== undefined) return hit;
    if (depth > MAX_WALK_DEPTH) throw new UserError(`${c.name}: the value is nested too deeply`);
    if (++nodes % 256 === 0) work(c, 256);
    let n = 2;
    let own = 2;
    const add = (child: unknown, extra: number): void => {
      const k = size(child, depth + 1);
      n += k + extra;
      own += extra + (child !== null && typeof child === 'object' && !(child instanceof Produced) ? 0 : k);
    };
    if (Array.isArray(x)) {
      for (const e of x) add(e, 1);
    } else if (isPlainMap(x)) {
      for (const k of Object.keys(x)) add(x[k], k.length + 3);
    } else n = own = 8;
    distinct += own;
    check(n);
    memo.set(x, n);
    return n;
  };
  return size(v, 0);
}

/** reflect.DeepEqual on JSON-shaped data, linear on shared structures (memo of pairs found equal), charged. */
export function equalTo(c: Call): (a: unknown, b: unknown) => boolean {
  const proven = new Map<object, Set<object>>();
  const eq = (a: unknown, b: unknown, depth: number): boolean => {
    if (a === b) return true;
    if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
    if (proven.get(a)?.has(b)) return true;
    if (depth > MAX_WALK_DEPTH) throw new UserError(`${c.name}: the value is nested too deeply`);
    let same: boolean;
    if (Array.isArray(a) && Array.isArray(b)) {
      work(c, a.length + 1);
      same = a.length === b.length && a.every((x, i) => eq(x, b[i], depth + 1));
    } else if (isMap(a) && isMap(b)) {
      const ka = Object.keys(a);
      work(c, ka.length + 1);
      same = ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && eq(a[k], b[k], depth + 1));
    } else same = false;
    // Values are acyclic (JSON-shaped, never modified by helpers), and any inequality ends the whole
    // comparison, so a pair that compared equal stays equal for this call.
    if (same) {
      let s = proven.get(a);
      if (!s) proven.set(a, (s = new Set()));
      s.add(b);
    }
    return same;
  };
  return (a, b) => eq(a, b, 0);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return isPlainMap(v) && !(v instanceof Produced);
}

/**
 * A canonical key per value for one helper call: equal keys iff deepEqual(a, b). Objects that are neither
 * lists nor maps (produced text, semver results) compare by identity, as deepEqual does. Each value's written
 * size is checked first, so keys stay within the helper limit.
 */
export function keyOf(c: Call): (v: unknown) => string {
  const memo = new Map<object, string>();
  const ids = new Map<object, number>();
  let nans = 0;
  const key = (x: unknown): string => {
    if (typeof x === 'string') return JSON.stringify(x);
    if (typeof x === 'number') return Number.isNaN(x) ? `NaN#${nans++}` /* NaN equals nothing */ : `n${x}`;
    if (x === null || x === undefined || typeof x !== 'object') return String(x);
    const hit = memo.get(x);
    if (hit !== undefined) return hit;
    let k: string;
    if (Array.isArray(x)) k = '[' + x.map(key).join(',') + ']';
    else if (isMap(x))
      k =
        '{' +
        Object.keys(x)
          .sort()
          .map((p) => JSON.stringify(p) + ':' + key(x[p]))
          .join(',') +
        '}';
    else {
      let id = ids.get(x);
      if (id === undefined) ids.set(x, (id = ids.size));
      k = `#${id}`;
    }
    memo.set(x, k);
    return k;
  };
  return (v) => {
    if (v !== null && typeof v === 'object') expandedSize(c, v, 'an element');
    work(c, 1);
    return key(v);
  };
}
