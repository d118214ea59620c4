// The Argo CD config management plugin contract (CMP v2), as types and names in one place.
// Source: docs/argocd-cmp-contract.md, read from Argo CD's own code (cmpserver, repository.go).

/** `metadata.name` and `spec.version` of plugin.yaml: Applications name the plugin `strata-v1`. */
export const PLUGIN_NAME = 'strata';
export const PLUGIN_VERSION = 'v1';
/**
 * What an Application's `spec.source.plugin.name` must say: the sidecar's socket is `<name>-<version>`, so
 * with `spec.version: v1` a bare `strata` matches nothing in Argo CD (and is refused here too).
 */
export const PLUGIN_REFERENCE = `${PLUGIN_NAME}-${PLUGIN_VERSION}`;

/** Argo CD's own namespace; Applications elsewhere get `ARGOCD_APP_NAME=<namespace>_<name>`. */
export const CONTROL_PLANE_NAMESPACE = 'argocd';

/** Build variables the repo-server sends with `generate` (and `init`). */
export const BUILD_VARS = [
  'ARGOCD_APP_NAME',
  'ARGOCD_APP_NAMESPACE',
  'ARGOCD_APP_PROJECT_NAME',
  'ARGOCD_APP_REVISION',
  'ARGOCD_APP_REVISION_SHORT',
  'ARGOCD_APP_REVISION_SHORT_8',
  'ARGOCD_APP_SOURCE_REPO_URL',
  'ARGOCD_APP_SOURCE_PATH',
  'ARGOCD_APP_SOURCE_TARGET_REVISION',
  'KUBE_VERSION',
  'KUBE_API_VERSIONS',
] as const;
export type BuildVar = (typeof BUILD_VARS)[number];

/** The subset `parameters.dynamic` gets (no revision, namespace or KUBE_*). */
export const DYNAMIC_PARAMETER_VARS: readonly BuildVar[] = [
  'ARGOCD_APP_NAME',
  'ARGOCD_APP_SOURCE_REPO_URL',
  'ARGOCD_APP_SOURCE_PATH',
  'ARGOCD_APP_SOURCE_TARGET_REVISION',
];

/**
 * The app path below the tarball root, as open upstream PR 29657 would send it (not in Argo CD 3.6): "." or
 * the whole source path when the whole repository was sent, a shorter tail for a partial tree.
 */
export const TARBALL_REL_PATH_VAR = 'ARGOCD_APP_TARBALL_REL_PATH';

export const ENV_PREFIX = 'ARGOCD_ENV_';
export const PARAMETERS_VAR = 'ARGOCD_APP_PARAMETERS';
/** `plugin.env` entry that picks the environment when no `env` parameter is set. */
export const ENV_VAR_STRATA_ENV = `${ENV_PREFIX}STRATA_ENV`;

export type Env = Readonly<Record<string, string | undefined>>;

/** One parameter as an Application sets it (and as ARGOCD_APP_PARAMETERS carries it). */
export interface ParameterValue {
  name: string;
  string?: string;
  array?: string[];
  map?: Record<string, string>;
}

export type CollectionType = '' | 'string' | 'array' | 'map';

/** One entry of `parameters.static` / the JSON array `parameters.dynamic` prints. */
export interface Announcement {
  name: string;
  title?: string;
  tooltip?: string;
  required?: boolean;
  itemType?: string;
  collectionType: CollectionType;
  string?: string;
  array?: string[];
  map?: Record<string, string>;
}

/** The `spec.source.plugin` section of an Application. */
export interface PluginSource {
  name?: string;
  env?: { name: string; value: string }[];
  parameters?: ParameterValue[];
}
