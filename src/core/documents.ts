import { findComplexKey } from './yaml-positions.js';
import yaml from 'js-yaml';
import { UserError } from './errors.js';
import type { K8sObject, RenderedObject } from './types.js';
import { checkParsed, STRATA_SCHEMA, type ParsedProblem } from './yaml-schema.js';
import { isPlainMap } from './guards.js';

// Parses what a template printed into objects, with the same schema as values files (yaml-schema.ts): plain
// scalars that YAML 1.1 (Argo CD) and 1.2 read differently are refused: `enabled: yes` would be a string here
// and a boolean there.

// Rendered output is not user-authored YAML: a generous depth cap, a node budget shared by its documents
// against aliases a template could print, and only `__proto__` refused as a key (a manifest may well hold a
// `constructor:` key as data; js-yaml keeps `__proto__` as an own key, which later code must never see).
const LIMITS = { maxNodes: 2_000_000, maxDepth: 1_000, forbiddenKeys: new Set(['__proto__']), anyUnsafeNumber: true };

function check(doc: unknown, template: string, budget: { n: number }): void {
  checkParsed(
    doc,
    LIMITS,
    (problem, path, detail) => {
      const message: Record<ParsedProblem, string> = {
        nodes: `rendered output is too large (over ${detail} nodes: an alias bomb?)`,
        depth: `rendered output is nested deeper than ${detail} levels`,
        ambiguous: `rendered value "${detail}" means different things in YAML 1.1 (Argo CD) and 1.2; quote it (use {{quote …}}) or write true/false`,
        'unsafe-int': 'rendered integer is beyond 2^53 and would lose precision; quote it',
        key: `the key "${detail}" is not allowed`,
        type: 'unsupported value in rendered output',
      };
      throw new UserError(message[problem], { file: template, path });
    },
    budget,
  );
}

/** The rendered text of a template is not YAML; `outputLine` (1-based) lets the engine name the template line. */
export class RenderedYamlError extends UserError {
  constructor(
    readonly reason: string,
    readonly outputLine: number | undefined,
    template: string,
  ) {
    super(`rendered output is not valid YAML: ${reason}${outputLine ? ` at line ${outputLine} of the rendered output` : ''}`, { file: template });
  }
}

/** The key at a js-yaml mark (a duplicate key is reported there): its name, never the value after it. */
export function keyAt(text: string, line: number, column: number): string | undefined {
  let start = 0;
  for (let i = 0; i < line; i++) {
    start = text.indexOf('\n', start) + 1;
    if (start === 0) return undefined;
  }
  const end = text.indexOf('\n', start);
  const rest = text.slice(start + column, end < 0 ? undefined : end);
  const m = /^(?:\?\s+)?("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s:#][^:#]*?)\s*:(?:\s|$)/.exec(rest);
  return m ? m[1] : undefined;
}

/**
 * js-yaml hands an alias back as the same object as its anchor: a template with `labels: &l …` and
 * `matchLabels: *l` would get strata's labels injected into its selector (docs/security.md §4). Give every aliased
 * node its own copy before anything writes into the documents. Only called when the text has an anchor.
 */
export function unshare(doc: unknown, seen = new Set<object>()): unknown {
  if (doc === null || typeof doc !== 'object') return doc;
  if (seen.has(doc)) return structuredClone(doc);
  seen.add(doc);
  if (Array.isArray(doc)) {
    for (let i = 0; i < doc.length; i++) doc[i] = unshare(doc[i], seen);
  } else {
    const o = doc as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = unshare(o[k], seen);
  }
  return doc;
}

/**
 * Split a template's output into objects; empty documents are dropped. Like Argo CD (unstructured.IsList), any
 * object whose `items` is a list is a list: its items are the objects, each checked like a document.
 */
export function parseRendered(text: string, template: string): RenderedObject[] {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, undefined, { schema: STRATA_SCHEMA, filename: template });
  } catch (e) {
    const err = e as { reason?: string; mark?: { line: number; column: number } };
    let reason = err.reason ?? 'parse error';
    if (reason === 'duplicated mapping key' && err.mark) {
      const key = keyAt(text, err.mark.line, err.mark.column);
      if (key !== undefined) reason = `duplicated mapping key ${key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`}`;
    }
    throw new RenderedYamlError(reason, err.mark ? err.mark.line + 1 : undefined, template);
  }
  // js-yaml turns a collection used as a key into a string ("a,b"): refuse it rather than mis-key silently.
  const complex = findComplexKey(text);
  if (complex) throw new RenderedYamlError(`a key at ${complex.path} is a list or map; Kubernetes keys are strings`, complex.position?.line, template);
  const out: RenderedObject[] = [];
  const budget = { n: LIMITS.maxNodes }; // shared by the template's documents
  // An alias needs an anchor, and an anchor is spelt with `&`: the normal path skips the copy walk.
  const anchors = text.includes('&');
  docs.forEach((parsed, i) => {
    if (parsed === null || parsed === undefined) return;
    check(parsed, template, budget);
    const doc = anchors ? unshare(parsed) : parsed;
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new UserError(`document ${i + 1} is ${Array.isArray(doc) ? 'a list' : 'a scalar'}, expected a Kubernetes object (a map)`, { file: template });
    }
    const obj = doc as K8sObject;
    if (Array.isArray(obj.items)) {
      obj.items.forEach((item: unknown, j: number) => {
        if (!isPlainMap(item)) {
          throw new UserError(`document ${i + 1} is a list (it has items) whose item ${j + 1} is not an object`, { file: template, path: `.items[${j}]` });
        }
        out.push({ object: item, template, doc: i });
      });
    } else out.push({ object: obj, template, doc: i });
  });
  return out;
}
