// Which built-in kinds strata validates, and where their schema lives. Every entry is a literal `require`, so
// the bundler includes exactly these validators, and each is initialised only when an object of that kind is
// first seen (render of an app with a Deployment never loads the CronJob or CRD validators).
//
// The validators are kubernetes-models 4.5 (precompiled Ajv code generated from the Kubernetes 1.33 OpenAPI
// spec; docs/validation.md). A kind missing here passes with the structural check only.

/** A kubernetes-models class: its prototype's `validate` checks `this` and throws with Ajv errors. */
export interface ModelClass {
  prototype: { validate(this: unknown): void };
}

type Loader = () => unknown;

export const KIND_SCHEMAS: ReadonlyMap<string, Loader> = new Map<string, Loader>([
  ['v1/ConfigMap', (): unknown => require('kubernetes-models/v1/ConfigMap')],
  ['v1/Secret', (): unknown => require('kubernetes-models/v1/Secret')],
  ['v1/Service', (): unknown => require('kubernetes-models/v1/Service')],
  ['v1/ServiceAccount', (): unknown => require('kubernetes-models/v1/ServiceAccount')],
  ['v1/Pod', (): unknown => require('kubernetes-models/v1/Pod')],
  ['v1/PersistentVolumeClaim', (): unknown => require('kubernetes-models/v1/PersistentVolumeClaim')],
  ['v1/PersistentVolume', (): unknown => require('kubernetes-models/v1/PersistentVolume')],
  ['v1/Namespace', (): unknown => require('kubernetes-models/v1/Namespace')],
  ['v1/LimitRange', (): unknown => require('kubernetes-models/v1/LimitRange')],
  ['v1/ResourceQuota', (): unknown => require('kubernetes-models/v1/ResourceQuota')],
  ['v1/Endpoints', (): unknown => require('kubernetes-models/v1/Endpoints')],
  ['apps/v1/Deployment', (): unknown => require('kubernetes-models/apps/v1/Deployment')],
  ['apps/v1/StatefulSet', (): unknown => require('kubernetes-models/apps/v1/StatefulSet')],
  ['apps/v1/DaemonSet', (): unknown => require('kubernetes-models/apps/v1/DaemonSet')],
  ['apps/v1/ReplicaSet', (): unknown => require('kubernetes-models/apps/v1/ReplicaSet')],
  ['batch/v1/Job', (): unknown => require('kubernetes-models/batch/v1/Job')],
  ['batch/v1/CronJob', (): unknown => require('kubernetes-models/batch/v1/CronJob')],
  [
    'autoscaling/v1/HorizontalPodAutoscaler',
    (): unknown => require('kubernetes-models/autoscaling/v1/HorizontalPodAutoscaler'),
  ],
  [
    'autoscaling/v2/HorizontalPodAutoscaler',
    (): unknown => require('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'),
  ],
  ['policy/v1/PodDisruptionBudget', (): unknown => require('kubernetes-models/policy/v1/PodDisruptionBudget')],
  ['networking.k8s.io/v1/Ingress', (): unknown => require('kubernetes-models/networking.k8s.io/v1/Ingress')],
  ['networking.k8s.io/v1/IngressClass', (): unknown => require('kubernetes-models/networking.k8s.io/v1/IngressClass')],
  [
    'networking.k8s.io/v1/NetworkPolicy',
    (): unknown => require('kubernetes-models/networking.k8s.io/v1/NetworkPolicy'),
  ],
  ['rbac.authorization.k8s.io/v1/Role', (): unknown => require('kubernetes-models/rbac.authorization.k8s.io/v1/Role')],
  [
    'rbac.authorization.k8s.io/v1/RoleBinding',
    (): unknown => require('kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding'),
  ],
  [
    'rbac.authorization.k8s.io/v1/ClusterRole',
    (): unknown => require('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole'),
  ],
  [
    'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
    (): unknown => require('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding'),
  ],
  ['storage.k8s.io/v1/StorageClass', (): unknown => require('kubernetes-models/storage.k8s.io/v1/StorageClass')],
  [
    'scheduling.k8s.io/v1/PriorityClass',
    (): unknown => require('kubernetes-models/scheduling.k8s.io/v1/PriorityClass'),
  ],
  ['coordination.k8s.io/v1/Lease', (): unknown => require('kubernetes-models/coordination.k8s.io/v1/Lease')],
  ['discovery.k8s.io/v1/EndpointSlice', (): unknown => require('kubernetes-models/discovery.k8s.io/v1/EndpointSlice')],
  [
    'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration',
    (): unknown => require('kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration'),
  ],
  [
    'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration',
    (): unknown => require('kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration'),
  ],
  ['v1/PodTemplate', (): unknown => require('kubernetes-models/v1/PodTemplate')],
  ['v1/ReplicationController', (): unknown => require('kubernetes-models/v1/ReplicationController')],
  ['apps/v1/ControllerRevision', (): unknown => require('kubernetes-models/apps/v1/ControllerRevision')],
  ['node.k8s.io/v1/RuntimeClass', (): unknown => require('kubernetes-models/node.k8s.io/v1/RuntimeClass')],
  ['storage.k8s.io/v1/CSIDriver', (): unknown => require('kubernetes-models/storage.k8s.io/v1/CSIDriver')],
  [
    'storage.k8s.io/v1/VolumeAttachment',
    (): unknown => require('kubernetes-models/storage.k8s.io/v1/VolumeAttachment'),
  ],
  [
    'certificates.k8s.io/v1/CertificateSigningRequest',
    (): unknown => require('kubernetes-models/certificates.k8s.io/v1/CertificateSigningRequest'),
  ],
  [
    'apiregistration.k8s.io/v1/APIService',
    (): unknown => require('kubernetes-models/apiregistration.k8s.io/v1/APIService'),
  ],
  [
    'flowcontrol.apiserver.k8s.io/v1/FlowSchema',
    (): unknown => require('kubernetes-models/flowcontrol.apiserver.k8s.io/v1/FlowSchema'),
  ],
  [
    'flowcontrol.apiserver.k8s.io/v1/PriorityLevelConfiguration',
    (): unknown => require('kubernetes-models/flowcontrol.apiserver.k8s.io/v1/PriorityLevelConfiguration'),
  ],
  [
    'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy',
    (): unknown => require('kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy'),
  ],
  [
    'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding',
    (): unknown => require('kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding'),
  ],
]);

/**
 * API versions the API server no longer serves from a Kubernetes minor version on: KUBE_VERSION (Argo CD's
 * build environment, or --kube-version) decides. `*` is every kind of that group/version.
 * (kubernetes.io/docs/reference/using-api/deprecation-guide/)
 */
export const REMOVED_APIS: readonly { api: string; kind: string; removedIn: number; use: string }[] = [
  { api: 'extensions/v1beta1', kind: '*', removedIn: 16, use: 'apps/v1 or networking.k8s.io/v1' },
  { api: 'apps/v1beta1', kind: '*', removedIn: 16, use: 'apps/v1' },
  { api: 'apps/v1beta2', kind: '*', removedIn: 16, use: 'apps/v1' },
  { api: 'networking.k8s.io/v1beta1', kind: 'Ingress', removedIn: 22, use: 'networking.k8s.io/v1' },
  { api: 'networking.k8s.io/v1beta1', kind: 'IngressClass', removedIn: 22, use: 'networking.k8s.io/v1' },
  { api: 'rbac.authorization.k8s.io/v1beta1', kind: '*', removedIn: 22, use: 'rbac.authorization.k8s.io/v1' },
  { api: 'apiextensions.k8s.io/v1beta1', kind: '*', removedIn: 22, use: 'apiextensions.k8s.io/v1' },
  {
    api: 'admissionregistration.k8s.io/v1beta1',
    kind: 'MutatingWebhookConfiguration',
    removedIn: 22,
    use: 'admissionregistration.k8s.io/v1',
  },
  {
    api: 'admissionregistration.k8s.io/v1beta1',
    kind: 'ValidatingWebhookConfiguration',
    removedIn: 22,
    use: 'admissionregistration.k8s.io/v1',
  },
  { api: 'scheduling.k8s.io/v1beta1', kind: '*', removedIn: 22, use: 'scheduling.k8s.io/v1' },
  { api: 'batch/v1beta1', kind: 'CronJob', removedIn: 25, use: 'batch/v1' },
  { api: 'policy/v1beta1', kind: 'PodDisruptionBudget', removedIn: 25, use: 'policy/v1' },
  { api: 'policy/v1beta1', kind: 'PodSecurityPolicy', removedIn: 25, use: 'Pod Security Admission' },
  { api: 'discovery.k8s.io/v1beta1', kind: 'EndpointSlice', removedIn: 25, use: 'discovery.k8s.io/v1' },
  { api: 'autoscaling/v2beta1', kind: 'HorizontalPodAutoscaler', removedIn: 25, use: 'autoscaling/v2' },
  { api: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', removedIn: 26, use: 'autoscaling/v2' },
  { api: 'flowcontrol.apiserver.k8s.io/v1beta2', kind: '*', removedIn: 29, use: 'flowcontrol.apiserver.k8s.io/v1' },
  { api: 'flowcontrol.apiserver.k8s.io/v1beta3', kind: '*', removedIn: 32, use: 'flowcontrol.apiserver.k8s.io/v1' },
];

/** Minimum minor version (Kubernetes 1.N) that serves these GA APIs. */
export const INTRODUCED_APIS: readonly { api: string; kind: string; since: number }[] = [
  { api: 'networking.k8s.io/v1', kind: 'Ingress', since: 19 },
  { api: 'policy/v1', kind: 'PodDisruptionBudget', since: 21 },
  { api: 'batch/v1', kind: 'CronJob', since: 21 },
  { api: 'discovery.k8s.io/v1', kind: 'EndpointSlice', since: 21 },
  { api: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', since: 23 },
  { api: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', since: 29 },
  { api: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', since: 29 },
  { api: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', since: 30 },
  { api: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', since: 30 },
];
