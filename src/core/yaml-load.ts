import { LineCounter, parseDocument, isAlias, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { UserError } from './errors.js';
import { childPath, FORBIDDEN_KEYS } from './paths.js';
import type { Value, Values } from './types.js';

// Loads user-authored YAML (values layers, strata.yaml) into plain data plus the line:column of every node.
// We use the `yaml` package here, not js-yaml: provenance needs the position of every node, which js-yaml
// does not expose. Values are read as YAML 1.2 core (like js-yaml's CORE_SCHEMA) with `<<` merge keys.

export interface LoadLimits {
  /** Largest file accepted, in bytes. */
  maxBytes: number;
  /** Deepest nesting accepted. */
  maxDepth: number;
  /** Most nodes visited, counting every alias expansion: bounds "billion laughs" files. */
  maxNodes: number;
}

export const DEFAULT_LIMITS: LoadLimits = { maxBytes: 4 * 1024 * 1024, maxDepth: 64, maxNodes: 1_000_000 };

export interface Position {
  line: number;
  column: number;
}

export interface LoadedYaml {
  /** undefined for an empty file (a no-op layer). */
  value: Values | undefined;
  /** Value path (see paths.ts) -> position of the node (for map entries: of the key). */
  positions: Map<string, Position>;
}

// Plain scalars that YAML 1.1 (Helm, Argo CD) and YAML 1.2 read differently. We refuse them rather than
// guess: `enabled: no` is `false` to Helm but the truthy string "no" to a YAML 1.2 reader.
const AMBIGUOUS_PLAIN = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?0[0-7]+|[-+]?[0-9][0-9_]*_[0-9_]*|[-+]?[0-9]+(?::[0-5]?[0-9])+)$/;

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
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
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
    throw new UserError(`file is ${bytes.length} bytes, over the ${limits.maxBytes}-byte limit for a values file`, { file });
  }
  return loadYamlText(decodeUtf8(bytes, file), file, limits);
}

export function loadYamlText(text: string, file: string, limits: LoadLimits = DEFAULT_LIMITS): LoadedYaml {
  if (text.length > limits.maxBytes) {
    throw new UserError(`values text is over the ${limits.maxBytes}-byte limit for a values file`, { file });
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lc,
    uniqueKeys: true,
    merge: true,
    schema: 'core',
    intAsBigInt: true,
    prettyErrors: false,
    strict: true,
  });
  const at = (offset: number): Position => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const first = doc.errors[0];
  if (first) {
    // yaml's messages without prettyErrors carry no source snippet; keep it that way (secrets).
    throw new UserError(`invalid YAML: ${first.message.replace(/\s+/g, ' ').trim()}`, { file, ...at(first.pos[0]) });
  }
  const positions = new Map<string, Position>();
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { value: undefined, positions };
  if (!isMap(root)) {
    const what = isSeq(root) ? 'a list' : 'a scalar';
    throw new UserError(`the top level must be a map of values, found ${what}`, { file, ...at(root.range?.[0] ?? 0) });
  }

  let nodes = 0;
  const convert = (node: YamlNode | null, path: string, depth: number): Value => {
    if (++nodes > limits.maxNodes) {
      throw new UserError(`more than ${limits.maxNodes} nodes after expanding aliases (an alias bomb?)`, { file, path, ...(node?.range ? at(node.range[0]) : {}) });
    }
    if (depth > limits.maxDepth) {
      throw new UserError(`nesting deeper than ${limits.maxDepth} levels`, { file, path, ...(node?.range ? at(node.range[0]) : {}) });
    }
    if (node === null) return null;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) throw new UserError(`unknown alias *${node.source}`, { file, path, ...at(node.range![0]) });
      return convert(target, path, depth);
    }
    if (isScalar(node)) return scalar(node.value, node.type === 'PLAIN' ? node.source : undefined, path, node.range![0]);
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const p = childPath(path, i);
        const n = item as YamlNode | null;
        if (n?.range) positions.set(p, at(n.range[0]));
        return convert(n, p, depth + 1);
      });
    }
    if (isMap(node)) {
      const out: Values = {};
      for (const pair of node.items) {
        const keyNode = pair.key as YamlNode | null;
        const keyOffset = keyNode?.range?.[0] ?? node.range![0];
        if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
          // `<<: *base` or `<<: [*a, *b]`: explicit keys win, earlier sources win over later ones.
          const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const src of sources) {
            const merged = convert(src as YamlNode, path, depth);
            if (merged === null || typeof merged !== 'object' || Array.isArray(merged)) {
              throw new UserError('a `<<` merge key needs a map or a list of maps', { file, path, ...at(keyOffset) });
            }
            for (const [k, v] of Object.entries(merged)) if (!Object.hasOwn(out, k)) out[k] = v;
          }
          continue;
        }
        const key = mapKey(keyNode, path, keyOffset);
        const p = childPath(path, key);
        positions.set(p, at(keyOffset));
        out[key] = convert(pair.value as YamlNode | null, p, depth + 1);
      }
      return out;
    }
    throw new UserError('unsupported YAML node', { file, path });
  };

  const mapKey = (keyNode: YamlNode | null, path: string, offset: number): string => {
    if (!isScalar(keyNode)) {
      throw new UserError('map keys must be strings, numbers or booleans, not maps or lists', { file, path, ...at(offset) });
    }
    const key = keyNode.value === null ? 'null' : String(keyNode.value);
    if (FORBIDDEN_KEYS.has(key)) {
      throw new UserError(`the key "${key}" is not allowed in values (it could reach JavaScript's Object.prototype)`, { file, path: childPath(path, key), ...at(offset) });
    }
    return key;
  };

  const scalar = (v: unknown, plainSource: string | undefined, path: string, offset: number): Value => {
    if (plainSource !== undefined && AMBIGUOUS_PLAIN.test(plainSource)) {
      throw new UserError(
        `"${plainSource}" means different things in YAML 1.1 (Helm, Argo CD) and YAML 1.2; write true/false or a plain number, or quote it to keep a string`,
        { file, path, ...at(offset) },
      );
    }
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new UserError('integer beyond 2^53 would lose precision; quote it to keep it as a string', { file, path, ...at(offset) });
      }
      return Number(v);
    }
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    throw new UserError(`unsupported value type ${typeof v}`, { file, path, ...at(offset) });
  };

  const value = convert(root, '', 0) as Values;
  return { value, positions };
}
