import type { CheckInput } from '../core/render.js';
import type { Origin } from '../core/types.js';

/**
 * Where the values that printed `text` were set. The core's trace knows plain `{{values.x}}` prints; a value
 * printed through a helper (`{{required "…" values.image.tag}}`, `toYaml`) is found by its content instead:
 * the one values leaf equal to `text`, or, when several are, the one whose key is `hint` (e.g. `tag`).
 */
export function traceValue(input: Pick<CheckInput, 'trace' | 'merged'>, template: string, text: string, hint?: string): Origin | undefined {
  const direct = input.trace(template, text);
  if (direct) return direct;
  const matches: { path: string; origin: Origin }[] = [];
  for (const [path, entry] of input.merged.provenance) {
    const v = entry.value;
    if (v !== null && typeof v !== 'object' && String(v) === text) matches.push({ path, origin: entry.origin });
  }
  if (matches.length === 1) return matches[0]!.origin;
  const hinted = hint ? matches.filter((m) => m.path.endsWith(`.${hint}`)) : [];
  return hinted.length === 1 ? hinted[0]!.origin : undefined;
}
