import { UserError } from '../core/errors.js';
import type { ReadOnlyFs } from '../core/fs.js';
import { MemoryFs } from '../core/fs.js';
import { DEFAULT_RENDER_LIMITS, type Limits, limitHint } from '../core/limits.js';
import { gitDirProblem, runGit } from './git.js';

// The repository's files as they were at a git revision, without a checkout: `git ls-tree` lists the tree
// once, each file's bytes come from `git cat-file blob` on first read, through runGit (git.ts: argv only,
// GIT_* dropped, repository config neutralised, bounded by limits.gitMs). Symlinks and submodules at the
// revision read as absent: a render from git must not follow a link out of the tree. Blobs over
// limits.fileBytes are refused from the listing's sizes, before git is asked for their bytes.

type GitLimits = Pick<Limits, 'gitMs' | 'fileBytes'>;

function git(root: string, args: string[], limits: GitLimits, maxBuffer = 64 * 1024 * 1024): Buffer {
  try {
    return runGit(root, args, { timeoutMs: limits.gitMs, maxBuffer });
  } catch (e) {
    const err = e as { stderr?: Buffer; code?: string };
    const detail =
      err.code === 'ENOENT'
        ? 'git is not installed'
        : err.code === 'ETIMEDOUT'
          ? `timed out after ${limits.gitMs} ms (${limitHint('gitMs')})`
          : (err.stderr?.toString('utf8').trim().split('\n')[0] ?? (e as Error).message);
    throw new UserError(`git ${args[0]} failed: ${detail}`, undefined, { cause: e });
  }
}

/** A revision name we pass to git: no option look-alikes, no whitespace or control characters. */
function checkRev(rev: string): void {
  if (rev === '' || rev.startsWith('-') || /[\s\0-\x1f\x7f]/.test(rev) || rev.length > 256) {
    throw new UserError(`"${rev}" is not a git revision`);
  }
}

class GitFs implements ReadOnlyFs {
  private readonly mem = new MemoryFs();
  private readonly blobs = new Map<string, { sha: string; size: number }>();
  private readonly loaded = new Set<string>();

  constructor(
    private readonly root: string,
    readonly commit: string,
    private readonly limits: GitLimits,
  ) {
    // `-r -z -l`: every blob below the working directory (root) with its size, paths relative to it, NUL-separated.
    const listing = git(root, ['ls-tree', '-r', '-z', '-l', commit], limits).toString('utf8');
    for (const entry of listing.split('\0')) {
      if (!entry) continue;
      const tab = entry.indexOf('\t');
      const [mode, type, sha, size] = entry.slice(0, tab).split(/ +/);
      const path = entry.slice(tab + 1);
      // git never checks out a `.git` entry, but a crafted tree object can list one: drop it, as DiskFs refuses it.
      if (type !== 'blob' || mode === '120000' || path.split('/').includes('.git')) continue;
      this.blobs.set(path, { sha: sha, size: Number(size) });
      this.mem.write(path, new Uint8Array(0)); // placeholder: creates the directories; bytes on first read
    }
  }

  readFile(path: string): Uint8Array {
    const blob = this.blobs.get(path);
    if (!blob) throw new UserError(`file not found at ${this.commit.slice(0, 12)}`, { file: path });
    if (!(blob.size <= this.limits.fileBytes)) {
      throw new UserError(
        `file is ${blob.size} bytes at ${this.commit.slice(0, 12)}, over the ${this.limits.fileBytes}-byte limit (${limitHint('fileBytes')})`,
        { file: path },
      );
    }
    if (!this.loaded.has(path)) {
      this.mem.write(
        path,
        new Uint8Array(git(this.root, ['cat-file', 'blob', blob.sha], this.limits, blob.size + 1024)),
      );
      this.loaded.add(path);
    }
    return this.mem.readFile(path);
  }

  stat(path: string): 'file' | 'dir' | undefined {
    return this.mem.stat(path);
  }

  readDir(path: string): string[] {
    if (this.mem.stat(path) !== 'dir')
      throw new UserError(`directory not found at ${this.commit.slice(0, 12)}`, { file: path || '.' });
    return this.mem.readDir(path);
  }
}

/**
 * The files under `repoRoot` (an absolute directory inside a git work tree) as they were at `rev`, with the
 * same repo-relative paths as the working tree's DiskFs.
 */
export function gitFs(repoRoot: string, rev: string, limits: GitLimits = DEFAULT_RENDER_LIMITS): ReadOnlyFs {
  checkRev(rev);
  const problem = gitDirProblem(repoRoot);
  if (problem === 'no .git')
    throw new UserError(`${repoRoot} is not a git work tree (no .git); --against-ref needs one`);
  if (problem) throw new UserError(problem, { file: '.git' });
  let commit: string;
  try {
    commit = git(repoRoot, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], limits)
      .toString('utf8')
      .trim();
  } catch (e) {
    throw new UserError(`"${rev}" is not a commit of this repository (or it is not a git work tree)`, undefined, {
      cause: e,
    });
  }
  if (!/^[0-9a-f]{40,64}$/.test(commit)) throw new UserError(`"${rev}" is not a commit of this repository`);
  return new GitFs(repoRoot, commit, limits);
}
