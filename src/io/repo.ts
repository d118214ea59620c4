import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { DiskFs } from './disk-fs.js';

/** The repository root for a directory: `explicit` if given, else the nearest ancestor holding `.git`, else the directory itself. */
export function findRepoRoot(dir: string, explicit?: string): string {
  if (explicit) return realpathSync(resolve(explicit));
  return findCheckout(dir) ?? realpathSync(resolve(dir));
}

/** The nearest directory at or above `dir` holding `.git` (the checkout `dir` belongs to), or undefined. */
export function findCheckout(dir: string): string | undefined {
  let d = realpathSync(resolve(dir));
  for (;;) {
    if (existsSync(join(d, '.git'))) return d;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/**
 * The repository at `root` as the immutable DiskFs a render reads, and `dir`'s path inside it. The one place the
 * CLI (cli/target.ts) and the Argo CD plugin (argocd/generate.ts) open an app once each has chosen its root; `named`
 * is how the error names `dir` (as the user gave it).
 */
export function openAppIn(
  root: string,
  dir: string,
  named: string,
  maxFileBytes?: number,
): { fs: DiskFs; appDir: string } {
  const fs = new DiskFs(root, { immutable: true, ...(maxFileBytes ? { maxFileBytes } : {}) });
  const appDir = fs.relativePath(dir);
  if (appDir === undefined) throw new UserError(`${named} is outside the repository root ${root}`);
  return { fs, appDir };
}
