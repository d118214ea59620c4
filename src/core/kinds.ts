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
export const POD_TEMPLATE_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

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

/** An object's identity in findings and messages: `Kind/namespace/name`, or `Kind/name` without a namespace. */
export function objectId(o: { readonly kind?: unknown; readonly metadata?: unknown }): string {
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  return [toText(o.kind), ...(meta.namespace ? [toText(meta.namespace)] : []), toText(meta.name)].join('/');
}

/** An object's identity in the cluster (group, kind, namespace, name): two objects with one key are one object. */
export function objectKey(o: { readonly apiVersion?: unknown; readonly kind?: unknown; readonly metadata?: unknown }): string {
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  return `${groupOf(toText(o.apiVersion))}/${toText(o.kind)}/${toText(meta.namespace ?? '')}/${toText(meta.name)}`;
}
