import { pointerToSegments, valueAt } from '../core/paths.js';
import type { CheckInput } from '../core/render.js';
import type { Finding, RenderedObject, Severity } from '../core/types.js';
import { objectId } from '../core/kinds.js';
import { CEL_DEADLINE_MS, celText, CostMeter, deadlineIn, toCel, type Deadline } from '../cel/cel.js';
import { kindMatches, type CustomRule } from './custom.js';

// Running one custom rule over a render's objects. A false expression is a finding with the rule's message;
// an evaluation error (a missing field, a type mismatch, the cost budget) is a finding too, with CEL's
// message: a rule that cannot be evaluated never passes silently.

// CEL inputs per render (converting an object costs a walk of it): the objects and values of the render in
// progress, rebuilt when a check sees another render's objects.
let inputsOf:
  { objects: readonly RenderedObject[]; byObject: Map<RenderedObject, unknown>; values?: unknown } | undefined;

function celInputs(input: CheckInput): NonNullable<typeof inputsOf> {
  if (inputsOf?.objects !== input.objects) inputsOf = { objects: input.objects, byObject: new Map() };
  return inputsOf;
}

function variables(input: CheckInput, ro: RenderedObject): Record<string, unknown> {
  const cache = celInputs(input);
  let object = cache.byObject.get(ro);
  if (object === undefined) cache.byObject.set(ro, (object = toCel(ro.object)));
  const vars: Record<string, unknown> = {
    object,
    env: input.env,
    app: { name: input.config.name, namespace: input.namespace },
  };
  // Values are converted once per render, and only when an expression reads them (the evaluator looks a
  // variable up by property access).
  Object.defineProperty(vars, 'values', { enumerable: true, get: () => (cache.values ??= toCel(input.merged.values)) });
  return vars;
}

function applies(rule: CustomRule, ro: RenderedObject): boolean {
  const api = String(ro.object.apiVersion);
  const kind = String(ro.object.kind);
  if (!rule.kinds.some((k) => kindMatches(k, api, kind))) return false;
  if (!rule.namespaces) return true;
  const ns = (ro.object.metadata as Record<string, unknown> | undefined)?.namespace;
  return typeof ns === 'string' && rule.namespaces.includes(ns);
}

/** `.spec.containers[0].image` -> the value there (a list index is a key of the list, as JS reads it). */
function valueAtFieldPath(root: unknown, fieldPath: string): unknown {
  return valueAt(
    root,
    pointerToSegments(fieldPath.replace(/\[(\d+)\]/g, '.$1').replaceAll('.', '/'), () => false),
  );
}

export function customFindings(rule: CustomRule, severity: Severity, input: CheckInput): Finding[] {
  const out: Finding[] = [];
  const targets = input.objects.filter((ro) => applies(rule, ro));
  if (targets.length === 0) return out;
  const finding = (ro: RenderedObject, message: string, traced: boolean): Finding => {
    const base: Finding = {
      severity,
      rule: rule.name,
      message,
      object: objectId(ro.object),
      template: ro.template,
      ...(rule.fieldPath ? { path: rule.fieldPath } : {}),
    };
    if (!traced || !rule.fieldPath) return base;
    const v = valueAtFieldPath(ro.object, rule.fieldPath);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return base;
    const origin = input.tracer.scalar(ro.template, v, rule.fieldPath.replace(/^.*\./, ''));
    return origin ? { ...base, origin } : base;
  };
  // One deadline for the rule over this render's objects, never past the render's; a cost budget for each
  // evaluation. Past the render's deadline the render fails, naming the limit and the rule's file.
  input.deadline.check(rule.file);
  const deadline = deadlineIn(CEL_DEADLINE_MS, input.deadline);
  for (const [i, ro] of targets.entries()) {
    const vars = variables(input, ro);
    const r = rule.expression.run(vars, new CostMeter(undefined, deadline));
    if ('error' in r && r.deadline && deadline.render) input.deadline.check(rule.file);
    if ('error' in r) {
      const rest = targets.length - i - 1;
      const skipped = r.deadline && rest ? ` (${rest} more object${rest === 1 ? '' : 's'} not checked)` : '';
      out.push(finding(ro, `cannot evaluate the rule: ${r.error}${skipped} (${rule.file})`, false));
      if (r.deadline) break;
    } else if (r.value !== true) {
      out.push(
        r.value === false
          ? finding(ro, messageOf(rule, vars, deadline, input), true)
          : finding(
              ro,
              `the expression returned ${celText(r.value).slice(0, 40)}, expected true or false (${rule.file})`,
              false,
            ),
      );
    }
  }
  return out;
}

/** message, else messageExpression's string, else a generic text (Kubernetes' order for a failing rule). */
function messageOf(rule: CustomRule, vars: Record<string, unknown>, deadline: Deadline, input: CheckInput): string {
  if (rule.messageExpression) {
    const r = rule.messageExpression.run(vars, new CostMeter(undefined, deadline));
    if ('error' in r && r.deadline && deadline.render) input.deadline.check(rule.file);
    if ('value' in r && typeof r.value === 'string' && r.value.trim() !== '') return r.value.slice(0, 1000);
  }
  return rule.message ?? `fails the rule${rule.description ? `: ${rule.description}` : ''}`;
}
