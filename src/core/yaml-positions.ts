import type { Node as YamlNode } from 'yaml';
import { childPath } from './paths.js';

// Line and column of every node of a YAML text, by value path. Values are loaded with js-yaml (fast); this
// second reading, with the `yaml` package (which keeps source ranges), runs only when a position is actually
// needed: an error, a finding, `values --explain`. Aliases are not followed: positions are where text is.

export interface Position {
  line: number;
  column: number;
}

export function positionsOf(text: string): Map<string, Position> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Y = require('yaml') as typeof import('yaml');
  const lc = new Y.LineCounter();
  const doc = Y.parseDocument(text, { lineCounter: lc, merge: true, schema: 'core', prettyErrors: false, uniqueKeys: false });
  const out = new Map<string, Position>();
  const at = (offset: number): Position => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const walk = (node: YamlNode | null, path: string, depth: number): void => {
    if (!node || depth > 200) return;
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
        const p = childPath(path, key.value === null ? 'null' : String(key.value));
        if (key.range) out.set(p, at(key.range[0]));
        walk(pair.value as YamlNode | null, p, depth + 1);
      }
    }
  };
  walk(doc.contents as YamlNode | null, '', 0);
  return out;
}

/** Positions computed on first use. */
export class LazyPositions {
  private map: Map<string, Position> | undefined;
  constructor(private readonly text: string) {}

  get(path: string): Position | undefined {
    this.map ??= positionsOf(this.text);
    return this.map.get(path);
  }
}
