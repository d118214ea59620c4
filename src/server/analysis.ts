import type { LintOptions } from '../checks/lint.js';
import type { ReadOnlyFs } from '../core/fs.js';
import type { Limits } from '../core/limits.js';
import type { Finding, K8sObject } from '../core/types.js';

// The server's only door to the lint, diff and git modules: if their signatures move, this file is the fix.
// Each is loaded on first use, so the server starts (and the other routes work) even if one of them fails.

export async function lint(): Promise<(opts: LintOptions) => Finding[]> {
  const { lintApp } = await import('../checks/lint.js');
  return lintApp;
}

export interface DiffResult {
  /** Structured per-object differences, as the diff module returns them. */
  diffs: unknown[];
  /** Unified text, uncoloured. */
  text: string;
}

/** A differ whose text names the two sides with `labels` (e.g. the environments). */
export async function differ(): Promise<
  (before: K8sObject[], after: K8sObject[], labels: readonly [string, string]) => DiffResult
> {
  const { diffObjects, formatDiff } = await import('../diff/diff.js');
  return (before, after, labels) => {
    const diffs = diffObjects(before, after);
    return { diffs, text: formatDiff(diffs, { color: false, labels }) };
  };
}

/** The repository's files at a git revision (the caller validated `rev`). */
export async function filesAtRevision(repoRoot: string, rev: string, limits?: Limits): Promise<ReadOnlyFs> {
  const { gitFs } = await import('../io/git-fs.js');
  return gitFs(repoRoot, rev, limits);
}
