import { limitHint } from '../limits.js';
import type { HelperOptions } from 'handlebars';
import { UserError } from '../errors.js';
import type { Limits } from '../limits.js';
import { isPlainMap, toText } from '../guards.js';

// What every helper family shares: the marker for produced text, the argument readers (with sprig's
// conversions where strata keeps them) and the size guard. A helper is `{ min, max, fn }`: makeHelpers
// (helpers.ts) checks the argument count, strips Handlebars' options object and adds the template line to
// errors, so each family only writes the behaviour.

/** Marks text a helper produced on purpose (YAML blocks, quoted strings), as opposed to a raw value. */
export class Produced {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toHTML(): string {
    return this.text;
  }
}

export type Opts = HelperOptions & { loc?: { start: { line: number; column: number } } };

/** Thrown when a helper gets `undefined` where a value is required: templates.ts names the argument's path. */
export class MissingArgument extends Error {
  constructor(
    readonly helper: string,
    readonly index: number,
    readonly loc: Opts['loc'] | undefined,
  ) {
    super(`${helper}: argument ${index + 1} is missing`);
  }
}

export interface HelperHost {
  /** Renders a partial by name with a context (for `include`). */
  renderPartial(name: string, ctx: unknown, options: Opts): string;
  /** The bounds of the render under way (core/limits.ts): helpers cap sizes with `helperBytes`. */
  limits(): Limits;
}

/** One call of a helper: its name (for errors), Handlebars' options and the host. */
export interface Call {
  readonly name: string;
  readonly o: Opts;
  readonly host: HelperHost;
}

export type HelperFn = (args: unknown[], c: Call) => unknown;
export interface HelperDef {
  min: number;
  /** Infinity for variadic helpers. */
  max: number;
  fn: HelperFn;
}
export type HelperTable = Record<string, HelperDef>;

export const def = (min: number, max: number, fn: HelperFn): HelperDef => ({ min, max, fn });

/** A helper's own error; makeHelpers adds the template line. */
export function fail(c: Call, message: string): never {
  throw new UserError(`${c.name}: ${message}`);
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return isPlainMap(v) && !(v instanceof Produced);
}

export function kindName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Produced) return 'text';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return 'text';
}

/** The render runs under `spec.semantics: helm` (core/config.ts): a nil argument is its parameter's zero value. */
export function isHelm(c: Call): boolean {
  return (c.o?.data as { strata?: { semantics?: string } } | undefined)?.strata?.semantics === 'helm';
}

/** The value, with produced text unwrapped; undefined (a missing value) is an error naming the argument. */
export function need(c: Call, v: unknown, i: number): unknown {
  if (v === undefined) throw new MissingArgument(c.name, i, c.o.loc);
  return v instanceof Produced ? v.text : v;
}

/** A number as Go prints it with %v: whole numbers as integers, others like float64 (`1e-05`, `1.5`). */
export function numberText(n: number): string {
  if (Number.isInteger(n)) return Object.is(n, -0) ? '0' : n.toFixed(0);
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  // Go's %v of a float64 is the shortest %g, which switches to an exponent below 1e-4 and from 1e6
  // (fmt.Println(1234567.5) prints 1.2345675e+06).
  const [mant, expPart] = n.toExponential().split('e') as [string, string];
  const exp = Number(expPart);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

/**
 * Text from a scalar, as sprig's `strval` would give it (numbers as Go prints them, null as empty);
 * a list or map is an error unless `lists` is set (then Go's %v form).
 */
export function text(c: Call, v: unknown, i: number): string {
  const x = need(c, v, i);
  if (x === null) return '';
  if (typeof x === 'string') return x;
  if (typeof x === 'number') return numberText(x);
  if (typeof x === 'boolean') return x ? 'true' : 'false';
  if (
    typeof x === 'object' &&
    typeof (x as { toString?: unknown }).toString === 'function' &&
    x.constructor !== Object &&
    !Array.isArray(x)
  ) {
    return toText(x);
  }
  return fail(c, `argument ${i + 1} is a ${kindName(x)}, expected text (use toYaml or toJson)`);
}

/** A whole number (Go `int` parameters: counts, widths, offsets). */
export function int(c: Call, v: unknown, i: number): number {
  const n = need(c, v, i);
  if (typeof n !== 'number' || !Number.isInteger(n)) return fail(c, `argument ${i + 1} must be a whole number`);
  return n;
}

/** A list argument. */
export function list(c: Call, v: unknown, i: number): unknown[] {
  const l = need(c, v, i);
  if (!Array.isArray(l)) return fail(c, `argument ${i + 1} must be a list, got a ${kindName(l)}`);
  return l;
}

/** A map argument. */
export function map(c: Call, v: unknown, i: number): Record<string, unknown> {
  const m = need(c, v, i);
  if (!isMap(m)) return fail(c, `argument ${i + 1} must be a map, got a ${kindName(m)}`);
  return m;
}

/** The largest text a helper may produce or take (core/limits.ts `helperBytes`). */
export function maxBytes(c: Call): number {
  return c.host.limits().helperBytes;
}

/**
 * Refuses `size` characters over the helper limit: what a helper would add beyond its inputs (the padding of
 * `indent`, the copies of `repeat`), or an input it works through (a regex subject). Helpers whose output is
 * proportional to their input (toJson, toYaml, b64enc, quote) are bounded by the inputs' own limits, and
 * what shared references would add when written out by meter.ts `expandedSize`. The
 * message names the helper and the limit, never the value or a size derived from it.
 */
export function cap(c: Call, size: number, what = 'the result'): void {
  const limit = maxBytes(c);
  if (!(size <= limit))
    throw new UserError(`${c.name}: ${what} would exceed the ${limit}-byte helper limit (${limitHint('helperBytes')})`);
}

/** Own property lookup (never the prototype chain). */
export function own(m: Record<string, unknown>, k: string): unknown {
  return Object.hasOwn(m, k) ? m[k] : undefined;
}

/** A fresh map with no prototype surprises: keys like `__proto__` stay plain data. */
export function newMap(): Record<string, unknown> {
  return {};
}

/** Sets a key as an own data property (safe for `__proto__`). */
export function put(m: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(m, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Unicode code points: strata counts characters where sprig counts bytes (the same for ASCII). */
export function chars(s: string): string[] {
  return Array.from(s);
}

/** How many code points `s` has: `chars(s).length` without building the array (`len` of a 4 MiB string). */
export function charCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
