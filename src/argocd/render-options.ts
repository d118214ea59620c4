import type { AppConfig, RevisionMode } from '../core/config.js';
import { UserError } from '../core/errors.js';
import type { Capabilities, ReleaseInfo } from '../core/types.js';
import { ENV_VAR_STRATA_ENV, type Env } from './contract.js';
import type { StrataParameters } from './parameters.js';

// From Argo CD's build environment to what the core needs. Pure: the caller reads process.env and the disk.

/** `spec.source.path` as a repo-relative POSIX path: "" for the root. */
export function normalizeSourcePath(p: string | undefined): string {
  return (p ?? '')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

/** The repository root when the working directory is `<root>/<sourcePath>`, else undefined. */
export function rootFromSourcePath(cwd: string, sourcePath: string | undefined): string | undefined {
  if (sourcePath === undefined) return undefined;
  const rel = normalizeSourcePath(sourcePath);
  const dir = cwd.replace(/\/+$/, '') || '/';
  if (rel === '') return dir;
  if (rel.split('/').includes('..')) return undefined;
  return dir.endsWith('/' + rel) ? dir.slice(0, dir.length - rel.length - 1) || '/' : undefined;
}

/** Parameter `env`, else plugin.env STRATA_ENV, else strata.yaml's defaultEnvironment, else an error. */
export function chooseEnvironment(params: StrataParameters, env: Env, config: AppConfig): string {
  const chosen = params.env ?? (env[ENV_VAR_STRATA_ENV] || undefined) ?? config.defaultEnvironment;
  if (chosen === undefined) {
    throw new UserError(
      `no environment: set the Application's plugin parameter "env" or plugin.env STRATA_ENV (one of ${config.environments.join(', ')}), or spec.defaultEnvironment`,
      { file: config.file },
    );
  }
  return chosen;
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
  const apis = (env.KUBE_API_VERSIONS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return { kubeVersion: (env.KUBE_VERSION ?? '').trim().replace(/^v/, ''), apiVersions: apis };
}

/** ARGOCD_APP_NAMESPACE (the destination) wins over strata.yaml's namespace; empty means "not given". */
export function namespaceFromEnv(env: Env): string | undefined {
  return env.ARGOCD_APP_NAMESPACE || undefined;
}
