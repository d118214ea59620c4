import { lastCommitTouching } from '../io/git.js';
import { limitHint } from '../core/limits.js';
import type { Env } from './contract.js';

// The `app` revision mode asks git for the last commit touching an app's inputs. That answer must not flip
// between runs of the same commit (Argo CD caches and diffs the output): every way git can fail to answer
// (no .git in the tarball, no git binary, a timeout under load) gives the same fallback, the repository
// revision, and says which at debug level. The timeout is limits.gitMs.

/** Last commit touching repo-relative paths, or undefined when git gave no answer. */
export type LastCommit = (root: string, paths: readonly string[], timeoutMs: number) => string | undefined;

export interface AppRevisionLookup {
  root: string;
  paths: readonly string[];
  /** The command's environment (git runs with it, GIT_* dropped by src/io/git.ts). */
  env: Env;
  timeoutMs: number;
  lastCommit?: LastCommit;
  now?: () => number;
  debug?: (message: string, fields: Record<string, unknown>) => void;
}

export const gitLastCommit: (env: Env) => LastCommit = (env) => (root, paths, timeoutMs) =>
  lastCommitTouching(root, paths, { env, timeoutMs });

/** The app revision, or undefined (the caller then uses ARGOCD_APP_REVISION), logging why at debug level. */
export function lookupAppRevision(o: AppRevisionLookup): string | undefined {
  const now = o.now ?? Date.now;
  const start = now();
  const sha = (o.lastCommit ?? gitLastCommit(o.env))(o.root, o.paths, o.timeoutMs);
  if (sha !== undefined) return sha;
  const ms = now() - start;
  // src/io/git.ts folds every failure into "undefined"; the elapsed time tells a timeout from the rest.
  const reason =
    ms >= o.timeoutMs
      ? `git timed out after ${o.timeoutMs} ms (${limitHint('gitMs')})`
      : 'git gave no answer (no .git in the tarball, no git binary, or a git error)';
  o.debug?.(`revision: ${reason}; annotating with the repository revision ARGOCD_APP_REVISION`, {
    elapsedMs: ms,
    timeoutMs: o.timeoutMs,
  });
  return undefined;
}
