import { UserError } from '../errors.js';
import { isTruthy } from '../truthy.js';
import { type Call, def, fail, type HelperTable, isMap, kindName, need, Produced, text } from './base.js';
import { compareStrings } from '../compare.js';

// Logic and defaults (Go text/template's and/or/not/eq/lt..., sprig's default/empty/coalesce/ternary/all/any,
// Helm's required and fail). Truthiness is core/truthy.ts's isTruthy, one rule with {{#if}}. `and`/`or`
// return one of their arguments, as Go templates do: `{{or values.a "x"}}` prints values.a or "x".

/** The index of the first argument that decides `and`/`or`, else the last one's (Go returns that argument). */
function firstIndexOr(args: unknown[], decides: (a: unknown) => boolean): number {
  const i = args.findIndex(decides);
  return i === -1 ? args.length - 1 : i;
}

/** Text a helper or partial produced is a string to Go (`eq (include "x.apiVersion" .) "networking.k8s.io/v1"`). */
const plain = (v: unknown): unknown => (v instanceof Produced ? v.text : v);

/** Go's eq on basic values; lists and maps are not comparable in Go either. */
function equal(c: Call, x: unknown, y: unknown): boolean {
  const a = plain(x);
  const b = plain(y);
  if (Array.isArray(a) || isMap(a) || Array.isArray(b) || isMap(b))
    fail(c, 'lists and maps cannot be compared (Go templates cannot either); compare a key or use toJson');
  return a === b || (a === undefined && b === null) || (a === null && b === undefined);
}

function order(c: Call, a: unknown, b: unknown): number {
  const x = need(c, a, 0);
  const y = need(c, b, 1);
  if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'string' && typeof y === 'string') return compareStrings(x, y);
  return fail(c, `cannot compare a ${kindName(x)} with a ${kindName(y)} (numbers with numbers, text with text)`);
}

export const LOGIC_HELPERS: HelperTable = {
  default: def(2, 2, ([fallback, v]) => (isTruthy(v) ? v : fallback)),
  empty: def(1, 1, ([v]) => !isTruthy(v)),
  coalesce: def(1, Infinity, (args) => args.find(isTruthy) ?? null),
  all: def(0, Infinity, (args) => args.every(isTruthy)),
  any: def(0, Infinity, (args) => args.some(isTruthy)),
  ternary: def(3, 3, ([yes, no, cond]) => (isTruthy(cond) ? yes : no)),
  required: def(2, 2, ([message, v], c) => {
    if (v === undefined || v === null || plain(v) === '')
      throw new UserError(`required value missing: ${text(c, message, 0)}`);
    return v;
  }),
  fail: def(1, 1, ([message], c) => {
    throw new UserError(`fail: ${text(c, message, 0)}`);
  }),
  // The first falsy argument itself (null included, so no `find(...) ?? last`), else the last one.
  and: def(1, Infinity, (args) => args[firstIndexOr(args, (a) => !isTruthy(a))]),
  or: def(1, Infinity, (args) => args[firstIndexOr(args, isTruthy)]),
  not: def(1, 1, ([v]) => !isTruthy(v)),
  // Go: `eq a b c` is true when a equals b or c.
  eq: def(2, Infinity, ([a, ...rest], c) => rest.some((b) => equal(c, a, b))),
  ne: def(2, 2, ([a, b], c) => !equal(c, a, b)),
  lt: def(2, 2, ([a, b], c) => order(c, a, b) < 0),
  le: def(2, 2, ([a, b], c) => order(c, a, b) <= 0),
  gt: def(2, 2, ([a, b], c) => order(c, a, b) > 0),
  ge: def(2, 2, ([a, b], c) => order(c, a, b) >= 0),
};
