import { isMap } from './merge.js';
import { childPath } from './paths.js';
import type { Emitted } from './templates.js';
import type { MergedValues, Origin, Value } from './types.js';

// Which values file:line a rendered text came from, for findings about rendered objects ("the tag `latest`
// was set at values-prod.yaml:6"). Only values the template actually printed or passed to a helper are
// candidates (templates.ts records them), never the whole values tree: a wrong origin is worse than none.
// A candidate is a leaf whose text equals the rendered text. One whose key is a `hint` wins. Otherwise only a
// distinctive text (not a number, boolean or tiny string) is traced, to its single candidate: a literal
// `replicas: 1` must not be blamed on a `cpu: 1` or a `minAvailable: 1` the same template printed.

function lastKey(path: string): string {
  const m = /(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\["((?:[^"\\]|\\.)*)"\])$/.exec(path);
  return m ? (m[1] ?? JSON.parse(`"${m[2]}"`)) : '';
}

function leaves(v: Value, path: string, out: { path: string; text: string }[], budget = { n: 10_000 }): void {
  if (--budget.n < 0) return;
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, childPath(path, i), out, budget));
  else if (isMap(v)) for (const k of Object.keys(v)) leaves(v[k]!, childPath(path, k), out, budget);
  else if (v !== null) out.push({ path, text: String(v) });
}

export function traceOrigin(emitted: readonly Emitted[], merged: MergedValues, template: string, text: string, hint?: string | readonly string[]): Origin | undefined {
  const direct = new Set<string>(); // scalars the template printed or passed as they are
  const nested = new Set<string>(); // leaves inside maps and lists it printed whole (toYaml)
  for (const e of emitted) {
    if (e.template !== template) continue;
    const cands: { path: string; text: string }[] = [];
    leaves(e.value, e.valuePath, cands);
    for (const c of cands) if (c.text === text) (c.path === e.valuePath ? direct : nested).add(c.path);
  }
  const all = [...new Set([...direct, ...nested])];
  const hints = hint === undefined ? [] : typeof hint === 'string' ? [hint] : hint;
  const keyed = all.filter((p) => hints.includes(lastKey(p)));
  if (keyed.length === 1) return merged.provenance.get(keyed[0]!)?.origin;
  if (keyed.length > 1) return undefined;
  const distinctive = Number.isNaN(Number(text)) && text !== 'true' && text !== 'false' && text.length >= 3;
  if (direct.size === 1 && (distinctive || hints.length === 0)) return merged.provenance.get([...direct][0]!)?.origin;
  if (all.length === 1 && distinctive) return merged.provenance.get(all[0]!)?.origin;
  return undefined;
}
