import type { ErrorObject } from 'ajv';
import { ajvMessage } from '../validate/ajv-errors.js';
import { applicationErrors } from '../validate/kube-schema.js';

// Argo CD Application objects against the Application CRD's OpenAPI schema. The schema strata validates with
// (src/validate/argocd-application.schema.json, precompiled by the build) is derived from Argo CD's own
// manifests/crds/application-crd.yaml by `applicationSchemaFromCrd`; a test derives it again from the CRD (a
// copy is test/fixtures/argocd/application-crd.yaml) and requires the committed file to be identical, so the two cannot
// drift.
// Like `kubectl apply` with strict field validation, unknown fields are errors: a `selfheal:` typo must fail.

type Schema = Record<string, unknown>;

function withoutDescriptions(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(withoutDescriptions);
  if (typeof s !== 'object' || s === null) return s;
  return Object.fromEntries(
    Object.entries(s)
      .filter(([k]) => k !== 'description')
      .map(([k, v]) => [k, withoutDescriptions(v)]),
  );
}

/** Structural schemas prune unknown fields; strict validation rejects them. Make that explicit for Ajv. */
function closeObjects(s: Schema): Schema {
  const out: Schema = { ...s };
  if (s.properties && typeof s.properties === 'object') {
    out.properties = Object.fromEntries(
      Object.entries(s.properties as Record<string, Schema>).map(([k, v]) => [k, closeObjects(v)]),
    );
    if (s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields'])
      out.additionalProperties = false;
  }
  if (s.items && typeof s.items === 'object') out.items = closeObjects(s.items as Schema);
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    out.additionalProperties = closeObjects(s.additionalProperties as Schema);
  return out;
}

/** The validation schema for Applications from a parsed CRD: descriptions and status dropped, objects closed. */
export function applicationSchemaFromCrd(crd: unknown): Schema {
  const schema = (crd as { spec?: { versions?: { schema?: { openAPIV3Schema?: Schema } }[] } }).spec?.versions?.[0]
    ?.schema?.openAPIV3Schema;
  if (!schema) throw new Error('not an Application CRD: no spec.versions[0].schema.openAPIV3Schema');
  const closed = closeObjects(withoutDescriptions(schema) as Schema);
  const { status: _status, ...properties } = closed.properties as Schema;
  return { ...closed, properties };
}

/** Problems with one Application (empty when valid), each as `.spec.path: message`. */
export function validateApplication(obj: unknown): string[] {
  const o = obj as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) return ['not an object'];
  const problems: string[] = [];
  if (o.apiVersion !== 'argoproj.io/v1alpha1')
    problems.push(`.apiVersion: expected argoproj.io/v1alpha1, found ${JSON.stringify(o.apiVersion)}`);
  if (o.kind !== 'Application') problems.push(`.kind: expected Application, found ${JSON.stringify(o.kind)}`);
  const meta = o.metadata as Record<string, unknown> | undefined;
  if (typeof meta?.name !== 'string' || meta.name === '') problems.push('.metadata.name: required');
  return [...problems, ...applicationErrors(o).map(describe)];
}

function describe(e: ErrorObject): string {
  const path = e.instancePath.replace(/\//g, '.') || '.';
  return `${path}: ${ajvMessage(e)}`;
}
