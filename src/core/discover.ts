import { CONFIG_FILE } from './config.js';
import { rethrowUnlessUser } from './errors.js';
import { joinPath, type ReadOnlyFs } from './fs.js';

// Find apps (directories holding strata.yaml) under a folder. Only batch commands and the server walk;
// a single-app render never does (its cost must not grow with the repository). An entry the file system
// refuses (a symlink loop, a link out of the repository, a dangling link) is skipped and reported through
// `onSkip`, so one bad link cannot fail every app of a batch.

export type SkipReporter = (path: string, reason: string) => void;

const SKIP = new Set(['.git', 'node_modules', 'dist', '.cache']);

/** Repo-relative app directories under `dir`, sorted. Does not descend into an app's own folder. */
export function discoverApps(fs: ReadOnlyFs, dir = '', onSkip: SkipReporter = () => {}): string[] {
  const out: string[] = [];
  const kind = (p: string): 'file' | 'dir' | undefined => {
    try {
      return fs.stat(p);
    } catch (e) {
      rethrowUnlessUser(e);
      onSkip(p, e.message);
      return undefined;
    }
  };
  // A symlink back to an ancestor (or to any directory already walked) would repeat the walk forever, or
  // find the same app under two names: each real directory is walked once.
  const seen = new Map<string, string>();
  const walk = (d: string): void => {
    const id = fs.identity?.(d) ?? d;
    const first = seen.get(id);
    if (first !== undefined) {
      onSkip(d, `same directory as ${first || '.'} through a symlink (a loop?); not walked twice`);
      return;
    }
    seen.set(id, d);
    const names = fs.readDir(d);
    if (names.includes(CONFIG_FILE) && kind(joinPath(d, CONFIG_FILE)) === 'file') {
      out.push(d);
      return;
    }
    for (const n of names) {
      if (SKIP.has(n) || n.startsWith('.')) continue;
      const p = joinPath(d, n);
      if (kind(p) === 'dir') walk(p);
    }
  };
  walk(dir);
  return out.sort();
}
