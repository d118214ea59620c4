import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import type { Limits } from '../core/limits.js';
import type { DiskFs } from '../io/disk-fs.js';
import { findRepoRoot, openAppIn } from '../io/repo.js';

export interface AppTarget {
  fs: DiskFs;
  /** Repo-relative app directory. */
  appDir: string;
}

/** The app directory named on the command line (default: the working directory), inside its repository. */
export function openApp(
  cwd: string,
  dirArg: string | undefined,
  repoRoot: string | undefined,
  limits?: Limits,
): AppTarget {
  const abs = resolve(cwd, dirArg ?? '.');
  let root: string;
  try {
    root = findRepoRoot(abs, repoRoot === undefined ? undefined : resolve(cwd, repoRoot));
  } catch {
    throw new UserError(`no such directory: ${dirArg ?? abs}`);
  }
  return openAppIn(root, abs, dirArg ?? abs, limits?.fileBytes);
}
