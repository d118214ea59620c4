import { toText } from './guards.js';
// Facts about Kubernetes kinds that rendering needs: which are cluster-scoped, which carry a pod template,
// and the order Helm installs them in (pkg/releaseutil/kind_sorter.go), which Argo CD users also expect.

export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
  // Widely used CRDs that are cluster-scoped.
  'ClusterIssuer',
  'ClusterSecretStore',
  'ClusterPolicy',
  'ClusterIssuerList',
]);

/** Kinds whose pod template lives at spec.template (or spec.jobTemplate.spec.template for CronJob). */
export const POD_TEMPLATE_KINDS: ReadonlySet<string> = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
]);

export const INSTALL_ORDER: readonly string[] = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

/** Group of an apiVersion: `apps/v1` -> `apps`, `v1` -> `` (core). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/**
 * Whether objects of a kind live outside namespaces: the built-in list, plus `extra` (kinds a CRD declares
 * `scope: Cluster`), whose entries are `group/Kind` or a bare `Kind` for any group.
 */
export function isClusterScoped(kind: string, extra?: ReadonlySet<string>, group?: string): boolean {
  return (
    CLUSTER_SCOPED_KINDS.has(kind) ||
    (extra !== undefined && (extra.has(kind) || (group !== undefined && extra.has(`${group}/${kind}`))))
  );
}

type Typed = {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: unknown;
  readonly spec?: unknown;
};

/** `group/Kind` of every CustomResourceDefinition among `objects` that declares `scope: Cluster`. */
export function crdClusterScopedKinds(objects: readonly Typed[]): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition' || groupOf(toText(o.apiVersion)) !== 'apiextensions.k8s.io') continue;
    const spec = (o.spec ?? {}) as { scope?: unknown; group?: unknown; names?: { kind?: unknown } };
    if (spec.scope === 'Cluster' && typeof spec.group === 'string' && typeof spec.names?.kind === 'string')
      out.add(`${spec.group}/${spec.names.kind}`);
  }
  return out;
}

/** The namespace that is part of an object's identity: none for a cluster-scoped kind (Kubernetes ignores it). */
function identityNamespace(o: Typed, extra?: ReadonlySet<string>): string {
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  const kind = toText(o.kind);
  if (isClusterScoped(kind, extra, groupOf(toText(o.apiVersion)))) return '';
  return meta.namespace ? toText(meta.namespace) : '';
}

/** An object's identity in findings and messages: `Kind/namespace/name`, or `Kind/name` without a namespace. */
export function objectId(o: Typed, extraClusterScoped?: ReadonlySet<string>): string {
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  const ns = identityNamespace(o, extraClusterScoped);
  return [toText(o.kind), ...(ns ? [ns] : []), toText(meta.name)].join('/');
}

/**
 * An object's identity in the cluster (group, kind, namespace, name): two objects with one key are one
 * object. A cluster-scoped kind has no namespace in its key, whatever its metadata.namespace says.
 */
export function objectKey(o: Typed, extraClusterScoped?: ReadonlySet<string>): string {
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  return `${groupOf(toText(o.apiVersion))}/${toText(o.kind)}/${identityNamespace(o, extraClusterScoped)}/${toText(meta.name)}`;
}
