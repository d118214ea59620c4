import type { ErrorObject } from 'ajv';
import { childPath, formatPath, pointerToSegments, type Segment } from '../core/paths.js';

// Ajv errors in strata's words, one wording per keyword for the values schema, Kubernetes and CRD schemas and
// Argo CD Applications: "unknown field" as strata.yaml and the policy file say it, never the value itself
// (values may hold secrets; Argo CD shows the message).

/** The message for one Ajv error. */
export function ajvMessage(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties')
    return `unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}"`;
  if (e.keyword === 'required')
    return `missing required field "${String((e.params as { missingProperty: string }).missingProperty)}"`;
  if (e.keyword === 'enum')
    return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return e.message ?? e.keyword;
}

/**
 * Where one Ajv error is: the segments of its instance and a strata path (`.a.b[0]`), which for
 * `additionalProperties` names the unknown field itself. `isIndex(prefix)` says whether the value at a prefix is a list
 * (Ajv's pointer
 * cannot tell `/0` the index from `/0` the key).
 */
export function ajvPath(e: ErrorObject, isIndex: (prefix: Segment[]) => boolean): { segs: Segment[]; path: string } {
  const segs = pointerToSegments(e.instancePath, (prefix) => isIndex(prefix));
  if (e.keyword === 'additionalProperties') {
    const extra = String((e.params as { additionalProperty: string }).additionalProperty);
    return { segs, path: childPath(segs.length ? formatPath(segs) : '', extra) };
  }
  return { segs, path: formatPath(segs) };
}
