import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { UserError } from '../core/errors.js';
import { refuseGitDir, staysInside, type ReadOnlyFs } from '../core/fs.js';
import { DEFAULT_RENDER_LIMITS } from '../core/limits.js';
import { BoundedReadError, readBounded } from './bounded-read.js';

/**
 * The on-disk file system, confined to a repository root: every path is resolved through symlinks and
 * refused when it ends up outside the root (absolute links, `..` links). Argo CD's repo-server rejects such
 * links too, unless an operator allows them; local runs have no such guard, so we check ourselves.
 * A path that resolves into a `.git` folder (the checkout's, or a submodule's) is refused as well: its
 * `config` can hold tokens in remote URLs, and an in-repository link (`gitconfig -> ../.git/config`) passes
 * both Argo CD's check and the root check. Every reader (layers, templates, `file`, policy, schemas) goes
 * through here, so the rule is kept in one place, on the resolved path.
 */
export class DiskFs implements ReadOnlyFs {
  readonly root: string;
  /** With `immutable`, lookups are remembered: one-shot processes (CLI, Argo CD) see a tree that does not change. */
  private readonly memo: Map<string, string | undefined> | undefined;
  private readonly stats: Map<string, 'file' | 'dir' | undefined> | undefined;
  /** Largest file readFile returns (limits.fileBytes); bigger ones and non-regular files are refused unread. */
  readonly maxFileBytes: number;

  constructor(root: string, opts: { immutable?: boolean; maxFileBytes?: number } = {}) {
    this.root = realpathSync.native(root);
    this.maxFileBytes = opts.maxFileBytes ?? DEFAULT_RENDER_LIMITS.fileBytes;
    if (opts.immutable) {
      this.memo = new Map();
      this.stats = new Map();
    }
  }

  /** Absolute real path for a repo-relative path, or undefined when nothing is there. */
  private real(path: string): string | undefined {
    if (!this.memo) return this.resolveReal(path);
    if (this.memo.has(path)) return this.memo.get(path);
    const real = this.resolveReal(path);
    this.memo.set(path, real);
    return real;
  }

  private resolveReal(path: string): string | undefined {
    refuseGitDir(path, path); // before lstat: whether a file exists under .git is not ours to tell either
    const abs = join(this.root, path);
    // Most lookups of a missing path (a policy file looked for in every parent folder, an optional layer) end
    // here, without the two exceptions realpath and lstat would throw for it.
    try {
      if (lstatSync(abs, { throwIfNoEntry: false }) === undefined) return undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOOP')
        throw new UserError('symlink loop; refusing to follow it', { file: path });
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw e;
    }
    let real: string;
    try {
      real = realpathSync.native(abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOOP')
        throw new UserError('symlink loop; refusing to follow it', { file: path });
      try {
        lstatSync(abs); // a dangling symlink
      } catch {
        return undefined;
      }
      throw new UserError('symlink points to nothing', { file: path });
    }
    const rel = relative(this.root, real);
    if (!staysInside(rel)) {
      throw new UserError(`resolves outside the repository root through a symlink; refusing to read it`, {
        file: path,
      });
    }
    refuseGitDir(rel.split(sep).join('/'), path);
    return real;
  }

  readFile(path: string): Uint8Array {
    const real = this.real(path);
    if (!real) throw new UserError('file not found', { file: path });
    try {
      return readBounded(real, this.maxFileBytes);
    } catch (e) {
      if (e instanceof BoundedReadError) throw new UserError(e.message, { file: path }, { cause: e });
      throw new UserError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file: path }, { cause: e });
    }
  }

  stat(path: string): 'file' | 'dir' | undefined {
    if (this.stats?.has(path)) return this.stats.get(path);
    const real = this.real(path);
    const s = real ? statSync(real) : undefined;
    // A FIFO or device counts as a file, so the reader refuses it by name instead of it silently not existing.
    const kind = s?.isDirectory() ? 'dir' : s ? 'file' : undefined;
    this.stats?.set(path, kind);
    return kind;
  }

  readDir(path: string): string[] {
    const real = this.real(path);
    if (!real) throw new UserError('directory not found', { file: path || '.' });
    return readdirSync(real).sort();
  }

  identity(path: string): string | undefined {
    return this.real(path);
  }

  /** Repo-relative POSIX path of an absolute path, or undefined when it is outside the root. */
  relativePath(abs: string): string | undefined {
    let real: string;
    try {
      real = realpathSync.native(abs);
    } catch {
      return undefined;
    }
    const rel = relative(this.root, real);
    if (!staysInside(rel)) return undefined;
    return rel.split(sep).join('/');
  }
}
