import { toText } from '../core/guards.js';

// Values between strata and CEL (cel.ts): JSON-like data in, messages out.

/**
 * JSON-like data as CEL input: whole numbers become CEL `int` (as Kubernetes does for integer fields, so
 * `object.spec.replicas + 1` and `type(x) == int` work), other numbers stay `double`.
 */
export function toCel(v: unknown, depth = 0): unknown {
  if (depth > 200) throw new Error('value nested too deeply');
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map((x) => toCel(x, depth + 1));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toCel(x, depth + 1);
    return out;
  }
  return v;
}

/** CEL output for messages: strings as they are, anything else in CEL-ish text. */
export function celText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v === null
    ? 'null'
    : (JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)) ?? toText(v));
}
