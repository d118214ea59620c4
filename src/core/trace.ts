import { isPlainMap } from './guards.js';
import { childPath, pathSteps, stepSegment } from './paths.js';
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
  const step = pathSteps(path).at(-1);
  const seg = step === undefined ? '' : stepSegment(step);
  return typeof seg === 'string' ? seg : '';
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

/** Values keys that usually hold a traced text (`tag`, `host`, `replicaCount`): a candidate under one wins. */
export type Hint = string | readonly string[];

/**
 * The one answer to "which values file:line produced this output text", built once per render from what its
 * templates printed and the merged values. Checks ask it through `CheckInput.tracer`.
 */
export interface Tracer {
  /** The origin of the value that printed `text` in `template` (the one under a `hint` key when several did). */
  origin(template: string, text: string, hint?: Hint): Origin | undefined;
  /**
   * The first of `texts` that traces (for an image: its tag, then the whole image string, which values may
   * set in one piece); none for an empty list.
   */
  first(template: string, texts: string | readonly string[], hint?: Hint): Origin | undefined;
  /**
   * The origin of a scalar of a rendered object found at a field named `key`. `retyped`: a number where a
   * string was expected, which may have been printed from a string whose text YAML normalised (`--set
   * version=1.20` printed bare is the number 1.2): its decimal spellings are tried too, and for those (a text
   * that cannot be a coincidence of the number's own spelling) without the key hint.
   */
  scalar(template: string, value: string | number | boolean, key: string, retyped?: boolean): Origin | undefined;
}

/**
 * The tracer of one render. The index of what the templates printed is built on the first question (most
 * renders have no finding to trace) and answers every later one.
 */
export function makeTracer(emitted: readonly Emitted[], merged: MergedValues): Tracer {
  let index: ((template: string, text: string, hint?: Hint) => Origin | undefined) | undefined;
  const origin = (template: string, text: string, hint?: Hint): Origin | undefined =>
    (index ??= indexEmitted(emitted, merged))(template, text, hint);
  const first = (template: string, texts: string | readonly string[], hint?: Hint): Origin | undefined => {
    for (const text of typeof texts === 'string' ? [texts] : texts) {
      const o = origin(template, text, hint);
      if (o) return o;
    }
    return undefined;
  };
  return {
    origin,
    first,
    scalar(template, value, key, retyped = false) {
      const direct = origin(template, String(value), key);
      if (direct || !retyped || typeof value !== 'number' || Number.isInteger(value)) return direct;
      const spellings: string[] = [];
      for (let d = String(value).split('.')[1]?.length ?? 0; d <= 6; d++) spellings.push(value.toFixed(d));
      for (let z = 1; z <= 4; z++) spellings.push(String(value) + '0'.repeat(z));
      const texts = [...new Set(spellings)].filter((t) => t !== String(value));
      return first(template, texts, key) ?? first(template, texts);
    },
  };
}

/** Index what the templates printed, once; the returned function answers each question from the index. */
function indexEmitted(
  emitted: readonly Emitted[],
  merged: MergedValues,
): (template: string, text: string, hint?: Hint) => Origin | undefined {
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
