import { toYamlStream } from '../core/serialize.js';
import type { Capabilities, K8sObject, ReleaseInfo } from '../core/types.js';
import type { Parsed } from './options.js';

/** Manifests as a YAML stream, or as one JSON `List` (what kubectl prints). */
export function formatObjects(objects: readonly K8sObject[], format: string): string {
  if (format === 'json') return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2) + '\n';
  return toYamlStream(objects);
}

/** Release metadata and capabilities from local flags (what only a live Argo CD knows). */
export function releaseFromFlags(v: Parsed['values'], appDir: string): { release: Partial<ReleaseInfo>; capabilities: Partial<Capabilities> } {
  const s = (k: string): string => (typeof v[k] === 'string' ? (v[k]) : '');
  const revision = s('revision');
  return {
    release: { revision, appRevision: revision, repoURL: s('repo-url'), path: appDir, targetRevision: s('target-revision') },
    capabilities: {
      kubeVersion: s('kube-version').replace(/^v/, ''),
      apiVersions: s('api-versions') ? s('api-versions').split(',').map((x) => x.trim()).filter(Boolean) : [],
    },
  };
}
