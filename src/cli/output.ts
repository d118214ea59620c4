import { parseApiVersions } from '../core/capabilities.js';
import type { Capabilities, ReleaseInfo } from '../core/types.js';
import type { Parsed } from './options.js';

/** Release metadata and capabilities from local flags (what only a live Argo CD knows). */
export function releaseFromFlags(v: Parsed['values'], appDir: string): { release: Partial<ReleaseInfo>; capabilities: Partial<Capabilities> } {
  const s = (k: string): string => (typeof v[k] === 'string' ? (v[k] as string) : '');
  const revision = s('revision');
  return {
    release: { revision, appRevision: revision, repoURL: s('repo-url'), path: appDir, targetRevision: s('target-revision') },
    capabilities: {
      kubeVersion: s('kube-version').replace(/^v/, ''),
      apiVersions: parseApiVersions(s('api-versions')),
    },
  };
}
