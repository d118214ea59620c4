import { UserError } from '../core/errors.js';
import type { ReadOnlyFs } from '../core/fs.js';
import { MemoryFs } from '../core/fs.js';
import { runGit } from './git.js';

// The repository's files as they were at a git revision, without a checkout: `git ls-tree` lists the tree
// once, each file's bytes come from `git cat-file blob` on first read, through runGit (git.ts: argv only,
// GIT_* dropped, bounded). Symlinks and submodules at the revision read as absent: a render from git must
// not follow a link out of the tree.

const TIMEOUT_MS = 20_000;

function git(root: string, args: string[], maxBuffer = 64 * 1024 * 1024): Buffer {
  try {
    return runGit(root, args, { timeoutMs: TIMEOUT_MS, maxBuffer });
  } catch (e) {
    const err = e as { stderr?: Buffer; code?: string };
    const detail = err.code === 'ENOENT' ? 'git is not installed' : (err.stderr?.toString('utf8').trim().split('\n')[0] ?? (e as Error).message);
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
  private readonly blobs = new Map<string, string>();
  private readonly loaded = new Set<string>();

  constructor(
    private readonly root: string,
    readonly commit: string,
  ) {
    // `-r -z`: every blob below the working directory (root), paths relative to it, NUL-separated.
    const listing = git(root, ['ls-tree', '-r', '-z', commit]).toString('utf8');
    for (const entry of listing.split('\0')) {
      if (!entry) continue;
      const tab = entry.indexOf('\t');
      const [mode, type, sha] = entry.slice(0, tab).split(' ');
      const path = entry.slice(tab + 1);
      if (type !== 'blob' || mode === '120000') continue;
      this.blobs.set(path, sha!);
      this.mem.write(path, new Uint8Array(0)); // placeholder: creates the directories; bytes on first read
    }
  }

  readFile(path: string): Uint8Array {
    const sha = this.blobs.get(path);
    if (!sha) throw new UserError(`file not found at ${this.commit.slice(0, 12)}`, { file: path });
    if (!this.loaded.has(path)) {
      this.mem.write(path, new Uint8Array(git(this.root, ['cat-file', 'blob', sha])));
      this.loaded.add(path);
    }
    return this.mem.readFile(path);
  }

  stat(path: string): 'file' | 'dir' | undefined {
    return this.mem.stat(path);
  }

  readDir(path: string): string[] {
    if (this.mem.stat(path) !== 'dir') throw new UserError(`directory not found at ${this.commit.slice(0, 12)}`, { file: path || '.' });
    return this.mem.readDir(path);
  }
}

/**
 * The files under `repoRoot` (an absolute directory inside a git work tree) as they were at `rev`, with the
 * same repo-relative paths as the working tree's DiskFs.
 */
export function gitFs(repoRoot: string, rev: string): ReadOnlyFs {
  checkRev(rev);
  let commit: string;
  try {
    commit = git(repoRoot, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]).toString('utf8').trim();
  } catch (e) {
    throw new UserError(`"${rev}" is not a commit of this repository (or it is not a git work tree)`, undefined, { cause: e });
  }
  if (!/^[0-9a-f]{40,64}$/.test(commit)) throw new UserError(`"${rev}" is not a commit of this repository`);
  return new GitFs(repoRoot, commit);
}
