import { lstatSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { standardChecks } from '../checks/index.js';
import { UserError } from '../core/errors.js';
import { resolvePath } from '../core/fs.js';
import { decodeUtf8, PROFILES, readYaml } from '../core/untrusted-yaml.js';
import { BoundedReadError, readBounded } from '../io/bounded-read.js';
import type { Check } from '../core/render.js';
import type { CompiledStore } from '../core/templates.js';
import { validateApplication } from './application-schema.js';
import { DiskFs } from '../io/disk-fs.js';
import type { LastCommit } from './app-revision.js';
import { appName, dynamicParametersEnv, pluginCommandEnv, type BuildVars } from './build-env.js';
import { PLUGIN_REFERENCE, type Env, type PluginSource } from './contract.js';
import { generateManifests, type GenerateResult } from './generate.js';
import { normalizeSourcePath } from './render-options.js';
import { applySourceOverrides } from './source-overrides.js';
import { applicationRootPath, MANIFEST_GENERATE_PATHS, type Readlink } from './root-path.js';

// `strata render --application FILE`: what the sidecar would print for an Application, on a laptop. Rebuilds
// the environment the repo-server sends (build variables, plugin.env interpolated, ARGOCD_APP_PARAMETERS,
// PARAM_*, the ns_ app name) and runs the same code path as `strata generate`, in the app directory.

export interface RenderApplicationOptions {
  /** The Application manifest (one file, possibly several documents). */
  appFile: string;
  /** metadata.name to pick when the file holds several Applications. */
  name?: string;
  /** The repository root spec.source.path is relative to. */
  repoRoot: string;
  /** What only a live Argo CD knows: the resolved commit SHA (ARGOCD_APP_REVISION). */
  revision?: string;
  /** KUBE_VERSION, e.g. 1.31.0. */
  kubeVersion?: string;
  /** KUBE_API_VERSIONS entries. */
  apiVersions?: readonly string[];
  /**
   * The namespace Argo CD's controller runs in (default argocd): Applications elsewhere get
   * ARGOCD_APP_NAME `<namespace>_<name>`.
   */
  controllerNamespace?: string;
  /** The sidecar's own environment; only PATH and HOME are kept (local settings must not leak in). */
  processEnv?: Env;
  /** Default: standardChecks(), as generate. */
  checks?: readonly Check[];
  lastCommit?: LastCommit;
  log?: (message: string) => void;
  debug?: (message: string, fields: Record<string, unknown>) => void;
  store?: CompiledStore;
  /**
   * Emulate `reposerver.plugin.use.manifest.generate.paths`: read only the folder Argo CD would send for the
   * Application's manifest-generate-paths annotation (src/argocd/root-path.ts). Default: the sidecar
   * environment's ARGOCD_REPO_SERVER_PLUGIN_USE_MANIFEST_GENERATE_PATHS, upstream's own variable for it.
   */
  useManifestGeneratePaths?: boolean;
}

/** The repo-server's variable for reposerver.plugin.use.manifest.generate.paths (argocd_repo_server.go:279). */
export const USE_MANIFEST_GENERATE_PATHS_VAR = 'ARGOCD_REPO_SERVER_PLUGIN_USE_MANIFEST_GENERATE_PATHS';

export interface RenderApplicationResult extends GenerateResult {
  /** Exactly the environment the command saw. */
  env: Record<string, string>;
  /** The app directory (absolute), where the sidecar would run the command. */
  cwd: string;
  application: string;
  /** The .argocd-source*.yaml files applied to the source (repo-relative). */
  sourceOverrides: string[];
  /** metadata.annotations of the Application (manifest-generate-paths among them). */
  annotations: Record<string, string>;
}

export interface ApplicationDoc {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: {
    project?: string;
    destination?: { server?: string; name?: string; namespace?: string };
    source?: ApplicationSource;
    sources?: ApplicationSource[];
  };
}
interface ApplicationSource {
  repoURL?: string;
  path?: string;
  targetRevision?: string;
  plugin?: PluginSource;
}

/** The Applications of a file, by metadata.name; `name` picks one, else there must be exactly one. */
export function pickApplication(text: string, file: string, name?: string): ApplicationDoc {
  const apps: ApplicationDoc[] = [];
  // The one reader of untrusted YAML, as Argo CD's Go reader would read it (untrusted-yaml.ts, profile argocd).
  for (const doc of readYaml(text, file, PROFILES.argocd)) {
    const v = doc as { kind?: string } | null;
    if (v && typeof v === 'object' && v.kind === 'Application') apps.push(v);
  }
  const names = apps.map((a) => a.metadata?.name ?? '(no name)');
  if (apps.length === 0) throw new UserError('no Application in this file', { file });
  if (name !== undefined) {
    const hit = apps.filter((a) => a.metadata?.name === name);
    if (hit.length !== 1)
      throw new UserError(
        `${hit.length === 0 ? 'no' : 'more than one'} Application named "${name}"; the file has: ${names.join(', ')}`,
        { file },
      );
    return hit[0];
  }
  if (apps.length > 1)
    throw new UserError(`${apps.length} Applications in this file; pick one with --name (${names.join(', ')})`, {
      file,
    });
  return apps[0];
}

function strataSourceIndex(app: ApplicationDoc, file: string): number {
  const sources = app.spec?.source ? [app.spec.source] : (app.spec?.sources ?? []);
  // The shipped plugin.yaml has no discover rule, so Argo CD matches an unnamed plugin section to no plugin
  // (util/app/discovery/discovery.go cmpSupports): the name is required.
  const ours = sources.flatMap((s, i) => (s.plugin && s.plugin.name === PLUGIN_REFERENCE ? [i] : []));
  if (ours.length !== 1) {
    const named = sources.map((s) => s.plugin?.name).filter(Boolean);
    const unnamed = sources.some((s) => s.plugin && s.plugin.name === undefined);
    throw new UserError(
      ours.length === 0
        ? `no source uses this plugin: spec.source.plugin.name must be ${PLUGIN_REFERENCE} (plugin.yaml metadata.name-spec.version)${named.length ? `, found ${named.join(', ')}` : ''}` +
            (unnamed ? '; a plugin section without a name matches no plugin, since strata ships no discover rule' : '')
        : 'more than one source uses this plugin; strata renders one at a time',
      { file },
    );
  }
  return ours[0];
}

function strataSource(app: ApplicationDoc, file: string): ApplicationSource {
  const i = strataSourceIndex(app, file);
  return app.spec?.source ?? app.spec!.sources![i];
}

/** The Application with its strata source replaced (for .argocd-source*.yaml overrides). */
function withSource(app: ApplicationDoc, file: string, source: ApplicationSource): ApplicationDoc {
  const i = strataSourceIndex(app, file);
  const spec = { ...app.spec };
  if (spec.source) spec.source = source;
  else spec.sources = spec.sources!.map((s, j) => (j === i ? source : s));
  return { ...app, spec };
}

/** `ARGOCD_APP_NAME` of an Application (the instance name the repo-server also uses for .argocd-source-<name>.yaml). */
export function instanceName(app: ApplicationDoc, controllerNamespace?: string): string {
  return appName(app.metadata?.name ?? '', app.metadata?.namespace, controllerNamespace);
}

/**
 * The environment the repo-server sends for an Application's strata source (generate, and the reduced one of
 * parameters.dynamic), plus the sidecar's PATH/HOME.
 */
export function applicationEnv(
  app: ApplicationDoc,
  file: string,
  opts: Pick<
    RenderApplicationOptions,
    'revision' | 'kubeVersion' | 'apiVersions' | 'processEnv' | 'controllerNamespace'
  > = {},
): { env: Record<string, string>; parametersEnv: Record<string, string>; sourcePath: string } {
  const source = strataSource(app, file);
  const sourcePath = normalizeSourcePath(source.path);
  resolvePath('', sourcePath, file); // refuses absolute paths and `..` above the root
  const revision = opts.revision ?? '';
  const vars: BuildVars = {
    ARGOCD_APP_NAME: instanceName(app, opts.controllerNamespace),
    ARGOCD_APP_NAMESPACE: app.spec?.destination?.namespace ?? '',
    ARGOCD_APP_PROJECT_NAME: app.spec?.project ?? '',
    ARGOCD_APP_REVISION: revision,
    ARGOCD_APP_REVISION_SHORT: revision.slice(0, 7),
    ARGOCD_APP_REVISION_SHORT_8: revision.slice(0, 8),
    ARGOCD_APP_SOURCE_REPO_URL: source.repoURL ?? '',
    ARGOCD_APP_SOURCE_PATH: source.path ?? '',
    ARGOCD_APP_SOURCE_TARGET_REVISION: source.targetRevision ?? '',
    KUBE_VERSION: opts.kubeVersion ?? '',
    KUBE_API_VERSIONS: [...(opts.apiVersions ?? [])].sort().join(','),
  };
  // What the sidecar container's own environment gives every render there: the operator's settings (the
  // platform policy, the age keys) come from this process, as they would from the sidecar's.
  const sidecar: Record<string, string> = {};
  for (const k of SIDECAR_VARS) if (opts.processEnv?.[k] !== undefined) sidecar[k] = opts.processEnv[k]!;
  return {
    env: { ...sidecar, ...pluginCommandEnv(vars, source.plugin) },
    parametersEnv: { ...sidecar, ...dynamicParametersEnv(vars, source.plugin) },
    sourcePath,
  };
}

/** The raw target of a symlink of the checkout at `root`, for the root rule's securejoin. */
export function checkoutReadlink(root: string): Readlink {
  return (rel) => {
    try {
      const p = join(root, rel);
      return lstatSync(p).isSymbolicLink() ? readlinkSync(p) : undefined;
    } catch {
      return undefined;
    }
  };
}

/** Variables of the sidecar container that reach a plugin command as they are (not from the Application). */
const SIDECAR_VARS = [
  'PATH',
  'HOME',
  'STRATA_PLATFORM_POLICY',
  'STRATA_AGE_KEYS_DIR',
  'SOPS_AGE_KEY_FILE',
  'SOPS_AGE_KEY',
  'XDG_CONFIG_HOME',
];

export function renderApplication(opts: RenderApplicationOptions): RenderApplicationResult {
  const file = resolve(opts.appFile);
  let text: string;
  try {
    // Bounded like every file strata reads (a FIFO or /dev/zero is refused), and decoded strictly: bad bytes
    // are an error naming their line, never replacement characters.
    text = decodeUtf8(readBounded(file), opts.appFile);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const why = e instanceof BoundedReadError ? e.message : ((e as NodeJS.ErrnoException).code ?? (e as Error).message);
    throw new UserError(`cannot read the Application: ${why}`, { file: opts.appFile });
  }
  const picked = pickApplication(text, opts.appFile, opts.name);
  const problems = validateApplication(picked);
  if (problems.length)
    throw new UserError(
      'not a valid Application (CRD schema):',
      { file: opts.appFile },
      { details: problems.map((p) => '  ' + p) },
    );
  // The repo-server applies .argocd-source*.yaml from the app directory before building the environment.
  const original = strataSource(picked, opts.appFile);
  const appDir = resolvePath('', normalizeSourcePath(original.path), opts.appFile);
  const over = applySourceOverrides(
    new DiskFs(resolve(opts.repoRoot)),
    appDir,
    instanceName(picked, opts.controllerNamespace),
    original,
  );
  const app = over.applied.length ? withSource(picked, opts.appFile, over.source) : picked;
  if (over.applied.length) {
    const after = validateApplication(app);
    if (after.length)
      throw new UserError(
        `the Application is not valid after ${over.applied.join(', ')} (CRD schema):`,
        { file: opts.appFile },
        { details: after.map((p) => '  ' + p) },
      );
  }
  const { env, sourcePath } = applicationEnv(app, opts.appFile, opts);
  const repoRoot = resolve(opts.repoRoot);
  const cwd = join(repoRoot, sourcePath);
  const narrow = opts.useManifestGeneratePaths ?? opts.processEnv?.[USE_MANIFEST_GENERATE_PATHS_VAR] === 'true';
  const rootPath = narrow
    ? applicationRootPath(app.metadata?.annotations?.[MANIFEST_GENERATE_PATHS], sourcePath, checkoutReadlink(repoRoot))
    : '';
  const out = generateManifests({
    env,
    cwd,
    tree: { dir: join(repoRoot, rootPath), rootPath },
    checks: opts.checks ?? standardChecks(), // what `strata generate` runs
    ...(opts.lastCommit ? { lastCommit: opts.lastCommit } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.debug ? { debug: opts.debug } : {}),
    ...(opts.store ? { store: opts.store } : {}),
  });
  return {
    ...out,
    env,
    cwd,
    application: app.metadata?.name ?? '',
    sourceOverrides: over.applied,
    annotations: { ...(app.metadata?.annotations ?? {}) },
  };
}
