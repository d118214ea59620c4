import { UserError } from './errors.js';

/**
 * The read-only file system the core is given. Paths are repo-relative POSIX paths ("a/b/c.yaml", "" is the
 * root). Implementations refuse anything that resolves outside the repository root.
 */
export interface ReadOnlyFs {
  /** File contents as bytes; throws UserError when missing or outside the root. */
  readFile(path: string): Uint8Array;
  /** 'file' | 'dir' | undefined when nothing is there. */
  stat(path: string): 'file' | 'dir' | undefined;
  /** Names of the entries of a directory, sorted. */
  readDir(path: string): string[];
  /**
   * Optional: what a directory really is (its resolved location), so a walk can tell two paths that reach
   * the same directory through a symlink apart from two directories, and never loop. Absent: paths are identities.
   */
  identity?(path: string): string | undefined;
}

/**
 * Whether a relative path (as node's `path.relative(base, target)` returns it, `/` or `\\` separated) names its
 * base or something under it: the one containment test on paths. Outside: a climb (`..`, `../x`) or another root
 * (`/x`, `C:\\x`, what `relative` returns across Windows drives). A folder whose name starts with two dots
 * (`..x`) is inside.
 */
export function staysInside(rel: string): boolean {
  return !(
    rel === '..' ||
    rel.startsWith('../') ||
    rel.startsWith('..\\') ||
    rel.startsWith('/') ||
    rel.startsWith('\\') ||
    /^[A-Za-z]:/.test(rel)
  );
}

/** Normalise a repo-relative path; errors when it climbs above the root. `from` is the file that named it. */
export function resolvePath(baseDir: string, rel: string, from?: string): string {
  if (rel.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rel)) {
    throw new UserError(
      `path "${rel}" is absolute; paths must be relative and stay inside the repository`,
      from ? { file: from } : undefined,
    );
  }
  const out: string[] = baseDir ? baseDir.split('/') : [];
  for (const seg of rel.split(/[\\/]+/)) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) {
        throw new UserError(`path "${rel}" leaves the repository root`, from ? { file: from } : undefined);
      }
      out.pop();
    } else out.push(seg);
  }
  return out.join('/');
}

/**
 * Refuse a repo-relative path with a `.git` segment: the repository's git directory (and a submodule's) holds
 * `config` with remote URLs that can carry tokens, and nothing a render reads ever lives there. Callers pass
 * the RESOLVED path (after symlinks), so `gitconfig -> ../.git/config` is refused like `.git/config`, and
 * name the path as written in the error.
 */
export function refuseGitDir(resolved: string, written: string): void {
  if (resolved.split('/').includes('.git')) {
    throw new UserError('resolves into .git (the git directory); refusing to read it', { file: written || '.' });
  }
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export function joinPath(a: string, b: string): string {
  return a ? (b ? `${a}/${b}` : a) : b;
}

/** An in-memory file system for tests and for rendering files read from git. */
export class MemoryFs implements ReadOnlyFs {
  private readonly files = new Map<string, Uint8Array>();
  private readonly dirs = new Set<string>(['']);

  constructor(files: Record<string, string | Uint8Array> = {}) {
    for (const [p, c] of Object.entries(files)) this.write(p, c);
  }

  write(path: string, content: string | Uint8Array): void {
    const p = resolvePath('', path);
    this.files.set(p, typeof content === 'string' ? new TextEncoder().encode(content) : content);
    for (let d = dirname(p); ; d = dirname(d)) {
      this.dirs.add(d);
      if (d === '') break;
    }
  }

  // The same `.git` rule as DiskFs, so a test or a git-revision tree cannot behave differently from disk.
  readFile(path: string): Uint8Array {
    refuseGitDir(path, path);
    const c = this.files.get(path);
    if (!c) throw new UserError(`file not found`, { file: path });
    return c;
  }

  stat(path: string): 'file' | 'dir' | undefined {
    refuseGitDir(path, path);
    if (this.files.has(path)) return 'file';
    return this.dirs.has(path) ? 'dir' : undefined;
  }

  readDir(path: string): string[] {
    refuseGitDir(path, path);
    const prefix = path ? path + '/' : '';
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p !== path && p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]);
    }
    return [...names].sort();
  }
}
