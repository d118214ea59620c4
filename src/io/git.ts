import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

// The only place strata runs git: `git log -1` over an app's inputs, for the revision annotation.
// argv only (no shell), bounded in time, confined to the repository at `root` (never a parent repo).
// The sidecar image may have no git binary, and a tarball may have no .git: then the answer is undefined
// and the caller falls back to ARGOCD_APP_REVISION.

export interface GitOptions {
  /** Give up after this long (default 10 s): Argo CD's whole generate has 60 s by default. */
  timeoutMs?: number;
  /** The environment git runs with (GIT_* variables are dropped: hooks and CI set GIT_DIR). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Full SHA of the last commit that touched any of `paths` (repo-relative), or undefined when unknown. */
export function lastCommitTouching(root: string, paths: readonly string[], opts: GitOptions = {}): string | undefined {
  if (paths.length === 0 || !existsSync(join(root, '.git'))) return undefined;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env ?? process.env)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  env.PATH ??= process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'; // an emulated Argo CD environment has none
  env.GIT_CEILING_DIRECTORIES = dirname(root); // never walk up into an enclosing repository
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_OPTIONAL_LOCKS = '0'; // read-only: do not refresh the index
  try {
    const out = execFileSync('git', ['--literal-pathspecs', 'log', '-1', '--format=%H', '--', ...paths], {
      cwd: root,
      env,
      timeout: opts.timeoutMs ?? 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
      encoding: 'utf8',
      maxBuffer: 1024 * 1024,
    });
    const sha = out.trim();
    return /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha) ? sha : undefined;
  } catch {
    return undefined; // no git binary, not a repository, shallow oddities, timeout: fall back
  }
}
