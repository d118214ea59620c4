import { posix } from 'node:path';
import { parseApiVersions } from '../core/capabilities.js';
import type { App } from '../core/app.js';
import { staysInside } from '../core/fs.js';
import type { RevisionMode } from '../core/config.js';
import { UserError } from '../core/errors.js';
import type { Capabilities, ReleaseInfo } from '../core/types.js';
import { ENV_PREFIX, ENV_VAR_STRATA_ENV, type Env } from './contract.js';
import type { StrataParameters } from './parameters.js';
import type { Check } from '../core/render.js';
import { platformCheck } from '../policy/platform-check.js';
import { platformFor, type PlatformPolicy } from '../policy/platform.js';

// From Argo CD's build environment to what the core needs. Pure: the caller reads process.env and the disk.

/** `spec.source.path` as a repo-relative POSIX path: "" for the root. */
export function normalizeSourcePath(p: string | undefined): string {
  return (p ?? '')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

/**
 * The cmp-server's extraction folder holding `dir`: `<ARGOCD_CMP_WORKDIR or tmp>/_cmp_server/<random>/`
 * (argo-cd common/common.go GetCMPWorkDir, cmpserver/plugin/plugin.go getTempDirMustCleanup). Nothing Argo CD
 * sends lies above it, so the repository root never does either.
 */
export function cmpExtractDir(dir: string): string | undefined {
  const parts = dir.split('/');
  const i = parts.indexOf('_cmp_server'); // the first: a repository may hold a folder of that name itself
  return i > 0 && i + 1 < parts.length ? parts.slice(0, i + 2).join('/') : undefined;
}

/**
 * The repository root of a plugin command run in `cwd` (absolute, symlinks resolved), given the raw
 * `ARGOCD_APP_SOURCE_PATH`: `cwd` minus the longest trailing part of the source path it ends with. With the
 * whole repository sent that is all of the path; with `reposerver.plugin.use.manifest.generate.paths` only
 * the common parent of the app and its manifest-generate-paths is sent, and the working directory ends with
 * the part of the path below that parent (argo-cd reposerver/repository/utils.go getApplicationRootPath,
 * util/cmp/stream.go GetCompressedRepoAndMetadata). A candidate above `ceiling` (the extraction folder or the
 * checkout holding cwd) is skipped; no match at all means `cwd` itself, never an enclosing repository.
 * undefined only when the variable is absent (a local run: the caller may look for .git).
 */
export function rootFromSourcePath(cwd: string, sourcePath: string | undefined, ceiling?: string): string | undefined {
  if (sourcePath === undefined) return undefined;
  let end = cwd.length;
  while (end > 0 && cwd[end - 1] === '/') end--; // a loop, not /\/+$/: linear on any input
  const dir = cwd.slice(0, end) || '/';
  // Argo CD joins the path to the checkout with securejoin (cleaned): `a/../b` is `b`; above the root matches nothing.
  const clean = posix.normalize(normalizeSourcePath(sourcePath) || '.');
  const segs = clean === '.' || !staysInside(clean) ? [] : clean.split('/');
  const under = (root: string): boolean =>
    ceiling === undefined || root === ceiling || root.startsWith(ceiling === '/' ? '/' : ceiling + '/');
  for (let k = segs.length; k > 0; k--) {
    const tail = '/' + segs.slice(segs.length - k).join('/');
    if (!dir.endsWith(tail)) continue;
    const root = dir.slice(0, dir.length - tail.length) || '/';
    if (under(root)) return root;
  }
  return dir;
}

/**
 * Where the root of a partial tree lies in the repository: the source path minus `tail` (the app path below
 * the tree's root), when the source path ends with it; undefined when it does not (a symlink in the way).
 */
export function rootPathOf(sourcePath: string, tail: string): string | undefined {
  const src = normalizeSourcePath(posix.normalize(normalizeSourcePath(sourcePath) || '.'));
  const t = normalizeSourcePath(posix.normalize(normalizeSourcePath(tail) || '.'));
  if (t === '') return src;
  if (src === t) return '';
  return src.endsWith('/' + t) ? src.slice(0, src.length - t.length - 1) : undefined;
}

/**
 * The name Argo CD asks for: parameter `env`, else plugin.env STRATA_ENV; then the app's one resolver
 * (App.environment: that name, else strata.yaml's defaultEnvironment, else an error). An explicitly empty
 * value (an ApplicationSet template that resolved to "") is an error, never the default.
 */
export function chooseEnvironment(params: StrataParameters, env: Env, app: App): string {
  const fromEnv = env[ENV_VAR_STRATA_ENV];
  if (params.env === undefined && fromEnv === '') {
    throw new UserError(
      `plugin.env STRATA_ENV is set but empty; set it to one of ${app.config.environments.join(', ')} or remove it`,
      { file: app.config.file },
    );
  }
  return app.environment(
    params.env ?? fromEnv,
    'set the Application\'s plugin parameter "env" or plugin.env STRATA_ENV',
  );
}

/**
 * plugin.env names that look like STRATA_ENV but are not (`strata_env`, `STRATA_ENVIRONMENT`, `STRATA-ENV`,
 * `ARGOCD_ENV_STRATA_ENV`, one or two typos): Argo CD passes them verbatim, so strata would silently ignore
 * them. Names only, never values.
 */
export function strataEnvNearMisses(env: Env): string[] {
  const want = ENV_VAR_STRATA_ENV.slice(ENV_PREFIX.length);
  const squash = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const target = squash(want);
  const out: string[] = [];
  for (const key of Object.keys(env).sort()) {
    if (!key.startsWith(ENV_PREFIX) || key === ENV_VAR_STRATA_ENV) continue;
    const n = squash(key.slice(ENV_PREFIX.length));
    if (n.startsWith(target) || n.endsWith(target) || editDistance(n, target) <= 2)
      out.push(key.slice(ENV_PREFIX.length));
  }
  return out;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The revision to annotate with, per spec.metadata.revision. `lastAppCommit` is asked only in `app` mode. */
export function chooseRevision(mode: RevisionMode, env: Env, lastAppCommit: () => string | undefined): string {
  if (mode === 'off') return '';
  if (mode === 'repo') return env.ARGOCD_APP_REVISION ?? '';
  return lastAppCommit() ?? env.ARGOCD_APP_REVISION ?? '';
}

export function releaseFromEnv(env: Env, appDir: string, appRevision: string): ReleaseInfo {
  return {
    revision: env.ARGOCD_APP_REVISION ?? '',
    appRevision,
    repoURL: env.ARGOCD_APP_SOURCE_REPO_URL ?? '',
    path: env.ARGOCD_APP_SOURCE_PATH !== undefined ? normalizeSourcePath(env.ARGOCD_APP_SOURCE_PATH) : appDir,
    targetRevision: env.ARGOCD_APP_SOURCE_TARGET_REVISION ?? '',
    project: env.ARGOCD_APP_PROJECT_NAME ?? '',
    name: env.ARGOCD_APP_NAME ?? '',
  };
}

/** KUBE_VERSION / KUBE_API_VERSIONS; empty ones leave the core's defaults in place. */
export function capabilitiesFromEnv(env: Env): Partial<Capabilities> {
  return {
    kubeVersion: (env.KUBE_VERSION ?? '').trim().replace(/^v/, ''),
    apiVersions: parseApiVersions(env.KUBE_API_VERSIONS),
  };
}

/** ARGOCD_APP_NAMESPACE (the destination) wins over strata.yaml's namespace; empty means "not given". */
export function namespaceFromEnv(env: Env): string | undefined {
  return env.ARGOCD_APP_NAMESPACE || undefined;
}

/**
 * The platform policy's check for this Application: the section of its AppProject (ARGOCD_APP_PROJECT_NAME)
 * over the defaults, namespaces checked against its destination (ARGOCD_APP_NAMESPACE, "" when it names none).
 * First in the list: the repository's policy check drops what it reported (src/policy/platform-reported.ts).
 */
export function platformChecks(platform: PlatformPolicy | undefined, env: Env): Check[] {
  if (!platform) return [];
  return [
    platformCheck(platformFor(platform, env.ARGOCD_APP_PROJECT_NAME || undefined), {
      destination: env.ARGOCD_APP_NAMESPACE ?? '',
    }),
  ];
}
