import { groupOf } from '../core/kinds.js';
import type { K8sObject } from '../core/types.js';
import { isPlainMap } from '../core/guards.js';

// Secret values never reach a diff's output (text, JSON, markdown, the server's page): each value of a
// Secret's `data` and `stringData` is replaced by a run of `+`, the same run for the same value on both
// sides and a longer run for a different one, so a reviewer sees that a key was added, removed or changed
// and never what it holds. This is Argo CD's scheme (gitops-engine pkg/diff/diff.go, HideSecretData: "we
// use "+" rather than the more common "*"", one replacement per distinct value, starting at eight);
// helm-diff redacts Secrets the same way unless --show-secrets is given.

const MASKED_FIELDS = ['data', 'stringData'] as const;
const FIRST_MASK = '++++++++';

type Obj = Record<string, unknown>;

/** A core-group Secret (`v1`); a CRD that happens to be called Secret (another group) is left alone. */
export function isSecret(o: K8sObject | undefined): boolean {
  return o !== undefined && o.kind === 'Secret' && groupOf(String(o.apiVersion)) === '';
}

/** A comparable form of a value: secret data is normally a string, but a template may print anything. */
function canonical(v: unknown): string {
  return typeof v === 'string' ? `s:${v}` : `j:${JSON.stringify(v)}`;
}

/**
 * The two sides of one Secret (either may be absent) with every `data`/`stringData` value replaced by its
 * mask. Equal values get equal masks, different values different ones, so the field diff still shows which
 * keys changed. A field that is not a map (a template bug) is masked whole. Non-Secrets pass unchanged.
 */
export function maskSecretPair(
  before: K8sObject | undefined,
  after: K8sObject | undefined,
): [K8sObject | undefined, K8sObject | undefined] {
  if (!isSecret(before) && !isSecret(after)) return [before, after];
  const sides = [before, after].map((o) => (isSecret(o) ? { ...o! } : o)) as [
    K8sObject | undefined,
    K8sObject | undefined,
  ];
  for (const field of MASKED_FIELDS) {
    const maps = sides.map((o) => (o && field in o ? o[field] : undefined));
    if (maps.every((m) => m === undefined)) continue;
    if (!maps.every((m) => m === undefined || isPlainMap(m))) {
      // Not a map on some side: mask the field as one value.
      const masks = maskValues(maps.map((m) => (m === undefined ? undefined : canonical(m))));
      sides.forEach((o, i) => {
        if (o && maps[i] !== undefined) o[field] = masks[i];
      });
      continue;
    }
    const keys = [...new Set(maps.flatMap((m) => (m ? Object.keys(m) : [])))];
    const out: (Obj | undefined)[] = maps.map((m) => (m ? {} : undefined));
    for (const k of keys) {
      const masks = maskValues(maps.map((m) => (m && Object.hasOwn(m, k) ? canonical(m[k]) : undefined)));
      out.forEach((o, i) => {
        if (o && masks[i] !== undefined) o[k] = masks[i];
      });
    }
    sides.forEach((o, i) => {
      if (o && out[i]) o[field] = out[i];
    });
  }
  return sides;
}

/** One mask per present value: `++++++++` for the first distinct value, one `+` more for each further one. */
function maskValues(values: readonly (string | undefined)[]): (string | undefined)[] {
  const seen = new Map<string, string>();
  return values.map((v) => {
    if (v === undefined) return undefined;
    let m = seen.get(v);
    if (m === undefined) {
      m = FIRST_MASK + '+'.repeat(seen.size);
      seen.set(v, m);
    }
    return m;
  });
}
