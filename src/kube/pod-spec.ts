/**
 * Reading a Deployment (or a patch of one) whose shape is not trusted: the live object comes from the API server
 * and the patch from a file, so every level is checked before use. Shared by container-order.ts and
 * sidecar-prune.ts.
 */

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `spec.template.spec`, when every level is an object. */
export function podSpecOf(doc: unknown): JsonObject | undefined {
  const spec = isObject(doc) ? doc.spec : undefined;
  const template = isObject(spec) ? spec.template : undefined;
  const podSpec = isObject(template) ? template.spec : undefined;
  return isObject(podSpec) ? podSpec : undefined;
}

/** The objects of a list field (anything else in it, or a field that is not a list, is ignored). */
export const objectsOf = (list: unknown): JsonObject[] => (Array.isArray(list) ? list.filter(isObject) : []);

/** A copy of `patch` whose `spec.template.spec` is `podSpec`; `patch` must have a pod spec (podSpecOf). */
export function withPodSpec(patch: unknown, podSpec: JsonObject): JsonObject {
  const p = patch as JsonObject & { spec: JsonObject & { template: JsonObject } };
  return { ...p, spec: { ...p.spec, template: { ...p.spec.template, spec: podSpec } } };
}
