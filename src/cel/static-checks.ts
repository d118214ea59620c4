import type { CelEnv } from '@bufbuild/cel';

// Static checks of a parsed CEL expression (cel.ts), the ones the planner leaves to evaluation time.

type Expr = import('@bufbuild/cel-spec/cel/expr/syntax_pb.js').Expr;

/** Comprehensions nested deeper than this are refused at compile time (each level multiplies the work). */
export const MAX_COMPREHENSION_DEPTH = 3;

/**
 * Static checks the planner leaves to evaluation time: unknown functions and variables are compile errors
 * (at the policy file's line), and comprehensions may nest at most MAX_COMPREHENSION_DEPTH deep.
 */
export function checkAst(root: Expr, env: CelEnv, variables: ReadonlySet<string>): string | undefined {
  const walk = (e: Expr | undefined, bound: ReadonlySet<string>, depth: number): string | undefined => {
    if (!e) return undefined;
    const k = e.exprKind;
    switch (k.case) {
      case 'identExpr':
        if (!bound.has(k.value.name) && !variables.has(k.value.name) && !TYPE_NAMES.has(k.value.name)) {
          return `undeclared reference to "${k.value.name}" (variables: ${[...variables].join(', ')})`;
        }
        return undefined;
      case 'selectExpr':
        return walk(k.value.operand, bound, depth);
      case 'callExpr': {
        // Operators (`_&&_`, `@in`, ...) come from the parser, never from the user: the planner knows them.
        if (!/^[_@]/.test(k.value.function) && !env.funcs.find(k.value.function))
          return `unknown function "${k.value.function}"`;
        return walk(k.value.target, bound, depth) ?? firstOf(k.value.args.map((a) => () => walk(a, bound, depth)));
      }
      case 'listExpr':
        return firstOf(k.value.elements.map((a) => () => walk(a, bound, depth)));
      case 'structExpr':
        return firstOf(
          k.value.entries.flatMap((en) => [
            () => (en.keyKind.case === 'mapKey' ? walk(en.keyKind.value, bound, depth) : undefined),
            () => walk(en.value, bound, depth),
          ]),
        );
      case 'comprehensionExpr': {
        const c = k.value;
        if (depth + 1 > MAX_COMPREHENSION_DEPTH)
          return `comprehensions (all, exists, map, filter) nest more than ${MAX_COMPREHENSION_DEPTH} deep`;
        const inner = new Set([...bound, c.iterVar, c.accuVar, ...(c.iterVar2 ? [c.iterVar2] : [])]);
        return (
          walk(c.iterRange, bound, depth) ??
          walk(c.accuInit, bound, depth) ??
          walk(c.loopCondition, inner, depth + 1) ??
          walk(c.loopStep, inner, depth + 1) ??
          walk(c.result, new Set([...bound, c.accuVar]), depth)
        );
      }
      default:
        return undefined;
    }
  };
  return walk(root, new Set(), 0);
}

const TYPE_NAMES = new Set([
  'int',
  'uint',
  'double',
  'bool',
  'string',
  'bytes',
  'list',
  'map',
  'null_type',
  'type',
  'dyn',
]);

function firstOf(fns: readonly (() => string | undefined)[]): string | undefined {
  for (const f of fns) {
    const r = f();
    if (r !== undefined) return r;
  }
  return undefined;
}
