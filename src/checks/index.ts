import type { Check } from '../core/render.js';
import { policyCheck } from '../policy/check.js';
import { kubeSchemaCheck, type KubeSchemaOptions } from '../validate/kube-schema.js';
import { valuesSchemaCheck } from '../validate/values-schema.js';

/**
 * The checks every render runs (values schema, Kubernetes schemas, per-environment policy), in one list so
 * `render`, `generate`, `lint` and the server agree. Owned by the validation/policy work (issue 4).
 */
export function standardChecks(opts: KubeSchemaOptions = {}): Check[] {
  return [valuesSchemaCheck(), kubeSchemaCheck(opts), policyCheck()];
}
