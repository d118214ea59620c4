import yaml from 'js-yaml';
import { UserError } from './errors.js';
import { childPath } from './paths.js';
import type { K8sObject, RenderedObject } from './types.js';
import { Ambiguous, STRATA_SCHEMA, UnsafeInteger } from './yaml-schema.js';

// Parses what a template printed into objects, with the same schema as values files (yaml-schema.ts): plain
// scalars that YAML 1.1 (Argo CD) and 1.2 read differently are refused: `enabled: yes` would be a string here
// and a boolean there.

const MAX_NODES = 2_000_000;

/** Walk a parsed document: reject ambiguous scalars, unsafe keys and big integers; bound the work. */
function check(v: unknown, path: string, template: string, budget: { n: number }): void {
  if (--budget.n < 0) throw new UserError('rendered output is too large (over 2,000,000 nodes: an alias bomb?)', { file: template });
  if (v instanceof Ambiguous) {
    throw new UserError(`rendered value "${v.text}" means different things in YAML 1.1 (Argo CD) and 1.2; quote it (use {{quote …}}) or write true/false`, { file: template, path });
  }
  if (v instanceof UnsafeInteger || (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v))) {
    throw new UserError('rendered integer is beyond 2^53 and would lose precision; quote it', { file: template, path });
  }
  if (Array.isArray(v)) v.forEach((x, i) => check(x, childPath(path, i), template, budget));
  else if (typeof v === 'object' && v !== null) {
    if (Object.getPrototypeOf(v) !== Object.prototype) throw new UserError('unsupported value in rendered output', { file: template, path });
    for (const k of Object.keys(v)) {
      if (k === '__proto__') throw new UserError('the key "__proto__" is not allowed', { file: template, path });
      check((v as Record<string, unknown>)[k], childPath(path, k), template, budget);
    }
  }
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
    throw new UserError(
      `rendered output is not valid YAML: ${err.reason ?? 'parse error'}${err.mark ? ` at line ${err.mark.line + 1} of the rendered output` : ''}`,
      { file: template },
    );
  }
  const out: RenderedObject[] = [];
  const budget = { n: MAX_NODES };
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    check(doc, '', template, budget);
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new UserError(`document ${i + 1} is ${Array.isArray(doc) ? 'a list' : 'a scalar'}, expected a Kubernetes object (a map)`, { file: template });
    }
    const obj = doc as K8sObject;
    if (Array.isArray(obj.items)) {
      obj.items.forEach((item: unknown, j: number) => {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          throw new UserError(`document ${i + 1} is a list (it has items) whose item ${j + 1} is not an object`, { file: template, path: `.items[${j}]` });
        }
        out.push({ object: item as K8sObject, template, doc: i });
      });
    } else out.push({ object: obj, template, doc: i });
  });
  return out;
}
