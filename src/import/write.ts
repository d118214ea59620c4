// Writing an imported app: everything goes into a fresh directory beside DIR, which is renamed into place at
// the end, so DIR is never half-written. Only relative, normalized paths are written, so nothing lands
// outside DIR; DIR itself must not be a symbolic link.

import { lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { UserError } from '../core/errors.js';

export function writeAppDir(outDir: string, files: ReadonlyMap<string, string | Buffer>, force: boolean): void {
  const dir = resolve(outDir);
  let exists = false;
  try {
    const st = lstatSync(dir);
    if (st.isSymbolicLink()) throw new UserError('--out: the directory is a symbolic link; give the real path');
    if (!st.isDirectory()) throw new UserError('--out: exists and is not a directory');
    exists = true;
    if (readdirSync(dir).length > 0 && !force)
      throw new UserError('--out: the directory is not empty (use --force to replace it)');
  } catch (e) {
    if (e instanceof UserError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UserError('--out: cannot read the directory');
  }
  for (const rel of files.keys()) {
    const clean = posix.normalize(rel);
    if (clean !== rel || clean.startsWith('../') || clean === '..' || posix.isAbsolute(clean) || clean.includes('\0')) {
      throw new Error(`import: refusing to write a path outside the app: ${JSON.stringify(rel)}`);
    }
  }
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(join(parent, `.${basename(dir)}.import-`));
  try {
    for (const [rel, body] of files) {
      const p = join(tmp, ...rel.split('/'));
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, body, { flag: 'wx' });
    }
    if (exists) {
      // Swap: the old directory moves aside, the new one into place, the old one is removed.
      const old = `${tmp}.old`;
      renameSync(dir, old);
      try {
        renameSync(tmp, dir);
      } catch (e) {
        renameSync(old, dir);
        throw e;
      }
      rmSync(old, { recursive: true, force: true });
    } else renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
