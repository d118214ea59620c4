// The one string order for deterministic output (objects, keys, explain rows, Argo CD env and parameters):
// UTF-16 code units, what `Array.prototype.sort()` does without a comparator, so an explicit comparator and
// a bare `.sort()` agree. Go's byte order, for template map iteration, is `compareKeys` in template/blocks.ts.

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
