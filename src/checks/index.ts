import type { Check } from '../core/render.js';

/**
 * The checks every render runs (values schema, Kubernetes schemas, per-environment policy), in one list so
 * `render`, `generate`, `lint` and the server agree. Owned by the validation/policy work (issue 4).
 */
export function standardChecks(): Check[] {
  return [];
}
