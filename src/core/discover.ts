import { CONFIG_FILE } from './config.js';
import { joinPath, type ReadOnlyFs } from './fs.js';

// Find apps (directories holding strata.yaml) under a folder. Only batch commands and the server walk;
// a single-app render never does (its cost must not grow with the repository).

const SKIP = new Set(['.git', 'node_modules', 'dist', '.cache']);

/** Repo-relative app directories under `dir`, sorted. Does not descend into an app's own folder. */
export function discoverApps(fs: ReadOnlyFs, dir = ''): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    const names = fs.readDir(d);
    if (names.includes(CONFIG_FILE) && fs.stat(joinPath(d, CONFIG_FILE)) === 'file') {
      out.push(d);
      return;
    }
    for (const n of names) {
      if (SKIP.has(n) || n.startsWith('.')) continue;
      const p = joinPath(d, n);
      if (fs.stat(p) === 'dir') walk(p);
    }
  };
  walk(dir);
  return out.sort();
}
