import { formatOrigin } from './errors.js';
import { isPlainMap } from './guards.js';
import { childPath } from './paths.js';
import type { MergedValues, Origin, ProvenanceEntry, Value } from './types.js';
import { compareStrings } from './compare.js';
import type { ListRule, ListStrategy } from './merge.js';

// `strata values --explain`: every leaf of the merged values, who set it, and what it overrode; every key a
// `null` deleted; and every list a later step replaced (or appended to, or merged by key, by spec.merge.lists),
// with the step that did it: a list's elements alone would not say that the earlier layer's list is gone.

export interface ExplainStep {
  value: Value;
  origin: Origin;
  /** Human form of the origin: `file:line:col` or the flag. */
  at: string;
}

export interface ExplainRow {
  path: string;
  value: Value;
  deleted: boolean;
  /** Newest first: the step that set (or deleted) it, then each step it overrode. */
  chain: ExplainStep[];
  /** On the row of a list that a later step set again: how that step combined it with the list before. */
  list?: ListStrategy;
}

function chainOf(entry: ProvenanceEntry | undefined): ExplainStep[] {
  const out: ExplainStep[] = [];
  // The whole flag here (`--set replicas=2`): explain prints values on purpose; error messages redact it.
  for (let e = entry; e; e = e.previous)
    out.push({ value: e.deleted ? null : e.value, origin: e.origin, at: e.origin.flag ?? formatOrigin(e.origin) });
  return out;
}

/** `listRules`: the app's spec.merge.lists (without them every list counts as replaced, the default). */
export function explainValues(merged: MergedValues, listRules: readonly ListRule[] = []): ExplainRow[] {
  const rows: ExplainRow[] = [];
  const strategy = new Map(listRules.map((r) => [r.path, r.strategy]));
  const walk = (v: Value, path: string): void => {
    const isLeaf = !(isPlainMap(v) && Object.keys(v).length) && !(Array.isArray(v) && v.length);
    if (isLeaf && path) {
      rows.push({ path, value: v, deleted: false, chain: chainOf(merged.provenance.get(path)) });
      return;
    }
    const entry = Array.isArray(v) ? merged.provenance.get(path) : undefined;
    // A list set by more than one step (a deletion before it is no list to replace).
    if (entry?.previous && !entry.previous.deleted) {
      const how = Array.isArray(entry.previous.value) ? (strategy.get(path) ?? 'replace') : 'replace';
      rows.push({ path, value: v, deleted: false, chain: chainOf(entry), list: how });
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, childPath(path, i)));
    else if (isPlainMap(v)) for (const k of Object.keys(v).sort()) walk(v[k], childPath(path, k));
  };
  walk(merged.values, '');
  for (const [path, entry] of merged.deleted) rows.push({ path, value: null, deleted: true, chain: chainOf(entry) });
  return rows.sort((a, b) => compareStrings(a.path, b.path));
}

/** What an earlier step's value was, for a container whose content the chain does not keep. */
function showBefore(v: Value): string {
  if (Array.isArray(v)) return 'a list';
  if (isPlainMap(v)) return 'a map';
  return show(v);
}

const LIST_VERB: Record<ListStrategy, string> = {
  replace: 'replaced',
  append: 'appended to',
  mergeByKey: 'merged by key into',
};

function show(v: Value): string {
  if (Array.isArray(v)) return v.length ? JSON.stringify(v) : '[]';
  if (isPlainMap(v)) return Object.keys(v).length ? JSON.stringify(v) : '{}';
  return JSON.stringify(v);
}

export function formatExplain(rows: readonly ExplainRow[]): string {
  const out: string[] = [];
  for (const r of rows) {
    const [head, ...rest] = r.chain;
    if (r.list) {
      const n = Array.isArray(r.value) ? r.value.length : 0;
      out.push(`${r.path} (a list of ${n} item${n === 1 ? '' : 's'})`);
      if (head) out.push(`    set at ${head.at}`);
      for (const s of rest)
        out.push(
          `    ${Array.isArray(s.value) ? LIST_VERB[r.list] + ' the list' : 'replaced ' + showBefore(s.value)} from ${s.at}`,
        );
      continue;
    }
    out.push(r.deleted ? `${r.path} (deleted)` : `${r.path} = ${show(r.value)}`);
    if (head) out.push(`    ${r.deleted ? 'deleted' : 'set'} at ${head.at}`);
    for (const s of rest) out.push(`    overrode ${showBefore(s.value)} from ${s.at}`);
  }
  return out.join('\n') + (out.length ? '\n' : '');
}
