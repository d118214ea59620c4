import type { CheckInput } from '../core/render.js';
import type { Origin } from '../core/types.js';

/**
 * Where the values behind a rendered text were set: the first of `texts` the render can trace (for an image:
 * its tag, then the whole image string, which values may set in one piece). See src/core/trace.ts.
 */
export function traceValue(input: Pick<CheckInput, 'trace'>, template: string, texts: string | readonly string[], hint?: string | readonly string[]): Origin | undefined {
  for (const text of typeof texts === 'string' ? [texts] : texts) {
    const origin = input.trace(template, text, hint);
    if (origin) return origin;
  }
  return undefined;
}
