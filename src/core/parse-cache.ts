import type { ReadOnlyFs } from './fs.js';
import { DEFAULT_LIMITS, loadYamlFile, type LoadedYaml, type LoadLimits } from './yaml-load.js';

// Parsed YAML files, kept by path and bytes so strata.yaml, layers and policy files are parsed once per render
// --all or server lifetime. Its own module: config.ts and layers.ts both load through it.

/** Parsed files by path, reused while their bytes are unchanged (render --all, the server). */
export class ParseCache {
  private readonly entries = new Map<string, { bytes: Uint8Array; loaded: LoadedYaml }>();

  /** `immutable`: files do not change during this process (a CLI run), so a hit by path skips reading. */
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
