import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompiledStore } from '../core/templates.js';

// Compiled templates and schemas kept between processes. Argo CD starts a new `strata generate` for every app
// and commit; inside the sidecar /tmp is a dedicated emptyDir that lives as long as the pod, so the second
// render of an app skips compiling. The folder is private (0700, owned by us, not a symlink) because its
// files are code we run; anything unexpected turns the cache off rather than failing a render.
// STRATA_CACHE_DIR sets the folder; STRATA_CACHE_DIR=off disables it.

export function diskStore(env: Readonly<Record<string, string | undefined>>, namespace: string): CompiledStore | undefined {
  const base = env.STRATA_CACHE_DIR || join(tmpdir(), `strata-cache-${process.getuid?.() ?? 'user'}`);
  if (base === 'off') return undefined;
  try {
    mkdirSync(base, { recursive: true, mode: 0o700 });
    const st = lstatSync(base);
    if (!st.isDirectory() || st.isSymbolicLink() || (process.getuid && st.uid !== process.getuid()) || (st.mode & 0o077) !== 0) return undefined;
    const dir = join(base, namespace);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return {
      get(key) {
        try {
          return readFileSync(join(dir, `${key}.js`), 'utf8');
        } catch {
          return undefined;
        }
      },
      set(key, value) {
        // Write then rename: concurrent renders (Argo CD runs them in parallel) never read a partial file.
        const tmp = join(dir, `${key}.${process.pid}.tmp`);
        try {
          writeFileSync(tmp, value, { mode: 0o600 });
          renameSync(tmp, join(dir, `${key}.js`));
        } catch {
          // a full or read-only disk only costs speed
        }
      },
    };
  } catch {
    return undefined;
  }
}

/** A namespace that changes with the running code: a new build never reads an older build's compiled output. */
export function codeNamespace(files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    try {
      h.update(readFileSync(f));
    } catch {
      h.update(`missing:${f}`);
    }
  }
  return h.digest('hex').slice(0, 16);
}
