import type { Check, CheckInput } from '../core/render.js';
import { policySchemaPaths } from '../policy/config.js';
import { policyCheck } from '../policy/check.js';
import { crdFiles, loadCrds, type CrdIndex } from '../validate/crd.js';
import { kubeSchemaCheck, type KubeSchemaOptions } from '../validate/kube-schema.js';
import { valuesSchemaCheck } from '../validate/values-schema.js';

/**
 * The checks every render runs (values schema, Kubernetes schemas, per-environment policy), in one list so
 * `render`, `generate`, `lint` and the server agree.
 */
export function standardChecks(opts: KubeSchemaOptions = {}): Check[] {
  return [valuesSchemaCheck(), kubeSchemaCheck({ crds: repoCrds, ...opts }), policyCheck()];
}

// One render asks for the CRDs once per object of a kind without a built-in schema: answer from the first.
const perRender = new WeakMap<CheckInput, CrdIndex | undefined>();

/**
 * The CRDs named by the app's strata-policy.yaml `spec.schemas` (src/validate/crd.ts), read under the
 * render's limits (schemaBytes).
 */
export function repoCrds(input: CheckInput): CrdIndex | undefined {
  if (perRender.has(input)) return perRender.get(input);
  const named = policySchemaPaths(input.fs, input.config, input.caches.parsed);
  const limits = input.limits;
  let index: CrdIndex | undefined;
  if (named && named.paths.length) {
    // Listed anew by every render, never kept by path: two checkouts with the same strata-policy.yaml can
    // hold other files in the named folders (issue 21: the first repository's listing decided which CRDs
    // every later one loaded). A listing is a few stats next to reading the files, which loadCrds does
    // anyway; its parse cache is keyed by the bytes read (docs/caches.md).
    index = loadCrds(input.fs, crdFiles(input.fs, named.paths, named.file), limits);
  }
  perRender.set(input, index);
  return index;
}
