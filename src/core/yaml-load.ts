import { UserError } from './errors.js';
import { DEFAULT_RENDER_LIMITS, limitHint } from './limits.js';
import type { Values } from './types.js';
import { decodeUtf8, PROFILES, readYaml } from './untrusted-yaml.js';
import { Ambiguous, UnsafeInteger } from './yaml-schema.js';
import { LazyPositions, type Position } from './yaml-positions.js';

// Loads user-authored YAML (values layers, strata.yaml, policy files, fromYaml) into plain data through the
// one reader of untrusted YAML (untrusted-yaml.ts, profile `values`): one document, a map at the top, YAML
// 1.2 core with `<<` merge keys, nothing that reaches Object.prototype, no YAML 1.1/1.2-ambiguous scalars, no
// integers beyond 2^53, bounded depth and a node budget that counts every alias expansion. Positions of
// nodes (for provenance and messages) are computed only when asked for (yaml-positions.ts).

export type { Position } from './yaml-positions.js';
export { decodeUtf8 } from './untrusted-yaml.js';

/** Line and column by value path (see paths.ts); for map entries, the key's position. */
export interface Positions {
  get(path: string): Position | undefined;
}

export interface LoadLimits {
  /** Largest file accepted, in bytes. */
  maxBytes: number;
  /** Deepest nesting accepted. */
  maxDepth: number;
  /** Most nodes visited, counting every alias expansion. */
  maxNodes: number;
}

export const DEFAULT_LIMITS: LoadLimits = {
  maxBytes: DEFAULT_RENDER_LIMITS.fileBytes,
  maxDepth: PROFILES.values.maxDepth,
  maxNodes: PROFILES.values.maxNodes,
};

export interface LoadedYaml {
  /** undefined for an empty file (a no-op layer). */
  value: Values | undefined;
  positions: Positions;
}

export function loadYamlFile(bytes: Uint8Array, file: string, limits: LoadLimits = DEFAULT_LIMITS): LoadedYaml {
  if (bytes.length > limits.maxBytes) {
    throw new UserError(
      `file is ${bytes.length} bytes, over the ${limits.maxBytes}-byte limit for a values file (${limitHint('fileBytes')})`,
      { file },
    );
  }
  return loadYamlText(decodeUtf8(bytes, file), file, limits);
}

export function loadYamlText(text: string, file: string, limits: LoadLimits = DEFAULT_LIMITS): LoadedYaml {
  if (text.length > limits.maxBytes) {
    throw new UserError(
      `values text is over the ${limits.maxBytes}-byte limit for a values file (${limitHint('fileBytes')})`,
      { file },
    );
  }
  const [root] = readYaml(text, file, PROFILES.values, { maxDepth: limits.maxDepth, maxNodes: limits.maxNodes });
  const positions = new LazyPositions(text);
  if (root === null || root === undefined) return { value: undefined, positions };
  if (typeof root !== 'object' || Array.isArray(root) || root instanceof Ambiguous || root instanceof UnsafeInteger) {
    throw new UserError(`the top level must be a map of values, found ${Array.isArray(root) ? 'a list' : 'a scalar'}`, {
      file,
      line: 1,
      column: 1,
    });
  }
  return { value: root as Values, positions };
}
