import { INSTALL_ORDER } from './kinds.js';
import type { RenderedObject } from './types.js';
import { compareStrings } from './compare.js';
import { toText } from './guards.js';

// Deterministic object order: Helm's install order by kind (unknown kinds after, by name), then namespace,
// then name, then apiVersion. Same input, same bytes: Argo CD caches by output and diffs it.

const RANK = new Map(INSTALL_ORDER.map((k, i) => [k, i]));

function meta(o: RenderedObject): { kind: string; ns: string; name: string; api: string } {
  const m = (o.object.metadata ?? {}) as Record<string, unknown>;
  return {
    kind: toText(o.object.kind),
    ns: toText(m.namespace ?? ''),
    name: toText(m.name),
    api: toText(o.object.apiVersion),
  };
}

export function sortObjects(objects: readonly RenderedObject[]): RenderedObject[] {
  return [...objects].sort((x, y) => {
    const a = meta(x);
    const b = meta(y);
    const ra = RANK.get(a.kind) ?? INSTALL_ORDER.length;
    const rb = RANK.get(b.kind) ?? INSTALL_ORDER.length;
    return (
      ra - rb ||
      compareStrings(a.kind, b.kind) ||
      compareStrings(a.ns, b.ns) ||
      compareStrings(a.name, b.name) ||
      compareStrings(a.api, b.api)
    );
  });
}
