import type { LabelKeys } from './config.js';
import { groupOf, isClusterScoped, POD_TEMPLATE_KINDS } from './kinds.js';
import type { K8sObject } from './types.js';
import { isPlainMap, toText } from './guards.js';

// Environment metadata on every object (docs/design.md, "Output"). Selectors are never touched: `spec.selector`
// is immutable on Deployments and StatefulSets, and a changed Service selector silently reroutes traffic.
// Revision and source annotations go on top-level objects only: on a pod template they would restart
// every pod on every commit.

export interface InjectOptions {
  app: string;
  env: string;
  /** Default namespace for namespaced objects that have none. */
  namespace?: string;
  labels: LabelKeys;
  /** Annotations for top-level objects (e.g. strata.dev/revision); empty values are skipped. */
  annotations: Record<string, string>;
  /** Extra cluster-scoped kinds (CRDs) the built-in list does not know: `group/Kind`, or a bare `Kind`. */
  clusterScopedKinds?: ReadonlySet<string>;
}

type Obj = Record<string, unknown>;

function child(o: Obj, key: string): Obj {
  const v = o[key];
  if (isPlainMap(v)) return v;
  const fresh: Obj = {};
  o[key] = fresh;
  return fresh;
}

function podTemplate(obj: K8sObject): Obj | undefined {
  const spec = obj.spec as Obj | undefined;
  if (!spec || typeof spec !== 'object') return undefined;
  const holder = obj.kind === 'CronJob' ? ((spec.jobTemplate as Obj | undefined)?.spec as Obj | undefined) : spec;
  const tpl = holder?.template;
  return typeof tpl === 'object' && tpl !== null ? (tpl as Obj) : undefined;
}

/** Adds labels, annotations and the default namespace in place. */
export function injectMetadata(obj: K8sObject, o: InjectOptions): void {
  const meta = child(obj, 'metadata');
  const labels = child(meta, 'labels');
  labels[o.labels.managedBy] = 'strata';
  if (labels[o.labels.name] === undefined) labels[o.labels.name] = o.app;
  labels[o.labels.environment] = o.env;
  const annotations = Object.entries(o.annotations).filter(([, v]) => v !== '');
  if (annotations.length) {
    const a = child(meta, 'annotations');
    for (const [k, v] of annotations) a[k] = v;
  }
  const kind = String(obj.kind);
  // A cluster-scoped object never gets one; one written by its template is refused before this (structure.ts).
  if (
    o.namespace &&
    meta.namespace === undefined &&
    !isClusterScoped(kind, o.clusterScopedKinds, groupOf(toText(obj.apiVersion)))
  )
    meta.namespace = o.namespace;
  if (POD_TEMPLATE_KINDS.has(kind)) {
    const tpl = podTemplate(obj);
    if (tpl) child(child(tpl, 'metadata'), 'labels')[o.labels.environment] = o.env;
  }
}
