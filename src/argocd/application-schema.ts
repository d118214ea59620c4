import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

// Validate Argo CD Application objects against the Application CRD's OpenAPI schema (the file Argo CD ships:
// manifests/crds/application-crd.yaml). Loaded lazily, once per file. Like `kubectl apply` (strict field
// validation since Kubernetes 1.27), unknown fields are errors: a `selfheal:` typo must not pass silently.

/** Where the CRD is looked for, relative to a repository root: the shared fixtures folder beside the repo. */
export const CRD_RELATIVE_PATHS = ['../shared/fixtures/argocd/application-crd.yaml', 'shared/fixtures/argocd/application-crd.yaml'];

/** STRATA_APPLICATION_CRD, else the first CRD_RELATIVE_PATHS match under `repoRoot` or an ancestor of it. */
export function findApplicationCrd(repoRoot: string, env: Readonly<Record<string, string | undefined>> = {}): string | undefined {
  if (env.STRATA_APPLICATION_CRD) return resolve(env.STRATA_APPLICATION_CRD);
  for (let d = resolve(repoRoot); ; d = dirname(d)) {
    for (const rel of CRD_RELATIVE_PATHS) if (existsSync(join(d, rel))) return join(d, rel);
    if (dirname(d) === d) return undefined;
  }
}

type Schema = Record<string, unknown>;

/** Structural schemas prune unknown fields; strict validation rejects them. Make that explicit for ajv. */
function closeObjects(s: Schema): Schema {
  const out: Schema = { ...s };
  if (s.properties && typeof s.properties === 'object') {
    out.properties = Object.fromEntries(Object.entries(s.properties as Record<string, Schema>).map(([k, v]) => [k, closeObjects(v)]));
    if (s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  }
  if (s.items && typeof s.items === 'object') out.items = closeObjects(s.items as Schema);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = closeObjects(s.additionalProperties as Schema);
  return out;
}

const compiled = new Map<string, ValidateFunction>();

function validatorFor(crdPath: string): ValidateFunction {
  const hit = compiled.get(crdPath);
  if (hit) return hit;
  const crd = parse(readFileSync(crdPath, 'utf8')) as { spec?: { versions?: { schema?: { openAPIV3Schema?: Schema } }[] } };
  const schema = crd.spec?.versions?.[0]?.schema?.openAPIV3Schema;
  if (!schema) throw new Error(`${crdPath}: no spec.versions[0].schema.openAPIV3Schema`);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const fn = ajv.compile(closeObjects(schema));
  compiled.set(crdPath, fn);
  return fn;
}

/** Problems with one Application (empty when valid), each as `.spec.path: message`. */
export function validateApplication(obj: unknown, crdPath: string): string[] {
  const problems: string[] = [];
  const o = obj as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) return ['not an object'];
  if (o.apiVersion !== 'argoproj.io/v1alpha1') problems.push(`.apiVersion: expected argoproj.io/v1alpha1, found ${JSON.stringify(o.apiVersion)}`);
  if (o.kind !== 'Application') problems.push(`.kind: expected Application, found ${JSON.stringify(o.kind)}`);
  const meta = o.metadata as Record<string, unknown> | undefined;
  if (typeof meta?.name !== 'string' || meta.name === '') problems.push('.metadata.name: required');
  const fn = validatorFor(crdPath);
  if (!fn(obj)) {
    for (const e of fn.errors ?? []) {
      const path = e.instancePath.replace(/\//g, '.') || '.';
      const extra = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
      problems.push(`${path}: ${e.message ?? e.keyword}${extra}`);
    }
  }
  return problems;
}
