/**
 * The pure half of `strata sidecar`'s talk with the API server: the GET and PATCH requests for a Deployment, what
 * each response status means, and the retry policy. It builds requests only: the strategic merge itself is the API
 * server's. No I/O here: patch-deployment.ts drives it with an injected transport and clock.
 */

export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

/** Recorded on the Deployment's managedFields, so `kubectl get -o yaml --show-managed-fields` shows who added the sidecar. */
export const FIELD_MANAGER = 'strata-sidecar';

export interface PatchTarget {
  readonly namespace: string;
  readonly deployment: string;
}

export interface HttpRequest {
  readonly method: 'PATCH' | 'GET';
  /** Path and query, e.g. `/apis/apps/v1/namespaces/argocd/deployments/argocd-repo-server?fieldManager=strata-sidecar`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** Kubernetes object names are DNS subdomains (Deployments) or labels (namespaces): refuse anything else early. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function targetProblems(target: PatchTarget): string[] {
  const problems: string[] = [];
  if (!DNS_LABEL.test(target.namespace))
    problems.push(`namespace "${target.namespace}" is not a valid Kubernetes namespace name`);
  if (!DNS_SUBDOMAIN.test(target.deployment))
    problems.push(`deployment "${target.deployment}" is not a valid Kubernetes object name`);
  return problems;
}

export function deploymentPath(target: PatchTarget): string {
  return `/apis/apps/v1/namespaces/${encodeURIComponent(target.namespace)}/deployments/${encodeURIComponent(target.deployment)}`;
}

/** The strategic-merge PATCH sending `patch` (already parsed, so the body is canonical JSON). */
export function buildPatchRequest(target: PatchTarget, patch: unknown, token: string, dryRun = false): HttpRequest {
  const body = JSON.stringify(patch);
  const query = new URLSearchParams({ fieldManager: FIELD_MANAGER });
  if (dryRun) query.set('dryRun', 'All');
  return {
    method: 'PATCH',
    path: `${deploymentPath(target)}?${query.toString()}`,
    headers: {
      'Content-Type': STRATEGIC_MERGE_PATCH,
      Accept: 'application/json',
      Authorization: `Bearer ${token}`,
      'Content-Length': String(Buffer.byteLength(body)),
      'User-Agent': 'strata-sidecar',
    },
    body,
  };
}

/** The GET that reads the Deployment before patching it (to see who owns it). */
export function buildGetRequest(target: PatchTarget, token: string): HttpRequest {
  return {
    method: 'GET',
    path: deploymentPath(target),
    headers: { Accept: 'application/json', Authorization: `Bearer ${token}`, 'User-Agent': 'strata-sidecar' },
    body: '',
  };
}

/**
 * The ArgoCD custom resource that owns a Deployment, if any: the argocd-operator names the repo-server
 * `<cr>-repo-server`, sets itself as controller owner (argocd-operator controllers/argocd/deployment.go,
 * SetControllerReference) and on every reconcile puts back the containers and volumes it computes
 * (controllers/argocd/repo_server.go reconcileRepoDeployment), so a patched sidecar would be removed again.
 */
export function argoCdOwner(deployment: unknown): string | undefined {
  const refs = (deployment as { metadata?: { ownerReferences?: unknown } } | null)?.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  for (const r of refs as { kind?: unknown; apiVersion?: unknown; name?: unknown }[]) {
    if (r && r.kind === 'ArgoCD' && typeof r.apiVersion === 'string' && r.apiVersion.startsWith('argoproj.io/')) {
      return typeof r.name === 'string' ? r.name : '';
    }
  }
  return undefined;
}

/** Why `sidecar patch` refuses an operator-managed Deployment, and what to do instead. */
export function operatorOwnedMessage(target: PatchTarget, owner: string): string {
  return (
    `Deployment ${target.namespace}/${target.deployment} is managed by the argocd-operator (owned by ArgoCD "${owner}"), ` +
    'which resets its containers and volumes on every reconcile: a patched sidecar would be removed again. ' +
    'Add strata through the ArgoCD resource instead (spec.repo.sidecarContainers and spec.repo.volumes: ' +
    'helm/strata/argocd-operator.yaml, docs/install.md "argocd-operator") and install this chart with mode=values'
  );
}

/**
 * What to do with a response: done, try again (conflicts, throttling, API server trouble), or give up.
 * 404 is its own outcome: the caller decides whether a missing Deployment is an error.
 */
export type Outcome = 'ok' | 'not-found' | 'retry' | 'fail';

export function classifyStatus(status: number): Outcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 404) return 'not-found';
  if (status === 409 || status === 429 || status >= 500) return 'retry';
  return 'fail';
}

/**
 * Network errors worth another try (API server restarting, connection dropped, timeout). TLS verification
 * failures are not: a wrong CA or host name will not fix itself.
 */
export function isRetryableNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /CERT|SIGNATURE|TLS|SSL|ALTNAME|ISSUER/.test(code)) return false;
  return true;
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** About 0.5+1+2+4+8 s between six attempts: rides out an API server restart without hanging a Helm hook. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 8000 };

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1). Exponential, no jitter (one Job patches one
 * Deployment: there is no herd to spread); a Retry-After in seconds from the API server wins, capped.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfter?: string | string[]): number {
  const header = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  const seconds = header !== undefined && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
  if (seconds !== undefined) return Math.min(seconds * 1000, policy.maxDelayMs);
  return Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
}

/** The `message` of a Kubernetes Status body, else the start of the body. Never the request: it carries the token. */
export function statusMessage(res: HttpResponse): string {
  try {
    const parsed: unknown = JSON.parse(res.body);
    if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
      return parsed.message;
    }
  } catch {
    // not JSON: fall through
  }
  const text = res.body.trim().replace(/\s+/g, ' ');
  return text.length > 300 ? `${text.slice(0, 300)}...` : text || '(empty body)';
}

/** The error text for a response that ends the run (not 2xx, not retried, or out of attempts). */
export function describeFailure(target: PatchTarget, res: HttpResponse): string {
  const name = `${target.namespace}/${target.deployment}`;
  switch (res.status) {
    case 401:
      return `the API server rejected the service account token (401 Unauthorized) while patching Deployment ${name}: ${statusMessage(res)}`;
    case 403:
      return (
        `not allowed to patch Deployment ${name} (403 Forbidden): the service account needs get/patch on ` +
        `deployments "${target.deployment}" in ${target.namespace} (the chart's Role grants exactly that): ${statusMessage(res)}`
      );
    case 404:
      return `Deployment ${name} not found: is Argo CD installed in ${target.namespace}?`;
    case 422:
    case 400:
      return `the API server refused the patch for Deployment ${name} (${res.status}): ${statusMessage(res)}`;
    default:
      return `patching Deployment ${name} failed with HTTP ${res.status}: ${statusMessage(res)}`;
  }
}
