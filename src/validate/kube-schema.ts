import type { ErrorObject, ValidateFunction } from 'ajv';
import { valueAt } from '../core/paths.js';
import type { Check, CheckInput } from '../core/render.js';
import type { Finding, K8sObject, Origin, RenderedObject } from '../core/types.js';
import { objectId } from '../core/kinds.js';
import type { CrdIndex } from './crd.js';
import { ajvMessage, ajvPath } from './ajv-errors.js';
import { crdFindings, structuralErrors } from './crd-validate.js';
import { INTRODUCED_APIS, KIND_SCHEMAS, REMOVED_APIS, type ModelClass } from './kube-kinds.js';
import { unknownFieldFindings } from './strict-fields.js';

// Every rendered object of a built-in kind against the Kubernetes OpenAPI schema (kubernetes-models) and its
// field names (strict-fields.ts: unknown fields fail the sync, so they fail the render), and Argo CD
// Applications against the CRD's schema. Kinds without a schema (other CRDs) passed the structural
// check in the core already; they are listed at debug level.

export interface KubeSchemaOptions {
  /** Told about objects of kinds strata has no schema for. */
  debug?: (message: string) => void;
  /** The repository's CRDs for this render (strata-policy.yaml `spec.schemas`), for kinds without a built-in schema. */
  crds?: (input: CheckInput) => CrdIndex | undefined;
}

type Validate = (object: K8sObject) => ErrorObject[];

// apiVersion/kind -> validator, filled on first sight of a kind (module-level: once per process).
const validators = new Map<string, Validate | null>();

function validatorFor(key: string): Validate | null {
  if (validators.has(key)) return validators.get(key)!;
  let v: Validate | null = null;
  if (key === 'argoproj.io/v1alpha1/Application') {
    v = applicationValidator();
  } else {
    const load = KIND_SCHEMAS.get(key);
    if (load) {
      const kind = key.slice(key.lastIndexOf('/') + 1);
      const cls = (load() as Record<string, unknown>)[kind] as ModelClass;
      v = (object) => {
        try {
          cls.prototype.validate.call(object);
          return [];
        } catch (e) {
          const errors = (e as { errors?: ErrorObject[] }).errors;
          if (!errors) throw e;
          return errors;
        }
      };
    }
  }
  validators.set(key, v);
  return v;
}

function applicationValidator(): Validate {
  let validate: ValidateFunction;
  try {
    // Precompiled by scripts/build.mjs next to the bundle (compiling this schema takes ~250 ms).
    validate = require('./vendor/argocd-application-validator.js') as ValidateFunction;
  } catch {
    // Running from source (tests): compile now, with the options the build uses.
    const Ajv = (require('ajv') as { default: new (o: object) => { compile(s: object): ValidateFunction } }).default;
    const schema = require('./argocd-application.schema.json') as object;
    validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema);
  }
  return (object) => (validate(object) ? [] : [...(validate.errors ?? [])]);
}

/** Ajv errors of an Argo CD Application against the CRD-derived schema (empty when valid). */
export function applicationErrors(object: K8sObject): ErrorObject[] {
  return validatorFor('argoproj.io/v1alpha1/Application')!(object);
}

function minorOf(kubeVersion: string): number | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(kubeVersion);
  return m && m[1] === '1' ? Number(m[2]) : undefined;
}

/** Ajv errors of one object, one finding per field path (oneOf/anyOf branches folded into one message). */
export function schemaFindings(
  errors: readonly ErrorObject[],
  ro: RenderedObject,
  input?: Pick<CheckInput, 'tracer'>,
): Finding[] {
  const byPath = new Map<string, string[]>();
  const origins = new Map<string, Origin>();
  for (const e of errors) {
    const { segs, path } = ajvPath(e, (prefix) => Array.isArray(valueAt(ro.object, prefix)));
    const v = valueAt(ro.object, segs);
    const retyped = e.keyword === 'type' && wantsString(e) && (typeof v === 'number' || typeof v === 'boolean');
    if (input && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && !origins.has(path)) {
      const o = input.tracer.scalar(ro.template, v, String(segs[segs.length - 1] ?? ''), retyped);
      if (o) origins.set(path, o);
    }
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') continue; // its branches were reported at the same path
    const msg = retyped
      ? `must be string, found a ${typeof v === 'number' ? 'number' : 'boolean'}: YAML read the printed text as a ${typeof v === 'number' ? 'number' : 'boolean'}; print it with {{quote ...}} to keep it a string`
      : ajvMessage(e);
    const list = byPath.get(path) ?? [];
    if (!list.includes(msg)) list.push(msg);
    byPath.set(path, list);
  }
  return [...byPath].map(([path, msgs]) => ({
    severity: 'error',
    rule: 'kube-schema',
    message: msgs.join(' or '),
    object: objectId(ro.object),
    template: ro.template,
    path,
    ...(origins.has(path) ? { origin: origins.get(path)! } : {}),
  }));
}

/** A `type` error whose allowed types include string (`must be string`, `must be string,null`). */
function wantsString(e: ErrorObject): boolean {
  const t = (e.params as { type?: string | string[] }).type;
  return (Array.isArray(t) ? t : String(t ?? '').split(',')).includes('string');
}

export function kubeSchemaCheck(opts: KubeSchemaOptions = {}): Check {
  return (input) => {
    const minor = minorOf(input.capabilities.kubeVersion);
    const out: Finding[] = [];
    for (const ro of input.objects) {
      const api = String(ro.object.apiVersion);
      const kind = String(ro.object.kind);
      if (minor !== undefined) {
        const removed = REMOVED_APIS.find(
          (r) => r.api === api && (r.kind === '*' || r.kind === kind) && minor >= r.removedIn,
        );
        const introduced = INTRODUCED_APIS.find((r) => r.api === api && r.kind === kind && minor < r.since);
        const problem = removed
          ? `${api} ${kind} is not served since Kubernetes 1.${removed.removedIn} (target: ${input.capabilities.kubeVersion}); use ${removed.use}`
          : introduced
            ? `${api} ${kind} is served from Kubernetes 1.${introduced.since} on (target: ${input.capabilities.kubeVersion})`
            : undefined;
        if (problem) {
          out.push({
            severity: 'error',
            rule: 'kube-api-version',
            message: problem,
            object: objectId(ro.object),
            template: ro.template,
            path: '.apiVersion',
          });
          continue;
        }
      }
      const validate = validatorFor(`${api}/${kind}`);
      // Loaded on the first kind without a built-in schema: a render of built-in kinds only never reads them.
      const crd = validate ? undefined : opts.crds?.(input)?.get(`${api}/${kind}`);
      if (crd) {
        out.push(
          ...crdFindings(
            crd,
            ro,
            objectId(ro.object),
            schemaFindings(structuralErrors(crd, ro), ro, input),
            input.deadline,
          ),
        );
        continue;
      }
      if (!validate) {
        opts.debug?.(`${objectId(ro.object)} (${api}): no schema for this kind, structural check only`);
        continue;
      }
      out.push(...schemaFindings(validate(ro.object), ro, input), ...unknownFieldFindings(ro));
    }
    return out;
  };
}
