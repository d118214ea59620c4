import { cap, type Call, def, fail, type HelperTable, int, kindName, need } from './base.js';

// Numbers with sprig's conversions (spf13/cast, as sprig's numeric.go uses it): `add sub mul div mod max min`
// work on int64 (fractions are cut toward zero first, so `div 7 2` is 3 and `add 1.9 1` is 2), `floor ceil
// round` on float64. Text that does not parse counts as 0, as in sprig. strata has one number type and no
// int64 beyond 2^53: a result out of that range is an error rather than a wrong number.

const SAFE = Number.MAX_SAFE_INTEGER;

/** Go's strconv.ParseInt(s, 0, 64) after cast's trimZeroDecimal ("3.0" -> 3); undefined when it fails. */
function parseGoInt(s: string): number | undefined {
  const t = /^([-+]?\d+)\.0*$/.test(s) ? s.replace(/\.0*$/, '') : s;
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
  if (!m) return undefined;
  const body = m[2];
  let n: number;
  if (/^0[xX]/.test(body)) n = parseInt(body.slice(2), 16);
  else if (/^0[oO]/.test(body)) n = parseInt(body.slice(2), 8);
  else if (/^0[bB]/.test(body)) n = parseInt(body.slice(2), 2);
  else if (body.length > 1 && body[0] === '0') n = parseInt(body.slice(1), 8);
  else n = parseInt(body, 10);
  return m[1] === '-' ? -n : n;
}

/** cast.ToInt64. */
export function toInt(c: Call, v: unknown, i: number): number {
  const x = need(c, v, i);
  if (typeof x === 'number') return checked(c, Math.trunc(x));
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (x === null) return 0;
  if (typeof x === 'string') return checked(c, parseGoInt(x) ?? 0);
  return fail(c, `argument ${i + 1} is a ${kindName(x)}, expected a number`);
}

/** cast.ToFloat64. */
export function toFloat(c: Call, v: unknown, i: number): number {
  const x = need(c, v, i);
  if (typeof x === 'number') return x;
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (x === null) return 0;
  if (typeof x === 'string') {
    const t =
      x.trim() === x && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|infinity|nan)$/i.test(x)
        ? Number(x.replace(/^([-+]?)inf(inity)?$/i, '$1Infinity'))
        : NaN;
    return Number.isNaN(t) && !/nan/i.test(x) ? 0 : t;
  }
  return fail(c, `argument ${i + 1} is a ${kindName(x)}, expected a number`);
}

function checked(c: Call, n: number): number {
  if (!(Math.abs(n) <= SAFE)) fail(c, 'the result is beyond 2^53, which strata cannot hold exactly');
  return n;
}

/** sprig's untilStep: the list start, start+step, ... up to (not including) stop. */
export function untilStep(c: Call, start: number, stop: number, step: number): number[] {
  const out: number[] = [];
  if (step === 0 || (stop < start && step > 0) || (stop >= start && step < 0)) return out;
  const count = Math.ceil(Math.abs((stop - start) / step));
  cap(c, count * 2, 'the list');
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

function seq(c: Call, p: number[]): string {
  let r: number[];
  if (p.length === 1) r = untilStep(c, 1, p[0] + (p[0] < 1 ? -1 : 1), p[0] < 1 ? -1 : 1);
  else if (p.length === 2) r = untilStep(c, p[0], p[1] + (p[1] < p[0] ? -1 : 1), p[1] < p[0] ? -1 : 1);
  else if (p.length === 3) {
    const [start, step, end] = p as [number, number, number];
    if (end < start && step > 0) return '';
    r = untilStep(c, start, end + (end < start ? -1 : 1), step);
  } else return '';
  return r.join(' ');
}

/** sprig's round: to `places` decimals, up from `roundOn` (default .5) of the next digit. */
function roundTo(x: number, places: number, roundOn: number): number {
  const pow = Math.pow(10, places);
  const digit = pow * x;
  const frac = digit - Math.trunc(digit);
  return (frac >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

export const NUMBER_HELPERS: HelperTable = {
  int: def(1, 1, ([v], c) => toInt(c, v, 0)),
  int64: def(1, 1, ([v], c) => toInt(c, v, 0)),
  float64: def(1, 1, ([v], c) => toFloat(c, v, 0)),
  atoi: def(1, 1, ([v], c) => {
    const s = String(need(c, v, 0));
    return /^[-+]?\d+$/.test(s) ? checked(c, Number(s)) : 0;
  }),
  toDecimal: def(1, 1, ([v], c) => {
    const s = String(need(c, v, 0));
    return /^[-+]?[0-7]+$/.test(s) ? checked(c, parseInt(s, 8)) : 0;
  }),
  add: def(0, Infinity, (args, c) =>
    checked(
      c,
      args.reduce<number>((sum, a, i) => sum + toInt(c, a, i), 0),
    ),
  ),
  add1: def(1, 1, ([a], c) => checked(c, toInt(c, a, 0) + 1)),
  sub: def(2, 2, ([a, b], c) => checked(c, toInt(c, a, 0) - toInt(c, b, 1))),
  mul: def(1, Infinity, ([a, ...rest], c) =>
    rest.reduce<number>((p, b, i) => checked(c, p * toInt(c, b, i + 1)), toInt(c, a, 0)),
  ),
  div: def(2, 2, ([a, b], c) => {
    const d = toInt(c, b, 1);
    if (d === 0) fail(c, 'division by zero');
    return Math.trunc(toInt(c, a, 0) / d);
  }),
  mod: def(2, 2, ([a, b], c) => {
    const d = toInt(c, b, 1);
    if (d === 0) fail(c, 'division by zero');
    return toInt(c, a, 0) % d;
  }),
  max: def(1, Infinity, (args, c) => Math.max(...args.map((a, i) => toInt(c, a, i)))),
  biggest: def(1, Infinity, (args, c) => Math.max(...args.map((a, i) => toInt(c, a, i)))),
  min: def(1, Infinity, (args, c) => Math.min(...args.map((a, i) => toInt(c, a, i)))),
  maxf: def(1, Infinity, (args, c) => Math.max(...args.map((a, i) => toFloat(c, a, i)))),
  minf: def(1, Infinity, (args, c) => Math.min(...args.map((a, i) => toFloat(c, a, i)))),
  floor: def(1, 1, ([a], c) => Math.floor(toFloat(c, a, 0))),
  ceil: def(1, 1, ([a], c) => Math.ceil(toFloat(c, a, 0))),
  round: def(2, 3, ([a, p, on], c) =>
    roundTo(toFloat(c, a, 0), int(c, p, 1), on === undefined ? 0.5 : toFloat(c, on, 2)),
  ),
  until: def(1, 1, ([n], c) => {
    const count = int(c, n, 0);
    return untilStep(c, 0, count, count < 0 ? -1 : 1);
  }),
  untilStep: def(3, 3, ([a, b, s], c) => untilStep(c, int(c, a, 0), int(c, b, 1), int(c, s, 2))),
  seq: def(0, 3, (args, c) =>
    seq(
      c,
      args.map((a, i) => int(c, a, i)),
    ),
  ),
};
