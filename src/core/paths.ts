// Canonical value paths, used as provenance keys and in every message about a value:
// `.image.tag`, `.env[0].name`, `.annotations["cert-manager.io/issuer"]`.

export type Segment = string | number;

// The grammar, in one place: a key matching PLAIN is written `.key`, any other key `["key"]` (JSON string
// syntax), a list index `[0]`.
const PLAIN = '[A-Za-z_][A-Za-z0-9_-]*';
const PLAIN_KEY = new RegExp(`^${PLAIN}$`);
const STEP = new RegExp(`\\.${PLAIN}|\\[\\d+\\]|\\["(?:[^"\\\\]|\\\\.)*"\\]`, 'g');

/** The steps of a canonical path as written: `.a["x.y"][0]` -> [`.a`, `["x.y"]`, `[0]`]. */
export function pathSteps(path: string): string[] {
  return path.match(STEP) ?? [];
}

/** One written step back to its segment: `.a` -> `a`, `["x.y"]` -> `x.y`, `[0]` -> 0. */
export function stepSegment(step: string): Segment {
  if (step.startsWith('.')) return step.slice(1);
  return step[1] === '"' ? (JSON.parse(step.slice(1, -1)) as string) : Number(step.slice(1, -1));
}

export function childPath(parent: string, seg: Segment): string {
  if (typeof seg === 'number') return `${parent}[${seg}]`;
  return PLAIN_KEY.test(seg) ? `${parent}.${seg}` : `${parent}[${JSON.stringify(seg)}]`;
}

export function formatPath(segs: readonly Segment[]): string {
  let p = '';
  for (const s of segs) p = childPath(p, s);
  return p || '.';
}

/** JSON pointer (`/a/b/0`, as Ajv reports) to segments. Numeric-looking parts stay strings unless `isIndex` says so. */
export function pointerToSegments(pointer: string, isIndex: (prefix: Segment[], part: string) => boolean): Segment[] {
  if (!pointer) return [];
  const out: Segment[] = [];
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out.push(isIndex(out, part) ? Number(part) : part);
  }
  return out;
}

/** The value at `segs` under `root` (own properties only), or undefined when the path leaves the tree. */
export function valueAt(root: unknown, segs: readonly Segment[]): unknown {
  let v = root;
  for (const s of segs) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, s)) return undefined;
    v = (v as Record<string | number, unknown>)[s];
  }
  return v;
}

/** Keys that would reach Object.prototype through a naive assignment; refused in values and --set paths. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
