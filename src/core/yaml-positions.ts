import type { Node as YamlNode } from 'yaml';
import { childPath } from './paths.js';
import { toText } from './guards.js';

// Line and column of every node of a YAML text, by value path. Values are loaded with js-yaml (fast); this
// second reading, with the `yaml` package (which keeps source ranges), runs only when a position is actually
// needed: an error, a finding, `values --explain`. Aliases are not followed: positions are where text is.

export interface Position {
  line: number;
  column: number;
}

/** Positions of the `index`-th document of the text (0: the first, the only one of a values file). */
export function positionsOf(text: string, index = 0): Map<string, Position> {
  const { Y, lc, docs } = secondReading(text);
  const out = new Map<string, Position>();
  const doc = Array.isArray(docs) ? docs[index] : undefined;
  if (!doc) return out;
  const at = (offset: number): Position => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const walk = (node: YamlNode | null, path: string, depth: number): void => {
    if (!node || depth > 1_000) return;
    if (Y.isSeq(node)) {
      node.items.forEach((item, i) => {
        const n = item as YamlNode | null;
        const p = childPath(path, i);
        if (n?.range) out.set(p, at(n.range[0]));
        walk(n, p, depth + 1);
      });
    } else if (Y.isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key as YamlNode | null;
        if (!Y.isScalar(key) || typeof key.value === 'symbol') continue; // `<<` merge keys have no path of their own
        const p = childPath(path, key.value === null ? 'null' : toText(key.value));
        if (key.range) out.set(p, at(key.range[0]));
        walk(pair.value as YamlNode | null, p, depth + 1);
      }
    }
  };
  walk(doc.contents, '', 0);
  return out;
}

/** Positions computed on first use. */
export class LazyPositions {
  private map: Map<string, Position> | undefined;
  constructor(
    private readonly text: string,
    private readonly index = 0,
  ) {}

  get(path: string): Position | undefined {
    this.map ??= positionsOf(this.text, this.index);
    return this.map.get(path);
  }
}

/** A map key that is not a scalar (`? [a, b]`, `{a: 1}: x`, an alias to a list or map), with its map's path. */
export interface ComplexKey {
  path: string;
  position?: Position;
}

const isBlank = (c: string | undefined): boolean =>
  c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isFlowIndicator = (c: string | undefined): boolean =>
  c === ',' || c === '[' || c === ']' || c === '{' || c === '}';

/**
 * Whether a text can hold a collection as a key, in one linear scan (no second reading otherwise: most values
 * files never load the `yaml` package). Only these can: an explicit key (`?` followed by a blank), a flow
 * collection closed and followed by `:` on the same line (`[a, b]: x`), a flow collection that starts an entry of
 * a flow map (`{ {a: 1} }`, `{ x: 1, [a] }`), an alias followed by `:` (`*a : x`, which may name a collection).
 * Conservative: a comment or a quoted text that looks like one only costs the
 * second reading.
 */
export function mayHaveComplexKey(text: string): boolean {
  const n = text.length;
  // Last opened flow collection per level (`{` or `[`): inside a flow map an entry written without `:` is a
  // key (`{ {a: 1} }` is a map whose key is a map), so a collection that starts an entry of a flow map is one.
  const flow: string[] = [];
  let entryStart = false;
  for (let i = 0; i < n; i++) {
    const c = text[i];
    if (c === '{' || c === '[') {
      if (entryStart && flow[flow.length - 1] === '{') return true;
      flow.push(c);
      entryStart = true;
      continue;
    }
    if (c === ',') {
      entryStart = flow.length > 0;
      continue;
    }
    if (!isBlank(c)) entryStart = false;
    if (c === '}' || c === ']') flow.pop();
    if (c === '?') {
      if (isBlank(text[i + 1])) return true;
    } else if (c === ']' || c === '}') {
      let k = i + 1;
      while (text[k] === ' ' || text[k] === '\t') k++;
      if (text[k] === ':') return true;
      i = k - 1;
    } else if (c === '*') {
      // js-yaml reads an alias name up to a blank or a flow indicator; a key then needs `:` after blanks.
      let k = i + 1;
      while (k < n && !isBlank(text[k]) && !isFlowIndicator(text[k])) k++;
      while (text[k] === ' ' || text[k] === '\t') k++;
      if (text[k] === ':') return true;
      i = k - 1;
    }
  }
  return false;
}

type Yaml = typeof import('yaml');
type YamlMap = import('yaml').YAMLMap<unknown, unknown>;
type YamlDocument = import('yaml').Document;

/** A scalar key as the text it becomes in a JavaScript object (`1` and `"1"` are one key); anything else "null". */
function keyText(Y: Yaml, key: unknown): string {
  return Y.isScalar(key) ? (key.value === null ? 'null' : toText(key.value)) : 'null';
}

/** The second reading every finder here makes: the `yaml` package with source ranges, duplicates kept. */
function secondReading(text: string) {
  const Y = require('yaml') as Yaml;
  const lc = new Y.LineCounter();
  const docs = Y.parseAllDocuments(text, {
    lineCounter: lc,
    merge: true,
    schema: 'core',
    prettyErrors: false,
    uniqueKeys: false,
  });
  return { Y, lc, docs };
}

/**
 * Read `text` again with the `yaml` package, which keeps key nodes as written (js-yaml does not), and visit every
 * pair of every map in document order (a pair before what its value holds), until a visit finds something.
 * `visitMap` is called once per map, with its value path, and returns that map's pair visitor (so a visitor can
 * keep state per map). `childKey` names a pair's key in the paths below it. Depth is bounded like the first
 * reading's.
 */
function firstInMaps<T>(
  text: string,
  visitMap: (
    path: string,
    at: (node: YamlNode | null) => Position | undefined,
    doc: YamlDocument,
  ) => (pair: YamlMap['items'][number]) => T | undefined,
  childKey: (key: unknown, doc: YamlDocument) => string,
): T | undefined {
  const { Y, lc, docs } = secondReading(text);
  if (!Array.isArray(docs)) return undefined;
  const at = (node: YamlNode | null): Position | undefined => {
    const pos = node?.range ? lc.linePos(node.range[0]) : undefined;
    return pos ? { line: pos.line, column: pos.col } : undefined;
  };
  let found: T | undefined;
  const walk = (node: unknown, path: string, depth: number, doc: YamlDocument): void => {
    if (found !== undefined || !node || depth > 1_000) return;
    if (Y.isSeq(node)) {
      node.items.forEach((item, i) => walk(item, childPath(path, i), depth + 1, doc));
    } else if (Y.isMap(node)) {
      const visit = visitMap(path, at, doc);
      for (const pair of node.items) {
        found = visit(pair);
        if (found !== undefined) return;
        walk(pair.value, childPath(path, childKey(pair.key, doc)), depth + 1, doc);
      }
    }
  };
  for (const doc of docs) {
    if (found !== undefined) break;
    walk(doc.contents, '', 0, doc);
  }
  return found;
}

/**
 * js-yaml turns a collection used as a key into a string (`? [a, b]` becomes "a,b", `? {a: 1}` becomes
 * "[object Object]"), so a key would silently mean something else than it says. Find the first such key with
 * the `yaml` package, which keeps key nodes as they were written.
 */
export function findComplexKey(text: string): ComplexKey | undefined {
  if (!mayHaveComplexKey(text)) return undefined;
  const Y = require('yaml') as Yaml;
  const resolved = (key: unknown, doc: YamlDocument): unknown => (Y.isAlias(key) ? key.resolve(doc) : key);
  return firstInMaps<ComplexKey>(
    text,
    (path, at, doc) => (pair) => {
      const key = resolved(pair.key, doc);
      if (key === null || key === undefined || Y.isScalar(key)) return undefined;
      const position = at(pair.key as YamlNode | null);
      return { path: path || '.', ...(position ? { position } : {}) };
    },
    (key, doc) => keyText(Y, resolved(key, doc)),
  );
}

/** A key written twice in one map: its text, its map's path and where the second one is. */
export interface DuplicateKey {
  key: string;
  path: string;
  position?: Position;
}

/**
 * The first key written twice in a map, in document order (where js-yaml stops with "duplicated mapping key"),
 * found with the `yaml` package, which keeps key nodes: js-yaml's error names no key. Keys compare as the
 * text they become (`1` and `"1"` are one key of a JavaScript object); `<<` merge keys are not entries.
 * Called on that error path only.
 */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const Y = require('yaml') as Yaml;
  return firstInMaps<DuplicateKey>(
    text,
    (path, at) => {
      const seen = new Set<string>();
      return (pair) => {
        const key = pair.key as YamlNode | null;
        if (Y.isScalar(key) && (typeof key.value === 'symbol' || key.value === '<<')) return undefined; // merge keys
        const k = keyText(Y, key);
        if (seen.has(k)) {
          const position = at(key);
          return { key: k, path, ...(position ? { position } : {}) };
        }
        seen.add(k);
        return undefined;
      };
    },
    (key) => keyText(Y, key),
  );
}
