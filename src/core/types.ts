// Shared types of the core. Everything here is plain data: no I/O, no classes with behaviour.

/** A value in a values tree: what YAML/JSON can hold, with integers kept within 2^53. */
export type Value = string | number | boolean | null | Value[] | Values;
export interface Values {
  [key: string]: Value;
}

/** A Kubernetes object as rendered: a map with at least apiVersion, kind and metadata.name once validated. */
export type K8sObject = Record<string, unknown>;

/** Where a value (or a finding) came from. `file` is repo-relative; `flag` names a command-line flag or an Argo CD parameter. */
export interface Origin {
  file?: string;
  line?: number;
  column?: number;
  /** e.g. `--set image.tag=1.2.3` or `parameter set[image.tag]` */
  flag?: string;
}

/** One step in a value's history: who set it, to what. */
export interface ProvenanceEntry {
  origin: Origin;
  /** The value set at this step (containers are summarised as `{}` / `[]` markers by the explain output). */
  value: Value;
  /** True when this step deleted the key (a `null` in a later layer or `--set k=null`). */
  deleted?: boolean;
  /** The step this one overrode, if any. */
  previous?: ProvenanceEntry;
}

/**
 * Provenance of merged values: canonical value path (see `paths.ts`, e.g. `.image.tag`, `.env[0].name`)
 * to the latest step that set the node. Every node has an entry: maps, lists and leaves.
 */
export type Provenance = Map<string, ProvenanceEntry>;

/** Merged values together with where every node came from, and the keys that were deleted. */
export interface MergedValues {
  values: Values;
  provenance: Provenance;
  /** Paths whose last step deleted them (their entry has `deleted: true`). */
  deleted: Provenance;
}

/** What only the deploy environment knows: filled by Argo CD's build environment or by CLI flags. */
export interface ReleaseInfo {
  /** Resolved commit SHA of the repository (ARGOCD_APP_REVISION), "" locally unless given. */
  revision: string;
  /** The revision strata annotates objects with (per spec.metadata.revision), "" for none. */
  appRevision: string;
  repoURL: string;
  /** Path of the app inside the repository (ARGOCD_APP_SOURCE_PATH, or the app dir locally). */
  path: string;
  targetRevision: string;
  project: string;
  /** Argo CD application name (may be `ns_name`), "" locally. */
  name: string;
}

export interface Capabilities {
  /** e.g. "1.30.0" (no leading v) */
  kubeVersion: string;
  /** `group/version` and `group/version/Kind` entries */
  apiVersions: string[];
}

/** One rendered object and where it came from. */
export interface RenderedObject {
  object: K8sObject;
  /** Repo-relative template file that produced it. */
  template: string;
  /** Index of the document within that template's output (0-based). */
  doc: number;
}

export type Severity = 'error' | 'warn';

/** A problem found by validation or policy. */
export interface Finding {
  severity: Severity;
  /** Rule or check id, e.g. `image-tag-pinned`, `schema`, `values-schema`. */
  rule: string;
  message: string;
  /** `Kind/namespace/name` of the object concerned, if any. */
  object?: string;
  /** Template that produced the object, if any. */
  template?: string;
  /** Field path inside the object or the values, e.g. `.spec.template.spec.containers[0].image`. */
  path?: string;
  /** Where the offending value was set, when it came from values. */
  origin?: Origin;
}
