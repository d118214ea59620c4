import { UserError } from '../core/errors.js';
import { orderContainers } from './container-order.js';
import { pruneSidecar } from './sidecar-prune.js';
import type { Transport } from './https-transport.js';
import {
  argoCdOwner,
  buildGetRequest,
  buildPatchRequest,
  classifyStatus,
  DEFAULT_RETRY,
  describeFailure,
  isRetryableNetworkError,
  operatorOwnedMessage,
  retryDelayMs,
  type HttpRequest,
  type HttpResponse,
  type PatchTarget,
  type RetryPolicy,
} from './api-requests.js';

export interface PatchDeploymentOptions {
  readonly target: PatchTarget;
  /** The parsed strategic-merge patch document. */
  readonly patch: unknown;
  readonly token: string;
  /** A missing Deployment is success (used by `unpatch`: nothing left to remove). */
  readonly ignoreMissing?: boolean;
  readonly dryRun?: boolean;
  /** Read the Deployment first and refuse one owned by an argocd-operator ArgoCD resource (`patch` only). */
  readonly refuseOperatorOwned?: boolean;
  /**
   * Read the Deployment first and resolve the patch's `$setElementOrder/containers` against its containers, so
   * the sidecar lands right after the repo-server container whatever it is named (`patch` only: container-order.ts).
   */
  readonly orderContainers?: boolean;
  /**
   * Read the Deployment first and, when the sidecar is already there, add delete directives for the env, mounts
   * and volumes strata's chart owns and the patch no longer has (`patch` only: sidecar-prune.ts).
   */
  readonly pruneSidecar?: boolean;
  readonly retry?: RetryPolicy;
}

export interface PatchDeploymentIo {
  readonly send: Transport;
  readonly sleep: (ms: number) => Promise<void>;
  /** One line to stderr. */
  readonly log: (line: string) => void;
}

export type PatchResult = 'patched' | 'missing';

/**
 * Send the patch, retrying conflicts (409), throttling (429), server errors (5xx) and network errors with
 * bounded backoff. Strategic merge by name makes a repeated patch harmless, so retrying is always safe.
 * With `refuseOperatorOwned`, `orderContainers` or `pruneSidecar` the Deployment is read first: one owned by an
 * argocd-operator ArgoCD resource is refused (the operator would revert the patch), the container order the
 * patch asks for is resolved against the containers it has, and what the chart no longer renders into the
 * existing sidecar is deleted. A container added between that read and the
 * PATCH keeps its place only if the API server's merge puts it there; the next install or upgrade fixes it.
 */
export async function patchDeployment(options: PatchDeploymentOptions, io: PatchDeploymentIo): Promise<PatchResult> {
  let patch = options.patch;
  if (options.refuseOperatorOwned || options.orderContainers || options.pruneSidecar) {
    const got = await sendWithRetry(buildGetRequest(options.target, options.token), options, io);
    if (got === 'missing') return 'missing';
    let obj: unknown;
    try {
      obj = JSON.parse(got.body);
    } catch {
      obj = undefined;
    }
    const owner = options.refuseOperatorOwned ? argoCdOwner(obj) : undefined;
    if (owner !== undefined) throw new UserError(operatorOwnedMessage(options.target, owner));
    if (options.orderContainers) {
      const ordered = orderContainers(patch, obj, options.target);
      if (ordered.note) io.log(ordered.note);
      patch = ordered.patch;
    }
    if (options.pruneSidecar) {
      const pruned = pruneSidecar(patch, obj);
      if (pruned.removed.length) io.log(`no longer in the patch, removing: ${pruned.removed.join(', ')}`);
      patch = pruned.patch;
    }
  }
  const sent = await sendWithRetry(
    buildPatchRequest(options.target, patch, options.token, options.dryRun),
    options,
    io,
  );
  return sent === 'missing' ? 'missing' : 'patched';
}

async function sendWithRetry(
  request: HttpRequest,
  options: PatchDeploymentOptions,
  io: PatchDeploymentIo,
): Promise<HttpResponse | 'missing'> {
  const policy = options.retry ?? DEFAULT_RETRY;
  const name = `${options.target.namespace}/${options.target.deployment}`;

  for (let attempt = 1; ; attempt++) {
    let res: HttpResponse | undefined;
    let networkError: Error | undefined;
    try {
      res = await io.send(request);
    } catch (err) {
      networkError = err instanceof Error ? err : new Error(String(err));
    }

    const outcome = res ? classifyStatus(res.status) : isRetryableNetworkError(networkError) ? 'retry' : 'fail';
    if (outcome === 'ok') return res!;
    if (outcome === 'not-found' && options.ignoreMissing) {
      io.log(`Deployment ${name} not found: nothing to change`);
      return 'missing';
    }
    const reason = res
      ? describeFailure(options.target, res)
      : outcome === 'fail'
        ? `TLS verification of the API server failed: ${networkError?.message} (wrong CA bundle or host name?)`
        : `cannot reach the API server: ${networkError?.message}`;
    if (outcome !== 'retry') throw new UserError(reason, undefined, { cause: networkError });
    if (attempt >= policy.maxAttempts) {
      throw new UserError(`${reason} (gave up after ${attempt} attempts)`, undefined, { cause: networkError });
    }
    const delay = retryDelayMs(policy, attempt, res?.headers['retry-after']);
    io.log(`attempt ${attempt}/${policy.maxAttempts}: ${reason}; retrying in ${delay} ms`);
    await io.sleep(delay);
  }
}
