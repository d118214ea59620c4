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

/** Files up to this size keep their bytes after hashing, so the render that follows does not read them again. */
const KEEP_BYTES = 1024 * 1024;

/** The working tree's side of a DigestFs: ids computed from the bytes, once per path (one-shot process). */
export class WorktreeFs implements DigestFs {
  private readonly ids = new Map<string, string | undefined>();
  private readonly bytes = new Map<string, Uint8Array>();
  constructor(
    readonly inner: ReadOnlyFs,
    private readonly algorithm: 'sha1' | 'sha256' = 'sha1',
  ) {}

  readFile(path: string): Uint8Array {
    return this.bytes.get(path) ?? this.inner.readFile(path);
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
      if (this.inner.stat(path) === 'file') {
        const b = this.inner.readFile(path);
        id = blobId(b, this.algorithm);
        if (b.length <= KEEP_BYTES) this.bytes.set(path, b);
      }
    } catch (e) {
      // A link out of the root, a dangling link: unreadable here, so never equal to a blob at the revision.
      id = `unreadable:${(e as Error).message}`;
    }
    this.ids.set(path, id);
    return id;
  }
}

export class RevisionFs implements DigestFs {
  /** Folder -> sorted entry names, from the same listing (gitFs's in-memory tree lists a folder in O(files)). */
  private readonly dirs = new Map<string, string[]>();

  constructor(
    private readonly git: ReadOnlyFs,
    readonly commit: string,
    private readonly ids: ReadonlyMap<string, string>,
    private readonly worktree?: WorktreeFs,
  ) {
    const children = new Map<string, Set<string>>([['', new Set()]]);
    for (const path of ids.keys()) {
      let child = path;
      for (let i = path.lastIndexOf('/'); ; i = child.lastIndexOf('/')) {
        const parent = i < 0 ? '' : child.slice(0, i);
        const known = children.has(parent);
        if (!known) children.set(parent, new Set());
        children.get(parent)!.add(child.slice(i + 1));
        if (known || i < 0) break;
        child = parent;
      }
    }
    for (const [d, names] of children) this.dirs.set(d, [...names].sort());
  }

  digest(path: string): string | undefined {
    return this.ids.get(path);
  }
  readFile(path: string): Uint8Array {
    const id = this.ids.get(path);
    if (id !== undefined && this.worktree && this.worktree.digest(path) === id) return this.worktree.readFile(path);
    return this.git.readFile(path);
  }
  stat(path: string): 'file' | 'dir' | undefined {
    return this.ids.has(path) ? 'file' : this.dirs.has(path) ? 'dir' : undefined;
  }
  readDir(path: string): string[] {
    const names = this.dirs.get(path);
    return names ? [...names] : this.git.readDir(path); // gitFs throws its "directory not found" error
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
  if (typeof commit !== 'string' || !/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(commit))
    throw new UserError(`"${rev}" is not a commit of this repository`);
  let listing: string;
  try {
    listing = runGit(repoRoot, ['ls-tree', '-r', '-z', commit], {
      timeoutMs: 20_000,
      maxBuffer: 64 * 1024 * 1024,
    }).toString('utf8');
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
