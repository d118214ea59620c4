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
    // The files under the named paths are listed once per cache (a render --all lists them once); each
    // render still re-reads them (the server sees an edited CRD at once; a new file in a listed folder once
    // strata-policy.yaml changes or the server restarts).
    const key = `${named.file}\0${named.paths.map((p) => p.path).join('\0')}`;
    let byKey = listed.get(input.caches.parsed);
    if (!byKey) listed.set(input.caches.parsed, (byKey = new Map<string, string[]>()));
    let files = byKey.get(key);
    if (!files) byKey.set(key, (files = crdFiles(input.fs, named.paths, named.file)));
    index = loadCrds(input.fs, files, limits);
  }
  perRender.set(input, index);
  return index;
}

const listed = new WeakMap<object, Map<string, string[]>>();
