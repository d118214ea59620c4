// Type guards for parsed data of unknown shape (YAML, JSON, rendered objects).

/**
 * `String(v)`, spelled so the type checker sees every case: the same text for every value (an object's own
 * `toString`, a list joined with commas). For messages and keys built from parsed data of unknown type.
 */
export function toText(v: unknown): string {
  return typeof v === 'object' && v !== null ? (v as { toString(): string }).toString() : String(v);
}

/**
 * The one plain-map test for parsed data: an object that is neither null nor a list. Values never hold class
 * instances, so this is all "a map" means here.
 */
export function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
