import { isPlainMap } from './guards.js';
import { childPath } from './paths.js';
import type { Emitted } from './templates.js';
import type { MergedValues, Origin, Value } from './types.js';

// Which values file:line a rendered text came from, for findings about rendered objects ("the tag `latest`
// was set at values-prod.yaml:6"). Only values the template actually printed or passed to a helper are
// candidates (templates.ts records them), never the whole values tree: a wrong origin is worse than none.
// A candidate is a leaf whose text equals the rendered text. One whose key is a `hint` wins. Otherwise only a
// distinctive text (not a number, boolean or tiny string) is traced, to its single candidate: a literal
// `replicas: 1` must not be blamed on a `cpu: 1` or a `minAvailable: 1` the same template printed.
//
// The candidates are indexed once per render (template -> text -> paths), so tracing F findings costs
// O(emitted leaves + F), not O(F x emitted): 20k findings over 20k printed values took 79 s when every
// finding rescanned everything printed.

/** The last key of a canonical path (`.a.b` -> `b`, `.a["x.y"]` -> `x.y`, `.a[0]` -> ``). */
function lastKey(path: string): string {
  const m = /(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\["((?:[^"\\]|\\.)*)"\])$/.exec(path);
  return m ? (m[1] ?? JSON.parse(`"${m[2]}"`)) : '';
}

interface Candidates {
  /** Scalars the template printed or passed as they are. */
  direct: Set<string>;
  /** Leaves inside maps and lists it printed whole (toYaml). */
  nested: Set<string>;
}

/** Leaf texts of one printed value, at most `budget` nodes (a printed value may be the whole values tree). */
function leaves(v: Value, path: string, visit: (path: string, text: string) => void, budget = { n: 10_000 }): void {
  if (--budget.n < 0) return;
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, childPath(path, i), visit, budget));
  else if (isPlainMap(v)) for (const k of Object.keys(v)) leaves(v[k], childPath(path, k), visit, budget);
  else if (v !== null) visit(path, String(v));
}

export type Tracer = (template: string, text: string, hint?: string | readonly string[]) => Origin | undefined;

/** Index what the templates printed, once; the tracer answers each finding from the index. */
export function makeTracer(emitted: readonly Emitted[], merged: MergedValues): Tracer {
  const byTemplate = new Map<string, Map<string, Candidates>>();
  // The same value printed many times (an `{{#each}}` body) is indexed once.
  const seen = new Map<string, Set<unknown>>();
  for (const e of emitted) {
    const values = seen.get(e.template + '\0' + e.valuePath) ?? new Set<unknown>();
    seen.set(e.template + '\0' + e.valuePath, values);
    if (values.has(e.value)) continue;
    values.add(e.value);
    let texts = byTemplate.get(e.template);
    if (!texts) byTemplate.set(e.template, (texts = new Map<string, Candidates>()));
    leaves(e.value, e.valuePath, (path, text) => {
      let c = texts.get(text);
      if (!c) texts.set(text, (c = { direct: new Set(), nested: new Set() }));
      (path === e.valuePath ? c.direct : c.nested).add(path);
    });
  }
  const keys = new Map<string, string>();
  const keyOf = (p: string): string => {
    let k = keys.get(p);
    if (k === undefined) keys.set(p, (k = lastKey(p)));
    return k;
  };
  // Many findings ask about the same text (20k objects with the tag `latest`): answer each question once.
  const answers = new Map<string, Origin | undefined>();
  return (template, text, hint) => {
    const c = byTemplate.get(template)?.get(text);
    if (!c) return undefined;
    const hints = hint === undefined ? [] : typeof hint === 'string' ? [hint] : hint;
    const q = `${template}\0${text}\0${hints.join('\0')}`;
    if (answers.has(q)) return answers.get(q);
    const origin = answer(c, text, hints);
    answers.set(q, origin);
    return origin;
  };

  function answer({ direct, nested }: Candidates, text: string, hints: readonly string[]): Origin | undefined {
    let keyed: string | undefined;
    let keyedCount = 0;
    const all = direct.size + [...nested].filter((p) => !direct.has(p)).length;
    if (hints.length) {
      for (const p of new Set([...direct, ...nested])) {
        if (hints.includes(keyOf(p))) {
          keyed = p;
          if (++keyedCount > 1) return undefined;
        }
      }
    }
    if (keyedCount === 1) return merged.provenance.get(keyed!)?.origin;
    const distinctive = Number.isNaN(Number(text)) && text !== 'true' && text !== 'false' && text.length >= 3;
    if (direct.size === 1 && (distinctive || hints.length === 0)) return merged.provenance.get([...direct][0])?.origin;
    if (all === 1 && distinctive) return merged.provenance.get([...direct, ...nested][0])?.origin;
    return undefined;
  }
}

const tracers = new WeakMap<readonly Emitted[], { length: number; merged: MergedValues; tracer: Tracer }>();

/** One trace; the index is built on the first call for these `emitted` and reused (see makeTracer). */
export function traceOrigin(emitted: readonly Emitted[], merged: MergedValues, template: string, text: string, hint?: string | readonly string[]): Origin | undefined {
  let hit = tracers.get(emitted);
  if (!hit || hit.length !== emitted.length || hit.merged !== merged) {
    hit = { length: emitted.length, merged, tracer: makeTracer(emitted, merged) };
    tracers.set(emitted, hit);
  }
  return hit.tracer(template, text, hint);
}

/**
 * Where the values behind a rendered text were set: the first of `texts` the tracer can trace (for an image:
 * its tag, then the whole image string, which values may set in one piece). Checks pass their `CheckInput`.
 */
export function traceValue(input: { readonly trace: Tracer }, template: string, texts: string | readonly string[], hint?: string | readonly string[]): Origin | undefined {
  for (const text of typeof texts === 'string' ? [texts] : texts) {
    const origin = input.trace(template, text, hint);
    if (origin) return origin;
  }
  return undefined;
}
