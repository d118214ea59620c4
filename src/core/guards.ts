// The one plain-map test for parsed data (YAML, JSON, rendered objects): an object that is neither null nor a
// list. Values never hold class instances, so this is all "a map" means here.

export function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
