/**
 * Where `strata sidecar patch` puts the sidecar among the repo-server pod's containers. Pure: patch-deployment.ts
 * calls it with the Deployment it has just read.
 *
 * The chart's patch carries `$setElementOrder/containers: [<argocd.repoServer.containerName>, <sidecar>]`. A
 * strategic merge puts a new list item first when the order list does not name the items around it (the API
 * server's strategicpatch normalizeElementOrder; checked with `kubectl patch --local`), so with the default
 * containerName (`argocd-repo-server`, the name in argo-cd's manifests and the argocd-operator's
 * controllers/argocd/repo_server.go) an argo-helm install, whose container is `repo-server` (argo-helm
 * charts/argo-cd values.yaml repoServer.name), got strata as container 0: the one `kubectl logs`/`exec` use
 * when the pod has no kubectl.kubernetes.io/default-container annotation, which argo-helm does not set.
 * So the order the patch asks for is resolved against the live containers: every container keeps its place and
 * the sidecar goes right after the repo-server container.
 */
import { UserError } from '../core/errors.js';
import type { PatchTarget } from './api-requests.js';
import { isObject, podSpecOf, withPodSpec } from './pod-spec.js';

const ORDER_KEY = '$setElementOrder/containers';
/** Container names that mean "the repo-server" in the known installs (argo-cd manifests and operator; argo-helm). */
const KNOWN_NAMES = ['argocd-repo-server', 'repo-server'];
/** The binary the repo-server container runs: argo-cd's image links it in /usr/local/bin (Dockerfile). */
const BINARY = 'argocd-repo-server';

interface ContainerLike {
  readonly name?: unknown;
  readonly command?: unknown;
  readonly args?: unknown;
}

const namesOf = (list: unknown): string[] =>
  Array.isArray(list)
    ? list.map((c: ContainerLike) => (isObject(c) && typeof c.name === 'string' ? c.name : '')).filter(Boolean)
    : [];

/** True when the container's command or args run argocd-repo-server (`/usr/local/bin/argocd-repo-server`, or via an entrypoint script). */
function runsRepoServer(c: ContainerLike): boolean {
  const words = [c.command, c.args].flatMap((l) =>
    Array.isArray(l) ? l.filter((w): w is string => typeof w === 'string') : [],
  );
  return words.some((w) => w.split('/').pop() === BINARY);
}

export interface ContainerOrder {
  /** The patch to send: the input with `$setElementOrder/containers` replaced (the input is not modified). */
  readonly patch: unknown;
  /** The container the sidecar goes after. */
  readonly repoServer: string;
  /** Set when the repo-server container is not the one the patch names: one line for the Job's log. */
  readonly note?: string;
}

/**
 * Resolve the patch's container order against the live Deployment. A patch without `$setElementOrder/containers`
 * (not one the chart renders) is returned as it is. The repo-server container is, in this order:
 *   1. the container the patch names first (the chart value argocd.repoServer.containerName), when it exists;
 *   2. else the one container that runs argocd-repo-server or is named argocd-repo-server or repo-server.
 * No such container, or more than one candidate, is an error naming the chart value to set: guessing wrong
 * would put strata where kubectl logs/exec look for the repo-server.
 */
export function orderContainers(patch: unknown, deployment: unknown, target: PatchTarget): ContainerOrder {
  const patchSpec = podSpecOf(patch);
  const asked = patchSpec?.[ORDER_KEY];
  if (!patchSpec || !Array.isArray(asked)) return { patch, repoServer: '' };

  const sidecars = namesOf(patchSpec.containers);
  const configured = namesOf(asked).find((n) => !sidecars.includes(n));
  const liveList = podSpecOf(deployment)?.containers;
  const live: ContainerLike[] = Array.isArray(liveList) ? liveList.filter(isObject) : [];
  const others = live.filter((c) => typeof c.name === 'string' && !sidecars.includes(c.name));
  const name = (c: ContainerLike) => c.name as string;

  let repoServer: string | undefined;
  let note: string | undefined;
  if (configured !== undefined && others.some((c) => c.name === configured)) {
    repoServer = configured;
  } else {
    const candidates = others.filter((c) => runsRepoServer(c) || KNOWN_NAMES.includes(name(c)));
    const deploymentName = `${target.namespace}/${target.deployment}`;
    if (candidates.length !== 1) {
      const found =
        candidates.length === 0
          ? `none of its ${others.length} container(s) runs ${BINARY} or is named ${KNOWN_NAMES.join(' or ')}`
          : `${candidates.length} containers qualify (${candidates.map(name).join(', ')})`;
      throw new UserError(
        `cannot tell which container of Deployment ${deploymentName} is the repo-server: ` +
          `${configured === undefined ? 'the patch names none' : `it has no container ${configured}`} and ${found}; ` +
          'set the chart value argocd.repoServer.containerName to its name (the sidecar goes right after it)',
      );
    }
    repoServer = name(candidates[0]);
    note =
      `Deployment ${deploymentName} has ${configured === undefined ? 'no container named in the patch' : `no container ${configured}`}; ` +
      `the sidecar goes after ${repoServer}, its only container that runs ${BINARY} or has a repo-server name ` +
      `(argocd.repoServer.containerName=${repoServer} says so explicitly)`;
  }

  const order: string[] = [];
  for (const c of others) {
    order.push(name(c));
    if (name(c) === repoServer) order.push(...sidecars);
  }
  const newSpec = { ...patchSpec, [ORDER_KEY]: order.map((n) => ({ name: n })) };
  return { patch: withPodSpec(patch, newSpec), repoServer, note };
}
