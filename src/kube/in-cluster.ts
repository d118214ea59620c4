import { readFile } from 'node:fs/promises';

import { UserError } from '../core/errors.js';

/** Where a pod finds its service account credentials (the kubelet mounts them). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ClusterSettings {
  /** `https://host:port`, no trailing slash. */
  readonly apiServer: string;
  readonly tokenFile: string;
  readonly caFile: string;
}

/** Flags win over environment, environment over the in-cluster defaults. */
export interface ClusterOverrides {
  readonly apiServer?: string;
  readonly tokenFile?: string;
  readonly caFile?: string;
}

/**
 * Resolve the API server and credential paths, pure. In a pod, KUBERNETES_SERVICE_HOST/PORT name the API
 * server; STRATA_KUBE_API_SERVER, STRATA_KUBE_TOKEN_FILE and STRATA_KUBE_CA_FILE override them (tests).
 */
export function resolveClusterSettings(
  env: Readonly<Record<string, string | undefined>>,
  overrides: ClusterOverrides = {},
): ClusterSettings {
  const apiServer = overrides.apiServer ?? env.STRATA_KUBE_API_SERVER ?? serviceUrl(env);
  if (!apiServer) {
    throw new UserError(
      'no Kubernetes API server: KUBERNETES_SERVICE_HOST is not set (not running in a pod?); pass --api-server or set STRATA_KUBE_API_SERVER',
    );
  }
  let url: URL;
  try {
    url = new URL(apiServer);
  } catch (err) {
    throw new UserError(`API server "${apiServer}" is not a URL`, undefined, { cause: err });
  }
  if (url.protocol !== 'https:')
    throw new UserError(`API server "${apiServer}" must be an https:// URL (the token is a credential)`);
  return {
    apiServer: url.origin,
    tokenFile: overrides.tokenFile ?? env.STRATA_KUBE_TOKEN_FILE ?? `${SERVICE_ACCOUNT_DIR}/token`,
    caFile: overrides.caFile ?? env.STRATA_KUBE_CA_FILE ?? `${SERVICE_ACCOUNT_DIR}/ca.crt`,
  };
}

function serviceUrl(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) return undefined;
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export interface Credentials {
  readonly token: string;
  readonly ca: Buffer;
}

/** Read the token and CA bundle named by the settings. */
export async function loadCredentials(settings: ClusterSettings): Promise<Credentials> {
  const token = (await readOrExplain(settings.tokenFile, 'service account token')).toString('utf8').trim();
  if (!token) throw new UserError(`service account token ${settings.tokenFile} is empty`);
  const ca = await readOrExplain(settings.caFile, 'cluster CA bundle');
  return { token, ca };
}

async function readOrExplain(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ' (is automountServiceAccountToken disabled for this pod?)' : '';
    throw new UserError(`cannot read the ${what} ${file}: ${code ?? String(err)}${hint}`, undefined, { cause: err });
  }
}
