import type { ExplainRow } from './explain.js';
import { isPlainMap } from './guards.js';
import { isSecretOrigin } from './layers.js';
import { childPath } from './paths.js';
import type { MergedValues, Value, Values } from './types.js';

// What strata shows of values decrypted from SOPS layers: nothing. Each one is replaced by the same mask
// Argo CD and `strata diff` use for Secret data, of a fixed length, so not even a value's length shows.
// `--show-secrets` (a local flag) skips these.

export const SECRET_MASK = '++++++++';

/** Whether the node at `path` of the merged values was last set by a decrypted value. */
function isSecretPath(merged: MergedValues, path: string): boolean {
  return isSecretOrigin(merged.provenance.get(path)?.origin);
}

/** The merged values with every decrypted leaf masked (`strata values`). */
export function maskedValues(merged: MergedValues): Values {
  const walk = (v: Value, path: string): Value => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, childPath(path, i)));
    if (isPlainMap(v)) {
      const out: Values = {};
      for (const k of Object.keys(v)) out[k] = walk(v[k], childPath(path, k));
      return out;
    }
    return isSecretPath(merged, path) ? SECRET_MASK : v;
  };
  return walk(merged.values, '') as Values;
}

/** `values --explain` rows with every decrypted value masked: the current one and any it overrode. */
export function maskedExplain(rows: readonly ExplainRow[]): ExplainRow[] {
  return rows.map((r) => {
    const chain = r.chain.map((s) => (isSecretOrigin(s.origin) && s.value !== null ? { ...s, value: SECRET_MASK } : s));
    const head = r.chain[0];
    return { ...r, value: head && isSecretOrigin(head.origin) && !r.deleted ? SECRET_MASK : r.value, chain };
  });
}

/**
 * Every text a decrypted value can print as (strings as they are, numbers and booleans as templates print
 * them), for the policy rule that finds them in rendered objects and for masks outside Secrets.
 */
export function secretTexts(merged: MergedValues): Set<string> {
  const out = new Set<string>();
  for (const [, entry] of merged.provenance) {
    if (!isSecretOrigin(entry.origin)) continue;
    const v = entry.value;
    if (typeof v === 'string' && v !== '') out.add(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out.add(String(v));
  }
  return out;
}
