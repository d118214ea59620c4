import type { Capabilities } from './types.js';

// What a render may assume about the cluster when nothing says otherwise (local runs). Inside Argo CD,
// KUBE_VERSION and KUBE_API_VERSIONS replace these.

export const DEFAULT_KUBE_VERSION = '1.31.0';

const GROUP_VERSIONS: Record<string, string[]> = {
  v1: [
    'ConfigMap',
    'Endpoints',
    'Event',
    'LimitRange',
    'Namespace',
    'Node',
    'PersistentVolume',
    'PersistentVolumeClaim',
    'Pod',
    'ReplicationController',
    'ResourceQuota',
    'Secret',
    'Service',
    'ServiceAccount',
  ],
  'apps/v1': ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'],
  'autoscaling/v1': ['HorizontalPodAutoscaler'],
  'autoscaling/v2': ['HorizontalPodAutoscaler'],
  'batch/v1': ['CronJob', 'Job'],
  'policy/v1': ['PodDisruptionBudget'],
  'networking.k8s.io/v1': ['Ingress', 'IngressClass', 'NetworkPolicy'],
  'rbac.authorization.k8s.io/v1': ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  'storage.k8s.io/v1': ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'],
  'scheduling.k8s.io/v1': ['PriorityClass'],
  'node.k8s.io/v1': ['RuntimeClass'],
  'coordination.k8s.io/v1': ['Lease'],
  'discovery.k8s.io/v1': ['EndpointSlice'],
  'apiextensions.k8s.io/v1': ['CustomResourceDefinition'],
  'admissionregistration.k8s.io/v1': [
    'MutatingWebhookConfiguration',
    'ValidatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
  ],
  'certificates.k8s.io/v1': ['CertificateSigningRequest'],
  'apiregistration.k8s.io/v1': ['APIService'],
};

/** Sorted `group/version` and `group/version/Kind` entries, the shape Argo CD's KUBE_API_VERSIONS has. */
export const DEFAULT_API_VERSIONS: readonly string[] = Object.entries(GROUP_VERSIONS)
  .flatMap(([gv, kinds]) => [gv, ...kinds.map((k) => `${gv}/${k}`)])
  .sort();

/** Argo CD's KUBE_API_VERSIONS (and the --api-versions flag): comma-separated, blanks around entries ignored. */
export function parseApiVersions(csv: string | undefined): string[] {
  return (csv ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function defaultCapabilities(overrides: Partial<Capabilities> = {}): Capabilities {
  return {
    kubeVersion: overrides.kubeVersion || DEFAULT_KUBE_VERSION,
    apiVersions:
      overrides.apiVersions && overrides.apiVersions.length ? [...overrides.apiVersions] : [...DEFAULT_API_VERSIONS],
  };
}
