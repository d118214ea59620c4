import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { test } from 'node:test';
import { REPO } from './helpers.js';

// The shape of src/ (docs/design.md): dependencies point one way. The pure core imports nothing outside
// itself; nothing below the CLI imports it; the folders form no cycle. A new import that breaks one of these
// fails here, naming the file and the import.

const SRC = join(REPO, 'src');

interface Edge {
  from: string; // repo-relative file
  to: string; // repo-relative file (without extension)
  /** static: runs when the module loads; type: erased; lazy: a `require`/`import()` that runs when called. */
  kind: 'static' | 'type' | 'lazy';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|cjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function edges(): Edge[] {
  const out: Edge[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)|require\('(\.[^']+)'\)/g;
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(re)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const target = posix
        .normalize(posix.join(posix.dirname(relative(REPO, file)), spec))
        .replace(/\.(js|cjs|json)$/, '');
      const typeOnly =
        m[1] === undefined
          ? /typeof\s*$/.test(text.slice(Math.max(0, m.index - 10), m.index)) // `typeof import('./x.js')`
          : /^\s*(?:import|export)\s+type\s/.test(m[0]);
      const kind = typeOnly ? 'type' : m[1] === undefined ? 'lazy' : 'static';
      out.push({ from: relative(REPO, file), to: target, kind });
    }
  }
  return out;
}

/** `src/core/x.ts` -> `core`; `src/cli/commands/render.ts` -> `cli`. */
function folder(path: string): string {
  return path.split('/')[1] ?? '';
}

test('the import scanner sees the imports (a scanner that finds nothing would pass everything)', () => {
  const all = edges();
  assert.ok(
    all.some((e) => e.from === 'src/cli/commands/render.ts' && e.to === 'src/core/render'),
    'render command -> core/render',
  );
  assert.ok(
    all.some((e) => e.from === 'src/cli/main.ts' && e.to.startsWith('src/cli/commands/')),
    'dynamic imports of commands',
  );
});

test('the core imports nothing outside src/core', () => {
  const bad = edges().filter((e) => folder(e.from) === 'core' && folder(e.to) !== 'core');
  assert.deepEqual(bad, []);
});

test('nothing below the CLI imports src/cli', () => {
  const bad = edges().filter((e) => folder(e.from) !== 'cli' && folder(e.to) === 'cli');
  assert.deepEqual(bad, []);
});

/** Every cycle reachable by depth-first search, as `a -> b -> a` (empty when the graph is acyclic). */
function findCycles(graph: ReadonlyMap<string, Iterable<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

test('the cycle finder finds a cycle', () => {
  assert.deepEqual(
    findCycles(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
      ]),
    ),
    [['a', 'b', 'c', 'a']],
  );
  assert.deepEqual(
    findCycles(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
      ]),
    ),
    [],
  );
});

test('folders of src/ form no import cycle', () => {
  const graph = new Map<string, Set<string>>();
  const witness = new Map<string, string>();
  for (const e of edges()) {
    const a = folder(e.from);
    const b = folder(e.to);
    if (a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
    witness.set(`${a}->${b}`, `${e.from} imports ${e.to}`);
  }
  const described = findCycles(graph).map((c) =>
    c
      .slice(1)
      .map((b, i) => witness.get(`${c[i]}->${b}`))
      .join('; '),
  );
  assert.deepEqual(described, []);
});

/** The file graph of the edges `keep` selects (files without their extension). */
function fileGraph(keep: (e: Edge) => boolean): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const e of edges()) {
    if (!keep(e)) continue;
    const from = e.from.replace(/\.(ts|cjs)$/, '');
    graph.set(from, [...(graph.get(from) ?? []), e.to]);
  }
  return graph;
}

test('files of src/core form no import cycle', () => {
  assert.deepEqual(
    findCycles(fileGraph((e) => folder(e.from) === 'core' && folder(e.to) === 'core')).map((c) => c.join(' -> ')),
    [],
  );
});

test('the scanner tells static imports from type-only and lazy ones', () => {
  const kinds = (from: string, to: string) =>
    edges()
      .filter((e) => e.from === from && e.to === to)
      .map((e) => e.kind);
  assert.deepEqual(kinds('src/cli/commands/render.ts', 'src/core/render'), ['static']);
  assert.deepEqual(kinds('src/validate/crd-schema.ts', 'src/cel/cel'), ['type', 'lazy', 'type']);
});

// A cycle of imports that run code (cli/main.ts loading a command module that imports cli/main.ts back, say)
// makes what a module sees depend on which one was loaded first, and ties the two together so neither can be
// loaded or tested alone. Type-only imports are erased, so they do not count; a lazy `require`/`import()` does.
test('files of src/ form no cycle of imports that run code', () => {
  assert.deepEqual(
    findCycles(fileGraph((e) => e.kind !== 'type')).map((c) => c.join(' -> ')),
    [],
  );
});
