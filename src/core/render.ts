import { defaultCapabilities } from './capabilities.js';
import { loadApp, type App } from './app.js';
import type { AppConfig } from './config.js';
import { parseRendered } from './documents.js';
import { FindingsError } from './errors.js';
import type { ReadOnlyFs } from './fs.js';
import { injectMetadata } from './inject.js';
import { crdClusterScopedKinds } from './kinds.js';
import { DEFAULT_RENDER_LIMITS, type Limits } from './limits.js';
import { isSecretOrigin, loadValues, type LayerDecrypt, type Override } from './layers.js';
import { ParseCache } from './parse-cache.js';
import { sortObjects } from './order.js';
import { checkDuplicates, checkNotEmpty, checkShape } from './structure.js';
import { makeTracer, type Tracer } from './trace.js';
import {
  Budget,
  type RenderDeadline,
  renderObjects,
  TemplateCache,
  type CompiledStore,
  type Emitted,
  type RenderState,
} from './templates.js';
import type { Capabilities, Finding, MergedValues, ReleaseInfo, RenderedObject } from './types.js';

// The pure core: an app (loaded by the caller, core/app.ts, or from its directory) + environment + overrides
// -> ordered, labelled, validated objects.
// It reads only through the file system it is given and never looks at process.env or the clock.
// discover app -> resolve env -> load layers -> merge -> context -> templates -> inject -> checks -> order.

export const ANNOTATION_REVISION = 'strata.dev/revision';
export const ANNOTATION_SOURCE = 'strata.dev/source';

/** Caches that make repeated renders in one process cheap (render --all, the server, benchmarks). */
export interface RenderCaches {
  parsed: ParseCache;
  templates: TemplateCache;
  /** Compiled code kept between processes (templates, values schemas), when the entry point provides one. */
  store?: CompiledStore;
}

/**
 * `immutable: true` for one-shot processes (CLI, Argo CD): files are read once. Long-running processes (the
 * server) keep the default, which re-reads and compares bytes so an edited file is picked up.
 */
export function createCaches(opts: { immutable?: boolean; store?: CompiledStore } = {}): RenderCaches {
  return {
    parsed: new ParseCache(opts.immutable),
    templates: new TemplateCache(opts.immutable, opts.store),
    ...(opts.store ? { store: opts.store } : {}),
  };
}

/** What a check sees: everything the render produced, and a way to find where a rendered text came from. */
export interface CheckInput {
  fs: ReadOnlyFs;
  config: AppConfig;
  env: string;
  merged: MergedValues;
  objects: readonly RenderedObject[];
  capabilities: Capabilities;
  /** The render's caches: checks load their own files (policy, schemas) through `caches.parsed`. */
  caches: RenderCaches;
  /** Which values file:line printed a rendered text (core/trace.ts). */
  tracer: Tracer;
  /** The render's bounds (checks size their own files and budgets by them). */
  limits: Limits;
  /** The namespace objects default to (Argo CD's destination or spec.namespace), "" for none. */
  namespace: string;
  /**
   * The render's deadline (the template budget's clock and instant): every check stops at it, and evaluations
   * with their own budget (CEL rules, schema validation) stop at the earlier of theirs and this.
   */
  deadline: RenderDeadline;
}

/** Validation and policy plug in here: a plain list of functions that return findings. */
export type Check = (input: CheckInput) => Finding[];

/**
 * The app to work on: loaded already (core/app.ts; the caller chose its environment or input list from the
 * same load), or where to load it from.
 */
export type AppSource =
  | { app: App }
  | {
      fs: ReadOnlyFs;
      /** Repo-relative app directory (holding strata.yaml). */
      appDir: string;
    };

/** The app through the render's parse cache, unless the caller loaded it. */
function appOf(source: AppSource, caches?: RenderCaches): App {
  return 'app' in source ? source.app : loadApp(source.fs, source.appDir, caches?.parsed);
}

/** What to render the app with. */
export interface RenderSettings {
  /** Environment name; defaults to spec.defaultEnvironment. */
  env?: string;
  overrides?: readonly Override[];
  release?: Partial<ReleaseInfo>;
  capabilities?: Partial<Capabilities>;
  /** Namespace for namespaced objects without one; wins over spec.namespace (Argo CD's destination). */
  namespace?: string;
  checks?: readonly Check[];
  /** Throw FindingsError when a check reports an error (default). `lint` turns this off to list everything. */
  failOnFindings?: boolean;
  caches?: RenderCaches;
  /** Where `{{log}}` output goes. */
  log?: (message: string) => void;
  /** Bounds on the work of this render (core/limits.ts); defaults when absent. */
  limits?: Limits;
  /**
   * The clock the render budget reads (limits.renderMs); Date.now when absent. Only the deadline uses it: the
   * output never depends on time.
   */
  now?: () => number;
  /** Called with a template's rendered text when it does not parse or fails the raw check (`render --debug`). */
  onBadOutput?: (template: string, text: string) => void;
  /** Decrypts SOPS layers with the entry point's keys (src/secrets); without it an encrypted layer fails. */
  decrypt?: LayerDecrypt;
}

export type RenderOptions = AppSource & RenderSettings;

export interface RenderResult {
  config: AppConfig;
  env: string;
  merged: MergedValues;
  /** Layer files that were read, in merge order. */
  files: string[];
  objects: RenderedObject[];
  /** Findings of the checks: warnings only, unless failOnFindings is false. */
  findings: Finding[];
  emitted: Emitted[];
  /**
   * Files the templates read with `file` (repo-relative, sorted): inputs of the render besides the layers and
   * the templates, for the revision annotation, the server cache and `diff --all`.
   */
  inputs: string[];
  /** Template files of the app that were rendered (repo-relative, sorted; partials excluded). */
  templates: string[];
}

export function emptyRelease(): ReleaseInfo {
  return { revision: '', appRevision: '', repoURL: '', path: '', targetRevision: '', project: '', name: '' };
}

/** Load the app (unless given) and merge its values for an environment (no templates). */
export function resolveValues(
  opts: AppSource & Pick<RenderSettings, 'env' | 'overrides' | 'caches' | 'limits' | 'decrypt'>,
): {
  app: App;
  config: AppConfig;
  env: string;
  merged: MergedValues;
  files: string[];
} {
  const app = appOf(opts, opts.caches);
  const env = app.environment(opts.env);
  const { files, ...merged } = loadValues({
    fs: app.fs,
    layers: app.layerFiles(env),
    listRules: app.config.listRules,
    overrides: opts.overrides ?? [],
    ...(opts.caches ? { cache: opts.caches.parsed } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.decrypt ? { decrypt: opts.decrypt } : {}),
  });
  return { app, config: app.config, env, merged, files };
}

export function render(opts: RenderOptions): RenderResult {
  const caches = opts.caches ?? createCaches();
  const { app, config, env, merged, files } = resolveValues({ ...opts, caches });
  const fs = app.fs;
  const release: ReleaseInfo = { ...emptyRelease(), ...opts.release };
  const capabilities = defaultCapabilities(opts.capabilities);
  const namespace = opts.namespace || config.namespace;

  // One budget for the whole render: compiling the templates, running them, and the checks after them.
  const budget = new Budget(opts.limits ?? DEFAULT_RENDER_LIMITS, opts.now);
  const templatesDir = app.templatesDir();
  const set = caches.templates.load(fs, templatesDir, budget);
  const context = {
    values: merged.values,
    env: { name: env },
    app: { name: config.name, namespace: namespace ?? '' },
    release,
    capabilities,
  };

  const emitted: Emitted[] = [];
  const objects: RenderedObject[] = [];
  const inputs = new Set<string>();
  // Decrypted values in this render: nothing made from them may outlive it (RenderState.secrets).
  const secrets = [...merged.provenance.values()].some((e) => isSecretOrigin(e.origin));
  const templates: string[] = [];
  const hooks = opts.onBadOutput ? { onBadOutput: opts.onBadOutput } : {};
  for (const f of set.files) {
    if (f.kind === 'partial') continue;
    templates.push(f.path);
    if (f.kind === 'static') {
      const text = set.statics.get(f.path)!;
      budget.commit(text.length, f.path);
      objects.push(...parseRendered(text, f.path));
      continue;
    }
    const state: RenderState = {
      template: f.path,
      emitted,
      log: opts.log ?? (() => {}),
      budget,
      inputs,
      fs,
      appDir: config.dir,
      templatesDir,
      ...(secrets ? { secrets } : {}),
      semantics: config.semantics,
    };
    objects.push(...renderObjects(set, f.path, context, state, hooks));
  }

  checkShape(objects);
  const annotations: Record<string, string> = {
    [ANNOTATION_REVISION]: release.appRevision,
    [ANNOTATION_SOURCE]: release.repoURL ? `${release.repoURL}${release.path ? '/' + release.path : ''}` : '',
  };
  // Instances of a cluster-scoped CRD rendered beside it get no namespace, as built-in cluster-scoped kinds.
  const clusterScopedKinds = crdClusterScopedKinds(objects.map((o) => o.object));
  for (const o of objects) {
    injectMetadata(o.object, {
      app: config.name,
      env,
      ...(namespace ? { namespace } : {}),
      labels: config.labels,
      annotations,
      clusterScopedKinds,
    });
  }
  checkDuplicates(objects);
  checkNotEmpty(objects, config.allowEmpty, config.file);

  const tracer = makeTracer(emitted, merged);
  const findings = (opts.checks ?? []).flatMap((check) =>
    check({
      fs,
      config,
      env,
      merged,
      objects,
      capabilities,
      caches,
      tracer,
      limits: opts.limits ?? DEFAULT_RENDER_LIMITS,
      namespace: namespace ?? '',
      deadline: budget,
    }),
  );
  if (opts.failOnFindings !== false && findings.some((f) => f.severity === 'error')) throw new FindingsError(findings);

  return {
    config,
    env,
    merged,
    files,
    objects: sortObjects(objects),
    findings,
    emitted,
    inputs: [...inputs].sort(),
    templates,
  };
}
