import type { LabelKeys } from '../core/config.js';
import { parseRendered } from '../core/documents.js';
import { UserError } from '../core/errors.js';
import { isPlainMap, toText } from '../core/guards.js';
import {
  crdClusterScopedKinds,
  groupOf,
  isClusterScoped,
  objectId,
  objectKey,
  POD_TEMPLATE_KINDS,
} from '../core/kinds.js';
import { ANNOTATION_REVISION, ANNOTATION_SOURCE } from '../core/render.js';
import type { K8sObject } from '../core/types.js';
import { diffObjects, type ObjectDiff } from './diff.js';

// `strata diff --against-manifests FILE|-` (docs/diff.md): the app's render against any manifest stream
// (`helm template` output, `argocd app manifests`, a file of last week's render). Objects are keyed like
// Argo CD (group, kind, namespace, name; no namespace for a cluster-scoped kind), and, unless asked to
// compare everything, the metadata each tool adds for its own bookkeeping is left out on both sides:
// strata's (core/inject.ts) and Helm's (`helm.sh/chart`, `app.kubernetes.io/managed-by: Helm`; the
// `# Source:` lines are YAML comments, which the reader drops). Pure: text and objects in, diffs out.

/** Labels Helm's chart scaffolding prints on every object (helm/helm pkg/chartutil/create.go, `<chart>.labels`). */
const HELM_CHART_LABEL = 'helm.sh/chart';
/** Helm's key, whatever label keys the app gives strata (spec.metadata.labels). */
const HELM_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** Annotations `helm install` (not `helm template`) adds; `argocd app manifests --source live` shows them. */
const HELM_RELEASE_ANNOTATIONS = ['meta.helm.sh/release-name', 'meta.helm.sh/release-namespace'];

/**
 * The objects of a manifest stream. Read with the reader strata uses for its own rendered output, so a
 * document means the same here as in a render (a `v1/List` or any object with `items` is its items; empty
 * documents, such as Helm's `# Source:` of a template that printed nothing, are dropped). `source` names the
 * stream in errors (`-` for stdin).
 */
export function readManifestStream(text: string, source: string): K8sObject[] {
  const objects = parseRendered(text, source);
  const seen = new Map<string, number>();
  const crdScoped = crdClusterScopedKinds(objects.map((o) => o.object));
  objects.forEach(({ object, doc }) => {
    const meta = object.metadata;
    if (
      typeof object.apiVersion !== 'string' ||
      typeof object.kind !== 'string' ||
      !isPlainMap(meta) ||
      typeof meta.name !== 'string' ||
      meta.name === ''
    ) {
      throw new UserError(
        `document ${doc + 1} is not a Kubernetes object: it needs apiVersion, kind and metadata.name (strings)`,
        { file: source },
      );
    }
    const key = objectKey(object, crdScoped);
    const first = seen.get(key);
    if (first !== undefined)
      throw new UserError(
        `documents ${first + 1} and ${doc + 1} are the same object (${objectId(object, crdScoped)})`,
        { file: source },
      );
    seen.set(key, doc);
  });
  return objects.map((o) => o.object);
}

/** What strata injected into the render being compared (core/render.ts, core/inject.ts). */
export interface InjectedMetadata {
  labels: LabelKeys;
  /** The app's name (the value of the `name` label strata adds when a template did not). */
  app: string;
  env: string;
  /** The namespace strata gave namespaced objects without one ('' for none). */
  namespace: string;
}

export interface ManifestDiffOptions {
  injected: InjectedMetadata;
  /** Compare the objects exactly as given: no metadata left out, no namespace filled in. */
  compareAll?: boolean;
  showSecrets?: boolean;
}

type Obj = Record<string, unknown>;

/** A copy of `map` without `keys` for which `drop(key, value)` holds; undefined when nothing is left. */
function without(map: unknown, drop: (key: string, value: unknown) => boolean): Obj | undefined {
  if (!isPlainMap(map)) return map as Obj | undefined;
  const out: Obj = {};
  for (const [k, v] of Object.entries(map)) if (!drop(k, v)) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

function withMeta(
  holder: Obj,
  drop: { label: (k: string, v: unknown) => boolean; annotation: (k: string, v: unknown) => boolean },
): Obj {
  if (!isPlainMap(holder.metadata)) return holder;
  const { labels, annotations, ...rest } = holder.metadata;
  const l = without(labels, drop.label);
  const a = without(annotations, drop.annotation);
  const meta = { ...rest, ...(l ? { labels: l } : {}), ...(a ? { annotations: a } : {}) };
  // A pod template whose only metadata was strata's label: no `metadata: {}` left behind to show as a change.
  if (Object.keys(meta).length === 0) {
    const { metadata: _m, ...bare } = holder;
    return bare;
  }
  return { ...holder, metadata: meta };
}

/**
 * One object without the bookkeeping of strata and Helm, and with the namespace Argo CD would give it (the
 * destination, which is what strata injects) when it is namespaced and has none. Applied to both sides alike,
 * so a stream that is itself a strata render (last week's output) compares the same way. A label is left out
 * only when it holds the injected value: a template that sets `app.kubernetes.io/name` to something else
 * still shows.
 */
export function withoutBookkeeping(o: K8sObject, m: InjectedMetadata, clusterScoped: ReadonlySet<string>): K8sObject {
  const l = m.labels;
  const label = (k: string, v: unknown): boolean =>
    k === HELM_CHART_LABEL ||
    (k === HELM_MANAGED_BY && v === 'Helm') ||
    (k === l.managedBy && v === 'strata') ||
    (k === l.name && v === m.app) ||
    (k === l.environment && v === m.env);
  const annotation = (k: string): boolean =>
    k === ANNOTATION_REVISION || k === ANNOTATION_SOURCE || HELM_RELEASE_ANNOTATIONS.includes(k);
  let out = withMeta(o, { label, annotation });
  const kind = toText(o.kind);
  const meta = out.metadata;
  if (
    m.namespace &&
    isPlainMap(meta) &&
    meta.namespace === undefined &&
    !isClusterScoped(kind, clusterScoped, groupOf(toText(o.apiVersion)))
  ) {
    out = { ...out, metadata: { ...meta, namespace: m.namespace } };
  }
  if (POD_TEMPLATE_KINDS.has(kind) && isPlainMap(out.spec)) {
    // strata labels the pod template with the environment too (inject.ts); nothing else there is touched.
    const podLabel = (k: string, v: unknown): boolean => k === l.environment && v === m.env;
    const none = (): boolean => false;
    if (kind === 'CronJob') {
      const jt = out.spec.jobTemplate;
      if (isPlainMap(jt) && isPlainMap(jt.spec) && isPlainMap(jt.spec.template)) {
        out = {
          ...out,
          spec: {
            ...out.spec,
            jobTemplate: {
              ...jt,
              spec: { ...jt.spec, template: withMeta(jt.spec.template, { label: podLabel, annotation: none }) },
            },
          },
        };
      }
    } else if (isPlainMap(out.spec.template)) {
      out = {
        ...out,
        spec: { ...out.spec, template: withMeta(out.spec.template, { label: podLabel, annotation: none }) },
      };
    }
  }
  return out;
}

/**
 * The stream ("before") against the render ("after"), object by object, as `diff --against` reports it.
 * Secret values are masked unless `showSecrets` (diffObjects does it).
 */
export function diffAgainstManifests(
  manifests: readonly K8sObject[],
  rendered: readonly K8sObject[],
  opts: ManifestDiffOptions,
): ObjectDiff[] {
  // Cluster-scoped kinds of CRDs from either side key their instances without a namespace on both.
  const clusterScoped = crdClusterScopedKinds([...manifests, ...rendered]);
  const clean = (objects: readonly K8sObject[]) =>
    opts.compareAll ? [...objects] : objects.map((o) => withoutBookkeeping(o, opts.injected, clusterScoped));
  return diffObjects(clean(manifests), clean(rendered), {
    showSecrets: opts.showSecrets === true,
    clusterScopedKinds: clusterScoped,
  });
}
