import type { ReadOnlyFs } from '../core/fs.js';
import type { Limits } from '../core/limits.js';
import type { RenderCaches } from '../core/render.js';
import type { Finding, K8sObject } from '../core/types.js';

// The server's only door to the lint, diff and git modules: if their signatures move, this file is the fix.
// Each is loaded on first use, so the server starts (and the other routes work) even if one of them fails.

export async function lint(opts: { fs: ReadOnlyFs; appDir: string; env: string; caches: RenderCaches }): Promise<(fs: ReadOnlyFs) => Finding[]> {
  const { lintApp } = await import('../checks/lint.js');
  return (fs) => lintApp({ ...opts, fs });
}

export interface DiffResult {
  /** Structured per-object differences, as the diff module returns them. */
  diffs: unknown[];
  /** Unified text, uncoloured. */
  text: string;
}

/** A differ whose text names the two sides with `labels` (e.g. the environments). */
export async function differ(labels: readonly [string, string]): Promise<(before: K8sObject[], after: K8sObject[]) => DiffResult> {
  const { diffObjects, formatDiff } = await import('../diff/diff.js');
  return (before, after) => {
    const diffs = diffObjects(before, after);
    return { diffs, text: formatDiff(diffs, { color: false, labels }) };
  };
}

/** The repository's files at a git revision (the caller validated `rev`). */
export async function filesAtRevision(repoRoot: string, rev: string, limits?: Limits): Promise<ReadOnlyFs> {
  const { gitFs } = await import('../io/git-fs.js');
  return gitFs(repoRoot, rev, limits);
}
