import type { K8sObject } from '../core/types.js';
import { isPlainMap, toText } from '../core/guards.js';

// Where the pods and containers of a rendered object are, for the rules that look at them.

export type Obj = Record<string, unknown>;

export function asObj(v: unknown): Obj | undefined {
  return isPlainMap(v) ? v : undefined;
}

export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export interface PodSpecAt {
  spec: Obj;
  /** Field path of the pod spec inside the object, e.g. `.spec.template.spec`. */
  path: string;
}

/** Kinds whose pods run until stopped (not Job/CronJob): they need probes. */
export const LONG_RUNNING_KINDS: ReadonlySet<string> = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Pod',
]);

export function podSpecOf(o: K8sObject): PodSpecAt | undefined {
  const spec = asObj(o.spec);
  if (!spec) return undefined;
  switch (o.kind) {
    case 'Pod':
      return { spec, path: '.spec' };
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'Job': {
      const s = asObj(asObj(spec.template)?.spec);
      return s ? { spec: s, path: '.spec.template.spec' } : undefined;
    }
    case 'CronJob': {
      const s = asObj(asObj(asObj(asObj(spec.jobTemplate)?.spec)?.template)?.spec);
      return s ? { spec: s, path: '.spec.jobTemplate.spec.template.spec' } : undefined;
    }
    default:
      return undefined;
  }
}

export interface ContainerAt {
  container: Obj;
  path: string;
  name: string;
  /** Init containers without `restartPolicy: Always` run to completion. */
  init: boolean;
  longRunning: boolean;
}

export function containersOf(pod: PodSpecAt, kind: string): ContainerAt[] {
  const out: ContainerAt[] = [];
  for (const field of ['initContainers', 'containers'] as const) {
    asList(pod.spec[field]).forEach((c, i) => {
      const container = asObj(c);
      if (!container) return;
      const init = field === 'initContainers';
      const sidecar = init && container.restartPolicy === 'Always';
      out.push({
        container,
        path: `${pod.path}.${field}[${i}]`,
        name: toText(container.name ?? i),
        init,
        longRunning: LONG_RUNNING_KINDS.has(kind) && (!init || sidecar),
      });
    });
  }
  return out;
}

export interface ImageRef {
  /** Registry host (docker.io when the reference names none). */
  registry: string;
  /** Without tag and digest. */
  name: string;
  tag?: string;
  digest?: string;
}

/** An OCI content digest: `sha256:` + 64 hex digits (or `sha512:` + 128); other registered algorithms by form. */
export function isDigest(d: string): boolean {
  if (d.startsWith('sha256:')) return /^sha256:[a-f0-9]{64}$/.test(d);
  if (d.startsWith('sha512:')) return /^sha512:[a-f0-9]{128}$/.test(d);
  return /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/.test(d);
}

/** Parse `registry/path:tag@sha256:…` the way container runtimes do (docker/distribution reference). */
export function parseImage(image: string): ImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const first = rest.split('/')[0];
  const hasHost = rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return {
    registry: hasHost ? first : 'docker.io',
    name: rest,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}
