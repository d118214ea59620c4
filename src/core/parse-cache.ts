import type { ReadOnlyFs } from './fs.js';
import { DEFAULT_LIMITS, loadYamlFile, type LoadedYaml, type LoadLimits } from './yaml-load.js';

// Parsed YAML files, kept so strata.yaml, layers and policy files are parsed once per render --all or server
// lifetime. Its own module: config.ts and layers.ts both load through it.
//
// What a parse depends on: the bytes, the path (error messages and positions name it) and the load limits.
// The default mode keys by all three: it reads the file every time and reuses a parse only for equal bytes at
// the same path under the same limits, so a long-running process (the warm renderer, the server) can serve
// any number of checkouts with the same layout and other content (docs/caches.md). `immutable` skips the
// read, which is right only while the tree cannot change: one CLI run over one tree. Never give an immutable
// cache to a process that serves more than one checkout (src/cli/commands/warm-server.ts does not).

/** Parsed files by path and bytes (render --all, the server, the warm renderer). */
export class ParseCache {
  private readonly entries = new Map<string, { bytes: Uint8Array; loaded: LoadedYaml }>();

  /** `immutable`: files do not change during this process (a CLI run over one tree), so a hit by path skips reading. */
  constructor(private readonly immutable = false) {}

  load(fs: ReadOnlyFs, path: string, limits: LoadLimits = DEFAULT_LIMITS): LoadedYaml {
    // Keyed by limits too: a file loaded under looser limits must not pass under stricter ones.
    const key = `${limits.maxBytes}/${limits.maxDepth}/${limits.maxNodes}\0${path}`;
    const hit = this.entries.get(key);
    if (hit && this.immutable) return hit.loaded;
    const bytes = fs.readFile(path);
    if (hit && sameBytes(hit.bytes, bytes)) return hit.loaded;
    const loaded = loadYamlFile(bytes, path, limits);
    this.entries.set(key, { bytes, loaded });
    return loaded;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}
