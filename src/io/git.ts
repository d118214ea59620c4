import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

// Where strata runs git: `git log -1` over an app's inputs (the revision annotation) and, through runGit,
// reading files at a revision (git-fs.ts). argv only (no shell), bounded in time, GIT_* variables of the
// caller dropped (hooks and CI set GIT_DIR), confined to the repository at `root` (never a parent repo).
// The sidecar may lack .git (tar exclusions): then the annotation falls back to ARGOCD_APP_REVISION.

export interface GitOptions {
  /** Give up after this long (default 10 s): Argo CD's whole generate has 60 s by default. */
  timeoutMs?: number;
  /** The environment git runs with (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
  maxBuffer?: number;
}

/** Run git in `root`; throws execFileSync's error (with `stderr` and `code`) on failure. */
export function runGit(root: string, args: readonly string[], opts: GitOptions = {}): Buffer {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env ?? process.env)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  env.PATH ??= process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'; // an emulated Argo CD environment has none
  env.GIT_CEILING_DIRECTORIES = dirname(root); // never walk up into an enclosing repository
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_OPTIONAL_LOCKS = '0'; // read-only: do not refresh the index
  return execFileSync('git', [...args], {
    cwd: root,
    env,
    timeout: opts.timeoutMs ?? 10_000,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: opts.maxBuffer ?? 1024 * 1024,
  });
}

/** Full SHA of the last commit that touched any of `paths` (repo-relative), or undefined when unknown. */
export function lastCommitTouching(root: string, paths: readonly string[], opts: GitOptions = {}): string | undefined {
  if (paths.length === 0 || !existsSync(join(root, '.git'))) return undefined;
  try {
    const sha = runGit(root, ['--literal-pathspecs', 'log', '-1', '--format=%H', '--', ...paths], opts).toString('utf8').trim();
    return /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha) ? sha : undefined;
  } catch {
    return undefined; // no git binary, not a repository, shallow oddities, timeout: fall back
  }
}
