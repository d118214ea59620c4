import { createHash } from 'node:crypto';
import { UserError } from '../core/errors.js';
import type { ReadOnlyFs } from '../core/fs.js';
import { gitFs } from '../io/git-fs.js';
import { runGit } from '../io/git.js';

// The repository at a revision, for comparing it with the working tree file by file without reading either
// side twice. Every file's git blob id comes from one `git ls-tree` listing; a file whose working-tree bytes
// hash to the same blob id is served from the working tree (same id, same bytes), so only the files a change
// touched cost a `git cat-file`. Plain gitFs spawns git once per file read: rendering 1,000 apps from it
// took minutes on the bench machine, most of it process start-up.

/** The git blob id of some bytes: `sha1("blob <size>\0" + bytes)` (or sha256 in a SHA-256 repository). */
export function blobId(bytes: Uint8Array, algorithm: 'sha1' | 'sha256' = 'sha1'): string {
  return createHash(algorithm).update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** A file system that can name a file's content without reading it (equal ids, equal bytes). */
export interface DigestFs extends ReadOnlyFs {
  /** Content id of the file at `path` (git blob id), or undefined when no readable file is there. */
  digest(path: string): string | undefined;
}

/** The working tree's side of a DigestFs: ids computed from the bytes, once per path (one-shot process). */
export class WorktreeFs implements DigestFs {
  private readonly ids = new Map<string, string | undefined>();
  constructor(
    readonly inner: ReadOnlyFs,
    private readonly algorithm: 'sha1' | 'sha256' = 'sha1',
  ) {}

  readFile(path: string): Uint8Array {
    return this.inner.readFile(path);
  }
  stat(path: string): 'file' | 'dir' | undefined {
    return this.inner.stat(path);
  }
  readDir(path: string): string[] {
    return this.inner.readDir(path);
  }
  digest(path: string): string | undefined {
    if (this.ids.has(path)) return this.ids.get(path);
    let id: string | undefined;
    try {
      id = this.inner.stat(path) === 'file' ? blobId(this.inner.readFile(path), this.algorithm) : undefined;
    } catch (e) {
      // A link out of the root, a dangling link: unreadable here, so never equal to a blob at the revision.
      id = `unreadable:${(e as Error).message}`;
    }
    this.ids.set(path, id);
    return id;
  }
}

export class RevisionFs implements DigestFs {
  constructor(
    private readonly git: ReadOnlyFs,
    readonly commit: string,
    private readonly ids: ReadonlyMap<string, string>,
    private readonly worktree?: WorktreeFs,
  ) {}

  digest(path: string): string | undefined {
    return this.ids.get(path);
  }
  readFile(path: string): Uint8Array {
    const id = this.ids.get(path);
    if (id !== undefined && this.worktree && this.worktree.digest(path) === id) return this.worktree.readFile(path);
    return this.git.readFile(path);
  }
  stat(path: string): 'file' | 'dir' | undefined {
    return this.git.stat(path);
  }
  readDir(path: string): string[] {
    return this.git.readDir(path);
  }
}

/** Both sides of a comparison: the working tree and the revision, with content ids in the same hash. */
export interface Sides {
  worktree: WorktreeFs;
  revision: RevisionFs;
}

/**
 * The files under `repoRoot` at `rev` (validated and resolved by gitFs: no option look-alikes, commits
 * only) and the working tree `worktree` (a confined DiskFs over the same root), unchanged files read once.
 */
export function openSides(repoRoot: string, rev: string, worktree: ReadOnlyFs): Sides {
  const git = gitFs(repoRoot, rev);
  const commit = (git as { commit?: unknown }).commit;
  if (typeof commit !== 'string' || !/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(commit)) throw new UserError(`"${rev}" is not a commit of this repository`);
  let listing: string;
  try {
    listing = runGit(repoRoot, ['ls-tree', '-r', '-z', commit], { timeoutMs: 20_000, maxBuffer: 64 * 1024 * 1024 }).toString('utf8');
  } catch (e) {
    throw new UserError(`git ls-tree failed at ${commit.slice(0, 12)}`, undefined, { cause: e });
  }
  const ids = new Map<string, string>();
  for (const entry of listing.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, id] = entry.slice(0, tab).split(' ');
    // Same rule as gitFs: symlinks and submodules at the revision read as absent.
    if (type === 'blob' && mode !== '120000' && id) ids.set(entry.slice(tab + 1), id);
  }
  const wt = new WorktreeFs(worktree, commit.length === 64 ? 'sha256' : 'sha1');
  return { worktree: wt, revision: new RevisionFs(git, commit, ids, wt) };
}
