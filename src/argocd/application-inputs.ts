import { resolvePath } from '../core/fs.js';
import type { Finding } from '../core/types.js';
import { DiskFs } from '../io/disk-fs.js';
import { findPolicyFile } from '../policy/config.js';
import { checkoutReadlink, renderApplication, type RenderApplicationOptions } from './application.js';
import { applicationRootPath, coveredBy, MANIFEST_GENERATE_PATHS, refreshPaths } from './root-path.js';

// `lint --application`: does an Application's argocd.argoproj.io/manifest-generate-paths annotation cover what
// its strata source reads? Two upstream behaviours hang on it: with reposerver.plugin.use.manifest.generate.paths
// the repo-server sends only the root of reposerver/repository/utils.go getApplicationRootPath, and a webhook
// refreshes the app only for changes under a listed path (util/app/path/path.go AppFilesHaveChanged; open
// upstream PR 29362 would send only those paths too). An input outside either fails or goes stale in Argo CD
// and nowhere else.

export const RULE = 'argocd-manifest-generate-paths';

export interface ApplicationInputs {
  /** The app's source path, repo-relative. */
  sourcePath: string;
  annotation?: string;
  /** What the app reads, repo-relative: strata.yaml, layers, templates folder, `file` reads, valueFiles, policy. */
  inputs: string[];
  /** The folder Argo CD would send with the option on, "" for the whole repository. */
  root: string;
  findings: Finding[];
}

const under = (file: string, root: string): boolean => root === '' || file === root || file.startsWith(root + '/');

/**
 * Every input of the Application's strata source (rendered from the whole repository, without checks: lint
 * reports what the annotation misses, not policy), checked against the root Argo CD would send and the refresh
 * paths it lists. No annotation: no finding (the whole repository is sent, every commit refreshes).
 */
export function applicationInputFindings(
  opts: Omit<RenderApplicationOptions, 'checks' | 'useManifestGeneratePaths'>,
): ApplicationInputs {
  const r = renderApplication({ ...opts, checks: [], useManifestGeneratePaths: false });
  const sourcePath = r.appDir;
  const fs = new DiskFs(r.repoRoot);
  const policy = findPolicyFile(fs, r.appDir);
  const config = r.result.config;
  // Layers and valueFiles as read, the templates folder (the annotation lists folders; partials live there too),
  // the files templates read with `file`, and the policy file.
  const templates = resolvePath(config.dir, config.templates, config.file);
  const inputs = [
    ...new Set([config.file, ...r.result.files, templates, ...r.result.inputs, ...(policy ? [policy] : [])]),
  ].sort();
  const annotation = r.annotations[MANIFEST_GENERATE_PATHS];
  if (annotation === undefined) return { sourcePath, inputs, root: '', findings: [] };
  const root = applicationRootPath(annotation, sourcePath, checkoutReadlink(r.repoRoot));
  const refresh = refreshPaths(annotation, sourcePath);
  const findings: Finding[] = [];
  const add = (severity: Finding['severity'], message: string): void =>
    void findings.push({ severity, rule: RULE, message });
  for (const input of inputs) {
    if (!under(input, root)) {
      add(
        'error',
        `${input} lies outside ${root || 'the repository'}/, the folder Argo CD sends for this annotation with reposerver.plugin.use.manifest.generate.paths: generate fails there`,
      );
    }
    if (!coveredBy(input, refresh))
      add(
        'error',
        `${input} is not listed in ${MANIFEST_GENERATE_PATHS}: a commit changing it does not refresh the app`,
      );
  }
  const entries = annotation.split(';').filter((e) => e !== '');
  entries.forEach((e, i) => {
    if (e !== e.trim())
      add(
        'warn',
        `entry ${i + 1} of ${MANIFEST_GENERATE_PATHS} has leading or trailing spaces: the root rule keeps them (a relative path), the refresh rule trims them`,
      );
  });
  const widest = applicationRootPath(ancestorsFirst(entries, sourcePath), sourcePath, checkoutReadlink(r.repoRoot));
  if (widest !== root) {
    add(
      'warn',
      `${MANIFEST_GENERATE_PATHS} lists an ancestor folder after an entry that branches off: Argo CD then sends ${root || '/'} instead of ${widest || '/'} (reposerver/repository/utils.go); list ancestors first`,
    );
  }
  return { sourcePath, inputs, root, findings };
}

/** The same entries with the ones that are ancestors of the app path first (the order that widens the most). */
function ancestorsFirst(entries: readonly string[], sourcePath: string): string {
  const isAncestor = (e: string): boolean => {
    const [p] = refreshPaths(e, sourcePath);
    return (
      p !== undefined &&
      (p === '' || p === '.' || sourcePath === p || sourcePath.startsWith(p.replace(/\/$/, '') + '/'))
    );
  };
  return [...entries.filter(isAncestor), ...entries.filter((e) => !isAncestor(e))].join(';');
}
