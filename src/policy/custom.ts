import type { Checker } from '../core/config.js';
import { childPath } from '../core/paths.js';
import type { Value } from '../core/types.js';
import { compileCel, isCompileError, type CelProgram } from '../cel/cel.js';
import type { Severity } from './rules.js';
import { toText } from '../core/guards.js';

// Custom rules (docs/policy.md "Custom rules"): `spec.custom` of strata-policy.yaml and of an app's
// `spec.policy`, each a CEL expression over one rendered object that is true when the object passes.
// Parsing and compiling happen here, with every mistake reported at the policy file's line.

/** The variables a custom rule's expressions see. */
export const CUSTOM_VARIABLES = ['object', 'values', 'env', 'app'] as const;

export interface KindMatch {
  /** `apps/v1`, `v1`, or undefined for any apiVersion. */
  apiVersion?: string;
  /** A kind, or `*` for every kind. */
  kind: string;
}

export interface CustomRule {
  name: string;
  description?: string;
  kinds: KindMatch[];
  namespaces?: string[];
  expression: CelProgram;
  message?: string;
  messageExpression?: CelProgram;
  /** Field the finding points at (`.spec.replicas`); its value, when printed from values, names its origin. */
  fieldPath?: string;
  severity: Severity;
  /** Where it was defined, for messages. */
  file: string;
}

const RULE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const FIELD_PATH = /^(\.[A-Za-z0-9_-]+|\[\d+\])+$/;
const FIELDS = ['name', 'description', 'match', 'expression', 'message', 'messageExpression', 'fieldPath', 'severity'];

/** `Deployment`, `v1/ConfigMap` or `apps/v1/Deployment` (group/version/Kind, as Kubernetes writes GVKs). */
export function parseKind(text: string): KindMatch | undefined {
  const parts = text.split('/');
  if (parts.some((p) => p === '') || parts.length > 3) return undefined;
  const kind = parts[parts.length - 1];
  if (kind !== '*' && !/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) return undefined;
  return parts.length === 1 ? { kind } : { apiVersion: parts.slice(0, -1).join('/'), kind };
}

export function kindMatches(m: KindMatch, apiVersion: string, kind: string): boolean {
  return (m.kind === '*' || m.kind === kind) && (m.apiVersion === undefined || m.apiVersion === apiVersion);
}

function compile(v: Checker, source: string, path: string): CelProgram {
  const p = compileCel(source, CUSTOM_VARIABLES);
  if (isCompileError(p))
    v.fail(path, `CEL: ${p.message}${p.column !== undefined ? ` (column ${p.column} of the expression)` : ''}`);
  return p;
}

/**
 * The rules of one `custom` list, validated and compiled. `taken` holds the names already used (built-ins and
 * earlier lists); a clash is an error at the name.
 */
export function parseCustomRules(
  v: Checker,
  raw: Value,
  path: string,
  taken: ReadonlySet<string>,
  severityOf: (raw: Value | undefined, path: string) => Severity,
): CustomRule[] {
  const out: CustomRule[] = [];
  const names = new Set(taken);
  v.list(raw, path).forEach((entry, i) => {
    const rp = childPath(path, i);
    const m = v.map(entry, rp, FIELDS);
    const name = v.string(m.name, childPath(rp, 'name'));
    if (!RULE_NAME.test(name))
      v.fail(
        childPath(rp, 'name'),
        `rule names are lower-case words joined by "-" (like built-in rules), found "${name}"`,
      );
    if (names.has(name)) v.fail(childPath(rp, 'name'), `a rule named "${name}" already exists`);
    names.add(name);
    const match = v.map(m.match, childPath(rp, 'match'), ['kinds', 'namespaces']);
    const kp = childPath(childPath(rp, 'match'), 'kinds');
    const kinds = v.list(match.kinds, kp).map((k, j) => {
      const parsed = parseKind(v.string(k, childPath(kp, j)));
      if (!parsed)
        v.fail(
          childPath(kp, j),
          `expected Kind, version/Kind or group/version/Kind (e.g. Deployment, apps/v1/Deployment), found "${toText(k)}"`,
        );
      return parsed;
    });
    if (kinds.length === 0) v.fail(kp, 'expected at least one kind');
    const np = childPath(childPath(rp, 'match'), 'namespaces');
    const namespaces =
      match.namespaces === undefined
        ? undefined
        : v.list(match.namespaces, np).map((x, j) => v.string(x, childPath(np, j)));
    if (m.message !== undefined && m.messageExpression !== undefined)
      v.fail(childPath(rp, 'messageExpression'), 'set message or messageExpression, not both');
    const fieldPath = m.fieldPath === undefined ? undefined : v.string(m.fieldPath, childPath(rp, 'fieldPath'));
    if (fieldPath !== undefined && !FIELD_PATH.test(fieldPath))
      v.fail(
        childPath(rp, 'fieldPath'),
        `expected a field path such as .spec.replicas or .spec.containers[0].image, found "${fieldPath}"`,
      );
    out.push({
      name,
      ...(m.description !== undefined ? { description: v.string(m.description, childPath(rp, 'description')) } : {}),
      kinds,
      ...(namespaces ? { namespaces } : {}),
      expression: compile(v, v.string(m.expression, childPath(rp, 'expression')), childPath(rp, 'expression')),
      ...(m.message !== undefined ? { message: v.string(m.message, childPath(rp, 'message')) } : {}),
      ...(m.messageExpression !== undefined
        ? {
            messageExpression: compile(
              v,
              v.string(m.messageExpression, childPath(rp, 'messageExpression')),
              childPath(rp, 'messageExpression'),
            ),
          }
        : {}),
      ...(fieldPath ? { fieldPath } : {}),
      severity: m.severity === undefined ? 'warn' : severityOf(m.severity, childPath(rp, 'severity')),
      file: v.file,
    });
  });
  return out;
}
