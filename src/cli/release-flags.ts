import { parseApiVersions } from '../core/capabilities.js';
import type { Capabilities, ReleaseInfo } from '../core/types.js';

/** The release flags of `render` (declarations.ts), as parsed. */
export interface ReleaseFlags {
  readonly revision?: string | undefined;
  readonly repoUrl?: string | undefined;
  readonly targetRevision?: string | undefined;
  readonly kubeVersion?: string | undefined;
  readonly apiVersions?: string | undefined;
}

/** Release metadata and capabilities from local flags (what only a live Argo CD knows). */
export function releaseFromFlags(
  f: ReleaseFlags,
  appDir: string,
): { release: Partial<ReleaseInfo>; capabilities: Partial<Capabilities> } {
  const revision = f.revision ?? '';
  return {
    release: {
      revision,
      appRevision: revision,
      repoURL: f.repoUrl ?? '',
      path: appDir,
      targetRevision: f.targetRevision ?? '',
    },
    capabilities: {
      kubeVersion: (f.kubeVersion ?? '').replace(/^v/, ''),
      apiVersions: parseApiVersions(f.apiVersions),
    },
  };
}
