import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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
