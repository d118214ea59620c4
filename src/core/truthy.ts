// Go template truthiness (text/template `truth`, which Helm charts rely on): false, 0, null/undefined, "",
// an empty list and an empty map are false; everything else is true. One rule for `{{#if}}`, `{{#unless}}`,
// `{{#with}}` and the logic helpers (`and`, `or`, `not`, `default`, `empty`, `ternary`, `coalesce`).

import { Produced } from './helpers/base.js';

/** Text a helper or partial produced (`include`, `toYaml`…) is a string to Go: true unless empty. */
export function isTruthy(v: unknown): boolean {
  if (v instanceof Produced) return v.text !== '';
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (typeof v === 'number' && Number.isNaN(v)) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}
