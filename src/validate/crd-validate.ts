import { UserError } from '../core/errors.js';
import { childPath } from '../core/paths.js';
import type { RenderDeadline } from '../core/templates.js';
import type { Finding, RenderedObject } from '../core/types.js';
import { compileValuesSchema } from './values-schema.js';
import type { CelRule, CrdVersion, RuleNode } from './crd-schema.js';

// An object of a kind a repository CRD serves, against that CRD version: Ajv for the structure (compiled and
// cached like values schemas: per process by text, never in the compile store), then the
// patterns and x-kubernetes-validations rules (src/validate/crd-schema.ts). As the API server does, CEL
// rules run only on an object that passed the structural checks.

type Cel = typeof import('../cel/cel.js');
let celModule: Cel | undefined; // loaded with the first CRD that has rules

export interface RuleProblem {
  path: string;
  message: string;
}

export function structuralErrors(crd: CrdVersion, ro: RenderedObject) {
  let validate;
  try {
    validate = compileValuesSchema(crd.jsonSchema, crd.file);
  } catch (e) {
    throw new UserError(
      `cannot compile the schema of ${crd.key}: ${(e as Error).message}`,
      { file: crd.file },
      { cause: e },
    );
  }
  return validate(ro.object) ? [] : [...(validate.errors ?? [])];
}

/**
 * Patterns and CEL rules of the CRD over one object; evaluation errors are problems too (never a pass). With
 * the render's deadline (CheckInput.deadline), the rules stop at the earlier of their own budget and it, and
 * passing the render's deadline fails the render naming the limit and the CRD file.
 */
export function ruleProblems(crd: CrdVersion, ro: RenderedObject, render?: RenderDeadline): RuleProblem[] {
  const root = crd.rules;
  if (!root) return [];
  const out: RuleProblem[] = [];
  const cel = needsCel(root) ? (celModule ??= require('../cel/cel.js') as Cel) : undefined;
  render?.check(crd.file);
  const deadline = cel?.deadlineIn(cel.CEL_DEADLINE_MS, render);
  let timedOut = false;
  const runRule = (r: CelRule, value: unknown, path: string): void => {
    const c = cel!;
    if (timedOut) return;
    const self = { self: c.toCel(value) };
    const res = r.program.run(self, new c.CostMeter(undefined, deadline));
    if ('error' in res && res.deadline && deadline?.render) render?.check(crd.file);
    const at = r.fieldPath ? `${path === '.' ? '' : path}${r.fieldPath}` : path;
    if ('error' in res) {
      timedOut = !!res.deadline;
      out.push({
        path: at,
        message: res.deadline
          ? `x-kubernetes-validations rule ${res.error} (later rules of this object not checked)`
          : `x-kubernetes-validations rule cannot be evaluated: ${res.error}`,
      });
    } else if (res.value !== true) {
      let msg = r.message ?? `failed rule: ${r.source}`;
      if (r.messageExpression) {
        const m = r.messageExpression.run(self, new c.CostMeter(undefined, deadline));
        if ('error' in m && m.deadline && deadline?.render) render?.check(crd.file);
        if ('value' in m && typeof m.value === 'string' && m.value.trim() !== '') msg = m.value.slice(0, 1000);
      }
      out.push({ path: at, message: msg });
    }
  };
  const walk = (node: RuleNode, value: unknown, path: string): void => {
    if (value === undefined || value === null) return;
    if (node.pattern && typeof value === 'string' && !node.pattern.test(value))
      out.push({ path, message: `must match pattern "${node.pattern.source}"` });
    if (Array.isArray(value)) {
      if (node.items) value.forEach((x, i) => walk(node.items!, x, childPath(path === '.' ? '' : path, i)));
    } else if (typeof value === 'object') {
      for (const [k, x] of Object.entries(value)) {
        const child = node.properties?.get(k) ?? node.additional;
        if (child) walk(child, x, childPath(path === '.' ? '' : path, k));
      }
    }
    for (const r of node.validations ?? []) runRule(r, value, path);
  };
  walk(root, ro.object, '.');
  return out;
}

const celNeeded = new WeakMap<RuleNode, boolean>();

function needsCel(n: RuleNode): boolean {
  let v = celNeeded.get(n);
  if (v === undefined) {
    v =
      !!n.validations ||
      [...(n.properties?.values() ?? [])].some(needsCel) ||
      (!!n.items && needsCel(n.items)) ||
      (!!n.additional && needsCel(n.additional));
    celNeeded.set(n, v);
  }
  return v;
}

export function crdFindings(
  crd: CrdVersion,
  ro: RenderedObject,
  object: string,
  structural: Finding[],
  render?: RenderDeadline,
): Finding[] {
  const suffix = ` (${crd.file})`;
  const out = structural.map((f) => ({ ...f, message: f.message + suffix }));
  if (out.length) return out;
  return ruleProblems(crd, ro, render).map((p) => ({
    severity: 'error',
    rule: 'kube-schema',
    message: p.message + suffix,
    object,
    template: ro.template,
    path: p.path,
  }));
}
