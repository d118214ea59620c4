import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RENDER_LIMITS } from '../core/limits.js';
import type { CompiledStore } from '../core/templates.js';

// Compiled templates kept between processes. Argo CD starts a new `strata generate` for every app
// and commit; inside the sidecar /tmp is a dedicated emptyDir that lives as long as the pod, so the second
// render of an app skips compiling. The folder is private (0700, owned by us, not a symlink) because its
// files are code we run; anything unexpected turns the cache off rather than failing a render.
// STRATA_CACHE_DIR sets the folder; STRATA_CACHE_DIR=off disables it.
// The folder is bounded by limits.cacheBytes (docs/security.md §2: a repository with many large templates must not
// fill the pod's /tmp): after each write, when the whole folder (every build's namespace and V8's compile
// cache from bootstrap.cjs) is over the cap, the least recently used files go first, down to 3/4 of the cap.
// A hit refreshes its file's mtime, so mtime order is use order.
// What is kept is code strata runs (`new Function`), so two rules hold (issue 21 §1, docs/security.md "Code
// generation"): only code strata generated from text it quotes is stored (Handlebars' precompiled templates;
// never Ajv's validators, whose code can carry a schema's `$id` unquoted), and every file carries a digest of
// its namespace, key and body, checked on every read, so a file is run only under the key it was written for.
// The digest is integrity, not authenticity: whoever can write this private folder runs as strata already.

/**
 * The rule for strata's cache folder (compiled code, the warm renderer's socket): a directory of ours, not a
 * symlink, that nobody else can read or write. bootstrap.cjs applies the same rule before the bundle loads.
 */
export function isPrivateDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    return st.isDirectory() && !st.isSymbolicLink() && (uid === undefined || st.uid === uid) && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

export function diskStore(
  env: Readonly<Record<string, string | undefined>>,
  namespace: string,
  maxBytes: number = DEFAULT_RENDER_LIMITS.cacheBytes,
): CompiledStore | undefined {
  const base = env.STRATA_CACHE_DIR || join(tmpdir(), `strata-cache-${process.getuid?.() ?? 'user'}`);
  if (base === 'off') return undefined;
  try {
    mkdirSync(base, { recursive: true, mode: 0o700 });
    if (!isPrivateDir(base)) return undefined;
    const dir = join(base, namespace);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // The cap is enforced on this process's first write, then after every quarter of the cap it writes: a
    // check lists the whole folder (thousands of files in a busy sidecar), which on every write made a cold
    // `render --all` spend more time listing the cache than compiling.
    let sinceCheck = Infinity;
    return {
      get(key) {
        if (!KEY.test(key)) return undefined;
        const file = join(dir, `${key}.js`);
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          return undefined;
        }
        const body = checkedBody(namespace, key, text);
        try {
          if (body === undefined) rmSync(file, { force: true });
          else {
            const now = new Date();
            utimesSync(file, now, now);
          }
        } catch {
          // removed by another process meanwhile
        }
        return body;
      },
      set(key, value) {
        if (!KEY.test(key)) return;
        // Write then rename: concurrent renders (Argo CD runs them in parallel) never read a partial file.
        const tmp = join(dir, `${key}.${process.pid}.tmp`);
        try {
          writeFileSync(tmp, sealed(namespace, key, value), { mode: 0o600 });
          renameSync(tmp, join(dir, `${key}.js`));
          sinceCheck += value.length;
          if (sinceCheck > maxBytes / 4) {
            sinceCheck = 0;
            enforceCacheBudget(base, maxBytes);
          }
        } catch {
          // a full or read-only disk only costs speed
        }
      },
    };
  } catch {
    return undefined;
  }
}

/**
 * A store key: a file name of its own (no dot, no slash), e.g. `hbs-<sha256 of path and text>`. Keys are made by
 * strata, never taken from a repository; anything else is neither read nor written.
 */
const KEY = /^[A-Za-z0-9_-]{1,128}$/;
const HEADER = 'strata-compiled-v1 ';

/** The digest a stored file carries: of its namespace (the build), its key and its body. */
function digest(namespace: string, key: string, body: string): string {
  return createHash('sha256').update(namespace).update('\0').update(key).update('\0').update(body).digest('hex');
}

/** A stored file: one header line with the digest, then the body. */
export function sealed(namespace: string, key: string, body: string): string {
  return `${HEADER}${digest(namespace, key, body)}\n${body}`;
}

/**
 * The body of a stored file when its digest matches this namespace, key and body; otherwise undefined. A file
 * cut short (a full disk), written for another key or build (a rename, a copy, a swap) or edited is never
 * returned, so never run: a store hit is always code this build generated from the exact text its key names.
 */
export function checkedBody(namespace: string, key: string, text: string): string | undefined {
  const nl = text.indexOf('\n');
  if (!text.startsWith(HEADER) || nl !== HEADER.length + 64) return undefined;
  const body = text.slice(nl + 1);
  // A plain comparison: the digest is no secret (see the header comment).
  return text.slice(HEADER.length, nl) === digest(namespace, key, body) ? body : undefined;
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

interface CacheFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/** Every regular file under `dir` (no symlinks followed), at most `depth` levels down. */
function listFiles(dir: string, depth: number, out: CacheFile[] = []): CacheFile[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory() && depth > 0) listFiles(path, depth - 1, out);
    else if (st.isFile()) out.push({ path, size: st.size, mtimeMs: st.mtimeMs });
  }
  return out;
}

/** Bring the cache folder under `maxBytes`, least recently used files first. Returns the bytes removed. */
export function enforceCacheBudget(base: string, maxBytes: number): number {
  const files = listFiles(base, 4);
  let total = files.reduce((n, f) => n + f.size, 0);
  if (total <= maxBytes) return 0;
  const target = Math.floor((maxBytes * 3) / 4);
  let removed = 0;
  for (const f of files.sort((a, b) => a.mtimeMs - b.mtimeMs)) {
    if (total <= target) break;
    try {
      rmSync(f.path, { force: true });
      total -= f.size;
      removed += f.size;
    } catch {
      // another process removed it first
    }
  }
  return removed;
}
