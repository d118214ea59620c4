import yaml from 'js-yaml';
import { UserError } from './errors.js';
import { DEFAULT_RENDER_LIMITS, limitHint } from './limits.js';
import { FORBIDDEN_KEYS } from './paths.js';
import type { Values } from './types.js';
import { Ambiguous, checkParsed, STRATA_SCHEMA, UnsafeInteger, type ParsedProblem } from './yaml-schema.js';
import { findComplexKey, LazyPositions, type Position } from './yaml-positions.js';

// Loads user-authored YAML (values layers, strata.yaml, policy files) into plain data: YAML 1.2 core with
// `<<` merge keys, read by js-yaml, then walked once to enforce what js-yaml does not: no keys that reach
// Object.prototype, no YAML 1.1/1.2-ambiguous scalars, no integers beyond 2^53, bounded depth and a node budget
// that counts every alias expansion ("billion laughs" files fail fast). Positions of nodes (for provenance
// and messages) are computed only when asked for (yaml-positions.ts).

export type { Position } from './yaml-positions.js';

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

export const DEFAULT_LIMITS: LoadLimits = { maxBytes: DEFAULT_RENDER_LIMITS.fileBytes, maxDepth: DEFAULT_RENDER_LIMITS.nestingDepth, maxNodes: 1_000_000 };

export interface LoadedYaml {
  /** undefined for an empty file (a no-op layer). */
  value: Values | undefined;
  positions: Positions;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode bytes as UTF-8 (BOM stripped), or fail naming the file and the line of the first bad byte. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    const text = utf8.decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    const bad = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
    throw new UserError(`file is not valid UTF-8 (byte ${bad})`, { file, line });
  }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (error path only). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > b.length) return i;
    try {
      utf8.decode(b.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return b.length;
}

export function loadYamlFile(bytes: Uint8Array, file: string, limits: LoadLimits = DEFAULT_LIMITS): LoadedYaml {
  if (bytes.length > limits.maxBytes) {
    throw new UserError(`file is ${bytes.length} bytes, over the ${limits.maxBytes}-byte limit for a values file (${limitHint('fileBytes')})`, { file });
  }
  return loadYamlText(decodeUtf8(bytes, file), file, limits);
}

export function loadYamlText(text: string, file: string, limits: LoadLimits = DEFAULT_LIMITS): LoadedYaml {
  if (text.length > limits.maxBytes) {
    throw new UserError(`values text is over the ${limits.maxBytes}-byte limit for a values file (${limitHint('fileBytes')})`, { file });
  }
  const positions = new LazyPositions(text);
  let root: unknown;
  try {
    root = yaml.load(text, { schema: STRATA_SCHEMA, filename: file });
  } catch (e) {
    throw parseError(e, file);
  }
  if (root === null || root === undefined) return { value: undefined, positions };
  if (typeof root !== 'object' || Array.isArray(root) || root instanceof Ambiguous || root instanceof UnsafeInteger) {
    throw new UserError(`the top level must be a map of values, found ${Array.isArray(root) ? 'a list' : 'a scalar'}`, { file, line: 1, column: 1 });
  }
  const fail = (message: string, path: string): never => {
    throw new UserError(message, { file, path, ...positionOf(positions, path) });
  };

  checkParsed(root, { ...limits, forbiddenKeys: FORBIDDEN_KEYS }, (problem, path, detail) => {
    // Never the value itself: it may be a secret, and the message reaches Argo CD's UI. The key is in the path.
    const message: Record<ParsedProblem, string> = {
      nodes: `more than ${detail} nodes after expanding aliases (an alias bomb?)`,
      depth: `nesting deeper than ${detail} levels (${limitHint('nestingDepth')})`,
      ambiguous: `"${detail}" means different things in YAML 1.1 (Helm, Argo CD) and YAML 1.2; write true/false or a plain number, or quote it to keep a string`,
      'unsafe-int': 'integer beyond 2^53 would lose precision; quote it to keep it as a string',
      key: `the key "${detail}" is not allowed in values (it could reach JavaScript's Object.prototype)`,
      type: `unsupported value (${detail})`,
    };
    return fail(message[problem], path);
  });
  refuseComplexKeys(text, file);
  return { value: root as Values, positions };
}

/** js-yaml's message quotes the source line (it may hold a secret): keep only the reason and the mark. */
function parseError(e: unknown, file: string): UserError {
  if (e instanceof RangeError) {
    // js-yaml recurses per nesting level: a deep flow collection (`[[[[...`) exhausts the stack before our walk.
    return new UserError('nesting too deep for the YAML reader', { file }, { cause: e });
  }
  const err = e as { reason?: string; mark?: { line: number; column: number } };
  return new UserError(`invalid YAML: ${err.reason ?? 'parse error'}`, { file, ...(err.mark ? { line: err.mark.line + 1, column: err.mark.column + 1 } : {}) });
}

/** Positions are a second reading of the text; on an error path that reading must not replace the error. */
function positionOf(positions: Positions, path: string): Partial<Position> {
  try {
    return positions.get(path) ?? {};
  } catch {
    return {};
  }
}

/** A list or map used as a key (`? [a, b]`): js-yaml would silently turn it into the string "a,b". */
export function refuseComplexKeys(text: string, file: string): void {
  let found: ReturnType<typeof findComplexKey>;
  try {
    found = findComplexKey(text);
  } catch (e) {
    throw new UserError('the YAML could not be read a second time to check its keys', { file }, { cause: e });
  }
  if (found) {
    throw new UserError('a list or map used as a key is not supported (js-yaml would turn it into a string); keys must be plain strings', {
      file,
      path: found.path,
      ...found.position,
    });
  }
}
