import { realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadApp } from '../core/app.js';
import { UserError } from '../core/errors.js';
import { resolveLimits, type Limits } from '../core/limits.js';
import { sopsDecrypt } from '../secrets/keys.js';
import { createCaches, render, type Check, type RenderCaches, type RenderResult } from '../core/render.js';
import { toYamlStream } from '../core/serialize.js';
import type { CompiledStore } from '../core/templates.js';
import type { DiskFs } from '../io/disk-fs.js';
import { findCheckout, findRepoRoot, openAppIn } from '../io/repo.js';
import { lookupAppRevision, type LastCommit } from './app-revision.js';
import { TARBALL_REL_PATH_VAR, type Env } from './contract.js';
import { requireRepositoryPolicy, type PartialTree } from '../policy/config.js';
import { readPlatformPolicy } from '../policy/platform-file.js';
import { PLATFORM_POLICY_VAR } from '../policy/platform.js';
import { parameterOverrides, parseParameters } from './parameters.js';
import {
  capabilitiesFromEnv,
  chooseEnvironment,
  chooseRevision,
  cmpExtractDir,
  namespaceFromEnv,
  normalizeSourcePath,
  platformChecks,
  releaseFromEnv,
  rootFromSourcePath,
  rootPathOf,
  strataEnvNearMisses,
} from './render-options.js';

// The one code path behind `strata generate` (what the sidecar runs) and `strata render --application`
// (its local emulation): (environment variables, working directory) -> the YAML stream Argo CD reads.

export interface GenerateOptions {
  /** Exactly the variables the command would see (Argo CD's, or rebuilt from an Application). */
  env: Env;
  /** The app directory (Argo CD runs plugin commands there). */
  cwd: string;
  checks?: readonly Check[];
  /** Default: resolveLimits(env) (STRATA_* variables of the sidecar). */
  limits?: Limits;
  /** Last commit touching repo-relative paths; default: the git CLI. Injected by tests. */
  lastCommit?: LastCommit;
  log?: (message: string) => void;
  /** Diagnostics (the CLI's logger at debug level). */
  debug?: (message: string, fields: Record<string, unknown>) => void;
  /** Compiled templates kept between runs (src/io/compile-store.ts). */
  store?: CompiledStore;
  /**
   * Caches shared with earlier generates of this process (the warm renderer): they must check file contents
   * (createCaches without `immutable`), since every request is a new checkout. Default: fresh, immutable.
   */
  caches?: RenderCaches;
  /** The partial tree `render --application` emulates (default: found from cwd and the environment). */
  tree?: TreeRoot;
  /**
   * The platform policy file (docs/policy.md "Platform policy"); default: STRATA_PLATFORM_POLICY of `env`.
   * `render --application` passes its process's, since its `env` is rebuilt from the Application.
   */
  platformPolicyFile?: string;
}

export interface GenerateResult {
  /** What goes to stdout, byte for byte. */
  text: string;
  result: RenderResult;
  /** One-line warnings for stderr (never values). */
  warnings: string[];
  repoRoot: string;
  appDir: string;
}

export interface AppLocation {
  fs: DiskFs;
  appDir: string;
  repoRoot: string;
  /** Set when the tree is only part of the repository (manifest-generate-paths): the policy must be in it. */
  partial?: PartialTree;
}

/** What `render --application` emulates of a partial tree: its root folder and where that lies in the repository. */
export interface TreeRoot {
  /** Absolute folder the tree's files are read from (the repository folder Argo CD would tar). */
  dir: string;
  /** Repo-relative path of that folder, "" for the whole repository. */
  rootPath: string;
}

function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === b;
  } catch {
    return false;
  }
}

/**
 * The root of the tree a plugin command sees, and whether it is the whole repository.
 * - Under the cmp-server's `_cmp_server/<id>/` folder the extraction folder IS the tarball root
 *   (cmpserver/plugin/plugin.go:226-240 runs the command in `<extraction>/<AppRelPath>`), even when the source
 *   path goes through a symlink the working directory no longer shows (util/app/path/path.go:21-40 keeps it).
 *   The tree is partial when ARGOCD_APP_TARBALL_REL_PATH (PR 29657) differs from the source path, or, without
 *   it, when `<extraction>/<source path>` is not the working directory (reposerver/repository/utils.go
 *   getApplicationRootPath narrowed the root).
 * - Elsewhere (a local run) cwd minus the longest trailing part of ARGOCD_APP_SOURCE_PATH it ends with, never
 *   above cwd's own checkout, and cwd itself when nothing matches (never an enclosing repository); partial when
 *   less than the whole path matched. Without ARGOCD_APP_SOURCE_PATH the nearest .git ancestor, else cwd.
 */
export function locateApp(cwd: string, env: Env, maxFileBytes?: number, tree?: TreeRoot): AppLocation {
  let real: string;
  try {
    real = realpathSync(cwd);
  } catch {
    throw new UserError(`working directory ${cwd} does not exist`);
  }
  const sourcePath = env.ARGOCD_APP_SOURCE_PATH;
  const extract = cmpExtractDir(real);
  let root: string;
  let partial: PartialTree | undefined;
  if (tree) {
    root = tree.dir;
    if (tree.rootPath !== '') partial = { rootPath: tree.rootPath };
  } else if (extract !== undefined && sourcePath !== undefined) {
    root = extract;
    const tarRel = env[TARBALL_REL_PATH_VAR];
    const src = normalizeSourcePath(sourcePath);
    if (tarRel !== undefined && sameDir(join(extract, tarRel), real)) {
      if (normalizeSourcePath(tarRel) !== src) partial = withRootPath(rootPathOf(src, tarRel));
    } else if (!sameDir(join(extract, src), real)) partial = withRootPath(rootPathOf(src, relative(extract, real)));
  } else {
    root = rootFromSourcePath(real, sourcePath, extract ?? findCheckout(real)) ?? findRepoRoot(real);
    if (sourcePath !== undefined && !sameDir(join(root, normalizeSourcePath(sourcePath)), real))
      partial = withRootPath(rootPathOf(sourcePath, relative(root, real)));
  }
  const { fs, appDir } = openAppIn(root, real, cwd, maxFileBytes);
  return { fs, appDir, repoRoot: fs.root, ...(partial ? { partial } : {}) };
}

function withRootPath(rootPath: string | undefined): PartialTree {
  return rootPath === undefined ? {} : { rootPath };
}

export function generateManifests(opts: GenerateOptions): GenerateResult {
  const { env } = opts;
  const limits = opts.limits ?? resolveLimits(env);
  // First of all: a render told to apply a platform policy never goes on without it (a missing mount, a
  // malformed file), whatever the repository holds.
  const platformFile = opts.platformPolicyFile ?? env[PLATFORM_POLICY_VAR];
  const platform = platformFile === undefined ? undefined : readPlatformPolicy(platformFile, limits.fileBytes);
  const { fs, appDir, repoRoot, partial } = locateApp(opts.cwd, env, limits.fileBytes, opts.tree);
  const params = parseParameters(env);
  const caches = opts.caches ?? createCaches({ immutable: true, ...(opts.store ? { store: opts.store } : {}) });
  // One-line warnings for stderr: plugin.env near misses, and a missing optional layer with a near-named sibling
  // (found when the render resolves the layers, so the list grows until the render is done).
  const warnings: string[] = [];
  const app = loadApp(fs, appDir, caches.parsed, {
    debug: (m) => opts.debug?.(m, {}),
    warn: (m) => warnings.push(`warning: ${m}`),
  });
  const config = app.config;
  const envName = chooseEnvironment(params, env, app);
  // Before anything renders, once the layers are known to be in reach (the more basic fix comes first): a
  // partial tree without the repository policy fails closed (docs/argocd.md, "Partial trees").
  if (partial) {
    app.inputs(envName);
    requireRepositoryPolicy(fs, config, partial);
  }
  const overrides = parameterOverrides(params, appDir);
  warnings.push(
    ...strataEnvNearMisses(env).map(
      (n) =>
        `warning: plugin.env "${n}" is not STRATA_ENV (names are case-sensitive and kept verbatim) and is ignored; environment "${envName}" is used`,
    ),
  );

  // The app's inputs: strata.yaml, its layer files, its templates folder (no merge needed), the valueFiles,
  // and the files its templates read with `file`, which only the render knows. Resolved only when the
  // revision mode asks git for the app's last commit (spec.metadata.revision: app).
  const staticInputs = (): string[] => [
    ...app.inputs(envName),
    ...overrides.flatMap((o) => (o.kind === 'file' ? [o.path] : [])),
  ];
  const revisionOf = (extra: readonly string[]): string =>
    chooseRevision(config.revision, env, () =>
      lookupAppRevision({
        root: repoRoot,
        paths: [...new Set([...staticInputs(), ...extra])],
        env,
        timeoutMs: limits.gitMs,
        ...(opts.lastCommit ? { lastCommit: opts.lastCommit } : {}),
        ...(opts.debug ? { debug: opts.debug } : {}),
      }),
    );

  const namespace = namespaceFromEnv(env);
  // SOPS layers: in the sidecar only the AppProject's own key file (src/secrets/keys.ts).
  const decrypt = sopsDecrypt(env);
  // Template log lines wait for the render's outcome: on a failure Argo CD shows stderr from its first line in
  // the UI, which must be the error, so they follow it as detail lines instead of preceding it.
  let logs: string[] = [];
  const renderAt = (appRevision: string): RenderResult => {
    logs = [];
    try {
      return render({
        app,
        env: envName,
        overrides,
        release: releaseFromEnv(env, appDir, appRevision),
        capabilities: capabilitiesFromEnv(env),
        ...(namespace ? { namespace } : {}),
        checks: [...platformChecks(platform, env), ...(opts.checks ?? [])],
        caches,
        limits,
        log: (m) => logs.push(m),
        decrypt,
      });
    } catch (e) {
      if (!(e instanceof UserError) || logs.length === 0) throw e;
      throw new UserError(e.head, e.where, {
        cause: e,
        details: [...e.details, ...logs.map((m) => `template log: ${m}`)],
      });
    }
  };
  const first = revisionOf([]);
  let result = renderAt(first);
  // A template that reads files with `file` makes them inputs too: when one was changed by a later commit
  // than the static inputs, the revision moves and the render (which may print it) runs again.
  if (config.revision === 'app' && result.inputs.length) {
    const revision = revisionOf(result.inputs);
    if (revision !== first) result = renderAt(revision);
  }
  for (const m of logs) opts.log?.(m);
  return { text: toYamlStream(result.objects.map((o) => o.object)), result, warnings, repoRoot, appDir };
}
