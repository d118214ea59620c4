import { realpathSync } from 'node:fs';
import { loadApp } from '../core/app.js';
import { UserError } from '../core/errors.js';
import { resolveLimits, type Limits } from '../core/limits.js';
import { createCaches, render, type Check, type RenderCaches, type RenderResult } from '../core/render.js';
import { toYamlStream } from '../core/serialize.js';
import type { CompiledStore } from '../core/templates.js';
import { DiskFs } from '../io/disk-fs.js';
import { findCheckout, findRepoRoot } from '../io/repo.js';
import { lookupAppRevision, type LastCommit } from './app-revision.js';
import type { Env } from './contract.js';
import { parameterOverrides, parseParameters } from './parameters.js';
import { capabilitiesFromEnv, chooseEnvironment, chooseRevision, cmpExtractDir, namespaceFromEnv, releaseFromEnv, rootFromSourcePath, strataEnvNearMisses } from './render-options.js';

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

/**
 * Repo root = cwd minus the longest trailing part of ARGOCD_APP_SOURCE_PATH it ends with, never above the
 * cmp-server's extraction folder or cwd's own checkout, and cwd itself when nothing matches (never an enclosing
 * repository). Without ARGOCD_APP_SOURCE_PATH (a local run) the nearest .git ancestor, else cwd.
 */
export function locateApp(cwd: string, env: Env, maxFileBytes?: number): { fs: DiskFs; appDir: string; repoRoot: string } {
  let real: string;
  try {
    real = realpathSync(cwd);
  } catch {
    throw new UserError(`working directory ${cwd} does not exist`);
  }
  const root = rootFromSourcePath(real, env.ARGOCD_APP_SOURCE_PATH, cmpExtractDir(real) ?? findCheckout(real)) ?? findRepoRoot(real);
  const fs = new DiskFs(root, { immutable: true, ...(maxFileBytes ? { maxFileBytes } : {}) });
  const appDir = fs.relativePath(real);
  if (appDir === undefined) throw new UserError(`${cwd} is outside the repository root ${root}`);
  return { fs, appDir, repoRoot: fs.root };
}

export function generateManifests(opts: GenerateOptions): GenerateResult {
  const { env } = opts;
  const limits = opts.limits ?? resolveLimits(env);
  const { fs, appDir, repoRoot } = locateApp(opts.cwd, env, limits.fileBytes);
  const params = parseParameters(env);
  const caches = opts.caches ?? createCaches({ immutable: true, ...(opts.store ? { store: opts.store } : {}) });
  const app = loadApp(fs, appDir, caches.parsed);
  const config = app.config;
  const envName = chooseEnvironment(params, env, app);
  const overrides = parameterOverrides(params, appDir);
  const warnings = strataEnvNearMisses(env).map((n) => `warning: plugin.env "${n}" is not STRATA_ENV (names are case-sensitive and kept verbatim) and is ignored; environment "${envName}" is used`);

  // The app's inputs: strata.yaml, its layer files, its templates folder (no merge needed), the valueFiles,
  // and the files its templates read with `file`, which only the render knows. Resolved only when the
  // revision mode asks git for the app's last commit (spec.metadata.revision: app).
  const staticInputs = (): string[] => [...app.inputs(envName), ...overrides.flatMap((o) => (o.kind === 'file' ? [o.path] : []))];
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
  const renderAt = (appRevision: string): RenderResult =>
    render({
      app,
      env: envName,
      overrides,
      release: releaseFromEnv(env, appDir, appRevision),
      capabilities: capabilitiesFromEnv(env),
      ...(namespace ? { namespace } : {}),
      checks: opts.checks ?? [],
      caches,
      limits,
      ...(opts.log ? { log: opts.log } : {}),
    });
  const first = revisionOf([]);
  let result = renderAt(first);
  // A template that reads files with `file` makes them inputs too: when one was changed by a later commit
  // than the static inputs, the revision moves and the render (which may print it) runs again.
  if (config.revision === 'app' && result.inputs.length) {
    const revision = revisionOf(result.inputs);
    if (revision !== first) result = renderAt(revision);
  }
  return { text: toYamlStream(result.objects.map((o) => o.object)), result, warnings, repoRoot, appDir };
}
