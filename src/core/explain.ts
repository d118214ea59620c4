import { formatOrigin } from './errors.js';
import { isPlainMap } from './guards.js';
import { childPath } from './paths.js';
import type { MergedValues, Origin, ProvenanceEntry, Value } from './types.js';
import { compareStrings } from './compare.js';

// `strata values --explain`: every leaf of the merged values, who set it, and what it overrode.

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
}

function chainOf(entry: ProvenanceEntry | undefined): ExplainStep[] {
  const out: ExplainStep[] = [];
  // The whole flag here (`--set replicas=2`): explain prints values on purpose; error messages redact it.
  for (let e = entry; e; e = e.previous) out.push({ value: e.deleted ? null : e.value, origin: e.origin, at: e.origin.flag ?? formatOrigin(e.origin) });
  return out;
}

export function explainValues(merged: MergedValues): ExplainRow[] {
  const rows: ExplainRow[] = [];
  const walk = (v: Value, path: string): void => {
    const isLeaf = !(isPlainMap(v) && Object.keys(v).length) && !(Array.isArray(v) && v.length);
    if (isLeaf && path) {
      rows.push({ path, value: v, deleted: false, chain: chainOf(merged.provenance.get(path)) });
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, childPath(path, i)));
    else if (isPlainMap(v)) for (const k of Object.keys(v).sort()) walk(v[k], childPath(path, k));
  };
  walk(merged.values, '');
  for (const [path, entry] of merged.deleted) rows.push({ path, value: null, deleted: true, chain: chainOf(entry) });
  return rows.sort((a, b) => compareStrings(a.path, b.path));
}

function show(v: Value): string {
  if (Array.isArray(v)) return v.length ? JSON.stringify(v) : '[]';
  if (isPlainMap(v)) return Object.keys(v).length ? JSON.stringify(v) : '{}';
  return JSON.stringify(v);
}

export function formatExplain(rows: readonly ExplainRow[]): string {
  const out: string[] = [];
  for (const r of rows) {
    const [head, ...rest] = r.chain;
    out.push(r.deleted ? `${r.path} (deleted)` : `${r.path} = ${show(r.value)}`);
    if (head) out.push(`    ${r.deleted ? 'deleted' : 'set'} at ${head.at}`);
    for (const s of rest) out.push(`    overrode ${show(s.value)} from ${s.at}`);
  }
  return out.join('\n') + (out.length ? '\n' : '');
}
