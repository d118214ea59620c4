import { UserError } from '../core/errors.js';
import { childPath } from '../core/paths.js';
import type { CelProgram } from '../cel/cel.js';
import { isPlainMap } from '../core/guards.js';

// One CRD version's openAPIV3Schema, turned into
// - a JSON Schema for Ajv (types, enums, required, bounds; unknown fields are errors where the schema is
//   structural, as kubectl's strict field validation reports them; `pattern` is left out: see below), and
// - a tree of what Ajv cannot do the Kubernetes way: `pattern` (Go RE2 in Kubernetes; here re2js: the same
//   syntax, linear time, so a hostile pattern cannot backtrack) and `x-kubernetes-validations` (CEL rules on
//   `self`; rules that read `oldSelf` are transition rules, skipped as on a create).
// Kubernetes forbids `$ref` in CRD schemas (structural schemas), so a `$ref` is an error here too: no loops.
// Semantics: k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/types_jsonschema.go.

export interface CelRule {
  source: string;
  program: CelProgram;
  message?: string;
  messageExpression?: CelProgram;
  fieldPath?: string;
}

/** Only the parts of the schema tree that hold a pattern or CEL rules. */
export interface RuleNode {
  pattern?: { source: string; test(s: string): boolean };
  validations?: CelRule[];
  properties?: Map<string, RuleNode>;
  items?: RuleNode;
  additional?: RuleNode;
}

export interface CrdVersion {
  /** `group/version/Kind` */
  key: string;
  file: string;
  /** The JSON Schema text given to Ajv (compiled and cached by text, like values schemas). */
  jsonSchema: string;
  rules?: RuleNode;
}

// Ajv's compile time and memory grow with the schema (a flat 24,000-property schema took 15 s and 540 MB):
// bounds above real CRDs (Argo CD's Application schema has ~720 object nodes), worst case a few seconds.
const MAX_DEPTH = 64;
const MAX_NODES = 10_000;
const MAX_PROPERTIES = 500;

type Json = Record<string, unknown>;

const COPIED = [
  'type',
  'required',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
];

function compilePattern(source: string, fail: (m: string) => never): RuleNode['pattern'] {
  const { RE2JS } = require('re2js') as typeof import('re2js');
  try {
    const re = RE2JS.compile(source);
    return { source, test: (s) => re.matcher(s).find() };
  } catch (e) {
    return fail(`pattern is not a valid RE2 regular expression (${(e as Error).message.split('\n')[0]})`);
  }
}

function compileRule(raw: unknown, fail: (m: string) => never): CelRule | undefined {
  const r = raw as Json;
  if (typeof r !== 'object' || r === null || typeof r.rule !== 'string')
    return fail('a validation needs a `rule` string');
  // Transition rules compare with the stored object; strata renders desired state (a create): skip them.
  if (/\boldSelf\b/.test(r.rule) || r.optionalOldSelf === true) return undefined;
  const { compileCel, isCompileError } = require('../cel/cel.js') as typeof import('../cel/cel.js');
  const compile = (src: string, what: string): CelProgram => {
    const p = compileCel(src, ['self']);
    if (isCompileError(p)) fail(`${what}: CEL: ${p.message}${p.column !== undefined ? ` (column ${p.column})` : ''}`);
    return p;
  };
  return {
    source: r.rule,
    program: compile(r.rule, 'rule'),
    ...(typeof r.message === 'string' ? { message: r.message } : {}),
    ...(typeof r.messageExpression === 'string'
      ? { messageExpression: compile(r.messageExpression, 'messageExpression') }
      : {}),
    ...(typeof r.fieldPath === 'string' ? { fieldPath: r.fieldPath } : {}),
  };
}

/** One walk over a CRD schema: the file it came from and the node count its limits charge. */
interface Walk {
  file: string;
  nodes: number;
}

type Converted = { json: Json | boolean; rules?: RuleNode };

export function crdSchema(key: string, openAPIV3Schema: unknown, file: string, at: string): CrdVersion {
  const { json, rules } = convert({ file, nodes: 0 }, openAPIV3Schema, at, 0, true);
  return { key, file, jsonSchema: JSON.stringify(json), ...(rules ? { rules } : {}) };
}

/** The schema node at `path`: its JSON Schema for Ajv and the rules Ajv cannot check. */
function convert(w: Walk, s: unknown, path: string, depth: number, root: boolean): Converted {
  const fail = (m: string): never => {
    throw new UserError(m, { file: w.file, path });
  };
  const n = withinLimits(w, s, depth, fail);
  const out = copiedKeywords(n);
  const rules = compileRules(w, n, path, fail);
  convertChildren(w, n, path, depth, root, out, rules, fail);
  finalKeywords(n, out);
  const hasRules = rules.pattern || rules.validations || rules.properties || rules.items || rules.additional;
  return { json: out, ...(hasRules ? { rules } : {}) };
}

/** The limits walk: every node counts against MAX_NODES and its depth against MAX_DEPTH; a node is a map. */
function withinLimits(w: Walk, s: unknown, depth: number, fail: (m: string) => never): Json {
  if (++w.nodes > MAX_NODES) fail(`the schema has more than ${MAX_NODES} nodes`);
  if (depth > MAX_DEPTH) fail(`the schema nests deeper than ${MAX_DEPTH} levels`);
  if (!isPlainMap(s)) return fail('expected a schema (a map)');
  const n = s as Json;
  if ('$ref' in n) fail('$ref is not allowed in a CRD schema (Kubernetes requires structural schemas)');
  return n;
}

/** The keywords that mean the same in JSON Schema, and OpenAPI 3.0's boolean exclusive bounds. */
function copiedKeywords(n: Json): Json {
  const out: Json = {};
  for (const k of COPIED) if (n[k] !== undefined) out[k] = n[k];
  // OpenAPI 3.0 writes exclusive bounds as booleans next to minimum/maximum.
  if (n.exclusiveMinimum === true && typeof n.minimum === 'number') {
    delete out.minimum;
    out.exclusiveMinimum = n.minimum;
  }
  if (n.exclusiveMaximum === true && typeof n.maximum === 'number') {
    delete out.maximum;
    out.exclusiveMaximum = n.maximum;
  }
  return out;
}

/** Rule compilation: the node's own `pattern` and `x-kubernetes-validations` (its children's are added later). */
function compileRules(w: Walk, n: Json, path: string, fail: (m: string) => never): RuleNode {
  const rules: RuleNode = {};
  if (typeof n.pattern === 'string') rules.pattern = compilePattern(n.pattern, fail);
  if (n['x-kubernetes-validations'] !== undefined) {
    if (!Array.isArray(n['x-kubernetes-validations'])) fail('x-kubernetes-validations must be a list');
    const list = (n['x-kubernetes-validations'] as unknown[]).flatMap((r, i) => {
      const c = compileRule(r, (m) => {
        throw new UserError(m, { file: w.file, path: childPath(childPath(path, 'x-kubernetes-validations'), i) });
      });
      return c ? [c] : [];
    });
    if (list.length) rules.validations = list;
  }
  return rules;
}

/** The subschemas (properties, items, additionalProperties, allOf/anyOf/oneOf, not), into `out` and `rules`. */
function convertChildren(
  w: Walk,
  n: Json,
  path: string,
  depth: number,
  root: boolean,
  out: Json,
  rules: RuleNode,
  fail: (m: string) => never,
): void {
  const child = (x: unknown, p: string): Converted => convert(w, x, p, depth + 1, false);
  const properties: Json = {};
  if (n.properties !== undefined) {
    if (typeof n.properties !== 'object' || n.properties === null) fail('properties must be a map');
    if (Object.keys(n.properties).length > MAX_PROPERTIES) fail(`more than ${MAX_PROPERTIES} properties in one object`);
    for (const [k, v] of Object.entries(n.properties as Json)) {
      // The object's metadata is ObjectMeta, validated by Kubernetes itself, whatever the CRD says.
      if (root && k === 'metadata') {
        properties[k] = { type: 'object' };
        continue;
      }
      const c = child(v, childPath(childPath(path, 'properties'), k));
      properties[k] = c.json;
      if (c.rules) (rules.properties ??= new Map()).set(k, c.rules);
    }
  }
  if (root || n['x-kubernetes-embedded-resource'] === true) {
    // Every object (and an embedded one) has apiVersion, kind and metadata, declared or not.
    properties.apiVersion ??= { type: 'string' };
    properties.kind ??= { type: 'string' };
    properties.metadata ??= { type: 'object' };
    if (n['x-kubernetes-embedded-resource'] === true)
      out.required = [...new Set([...((out.required as string[]) ?? []), 'apiVersion', 'kind'])];
  }
  if (Object.keys(properties).length) out.properties = properties;
  if (n.items !== undefined) {
    const c = child(n.items, childPath(path, 'items'));
    out.items = c.json;
    if (c.rules) rules.items = c.rules;
  }
  const preserve = n['x-kubernetes-preserve-unknown-fields'] === true;
  if (n.additionalProperties !== undefined && typeof n.additionalProperties !== 'boolean') {
    const c = child(n.additionalProperties, childPath(path, 'additionalProperties'));
    out.additionalProperties = c.json;
    if (c.rules) rules.additional = c.rules;
  } else if (
    n.additionalProperties === false ||
    (out.properties && !preserve && n.additionalProperties === undefined)
  ) {
    out.additionalProperties = false;
  }
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (n[k] === undefined) continue;
    if (!Array.isArray(n[k])) fail(`${k} must be a list`);
    const list = (n[k] as unknown[]).map((x, i) => child(x, childPath(childPath(path, k), i)).json);
    // Kubernetes' anyOf/oneOf in structural schemas only restrict (no types or properties of their own):
    // branch schemas must not forbid the fields declared beside them.
    out[k] = list.map((b) => (typeof b === 'object' ? { ...b, additionalProperties: undefined } : b));
  }
  if (n.not !== undefined) out.not = child(n.not, childPath(path, 'not')).json;
}

/** The keywords that rewrite what is already converted: int-or-string and nullable. */
function finalKeywords(n: Json, out: Json): void {
  if (n['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (n.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    if (out.anyOf) out.anyOf = [...(out.anyOf as unknown[]), { type: 'null' }];
  }
}
