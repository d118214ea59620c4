// "Did you mean": the known names closest to a misspelt one, by edit distance.
import { compareStrings } from '../compare.js';

/** Levenshtein distance, stopping early once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/** Up to `n` names within a distance of a third of the name's length (at least 2), closest first; case is ignored. */
export function closestNames(name: string, known: Iterable<string>, n = 3): string[] {
  const max = Math.max(2, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  const scored: [number, string][] = [];
  for (const k of known) {
    if (k.startsWith('__') || k === 'helperMissing' || k === 'blockHelperMissing') continue;
    const d = editDistance(lower, k.toLowerCase(), max);
    if (d <= max) scored.push([d, k]);
  }
  scored.sort((x, y) => x[0] - y[0] || compareStrings(x[1], y[1]));
  return scored.slice(0, n).map(([, k]) => k);
}
