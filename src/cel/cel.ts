import { DeadlinePassed, metering, type CostMeter } from './cost-meter.js';
import { getEngine, instrument } from './metered-functions.js';
import { checkAst } from './static-checks.js';

// CEL for custom policy rules and CRD `x-kubernetes-validations` (docs/policy.md), on @bufbuild/cel, which
// runs the CEL conformance suite. Loaded on first use: a render without custom rules or CRD validations never
// parses it. Expressions come from the repository, so every evaluation is bounded by a cost meter and a deadline
// (cost-meter.ts), charged by the environment's functions and every comprehension's iterations
// (metered-functions.ts); what the meter does not see (`in`, `==`, `matches` outside a comprehension) is linear
// in the data and bounded by the expression's length (MAX_EXPRESSION_CHARS). Unknown names and deep nesting are
// refused at compile time (static-checks.ts); data goes in and messages come out through conversion.ts.

// The meter and the conversions are used with compiled programs (policy/custom-check.ts, validate/): exported here
// too, so a caller loads CEL through one module.
export { CEL_DEADLINE_MS, CostMeter, deadlineIn, type Deadline } from './cost-meter.js';
export { celText, toCel } from './conversion.js';

type CelModule = typeof import('@bufbuild/cel');

export const MAX_EXPRESSION_CHARS = 10_000;

export interface CompileError {
  message: string;
  /** 1-based column in the expression, when the parser gave one. */
  column?: number;
}

export type CelOutcome = { value: unknown } | { error: string; deadline?: true };

export interface CelProgram {
  readonly source: string;
  run(vars: Record<string, unknown>, m: CostMeter): CelOutcome;
}

const programs = new Map<string, CelProgram | CompileError>();

/** Parse, check and plan an expression (cached by text for the process). */
export function compileCel(source: string, variables: readonly string[]): CelProgram | CompileError {
  const key = `${variables.join(',')}\0${source}`;
  const hit = programs.get(key);
  if (hit) return hit;
  const out = compileUncached(source, variables);
  if (programs.size > 4096) programs.clear();
  programs.set(key, out);
  return out;
}

export function isCompileError(p: CelProgram | CompileError): p is CompileError {
  return !('run' in p);
}

function compileUncached(source: string, variables: readonly string[]): CelProgram | CompileError {
  if (source.length > MAX_EXPRESSION_CHARS)
    return { message: `expression is ${source.length} characters long (at most ${MAX_EXPRESSION_CHARS})` };
  const { cel, env } = getEngine();
  let parsed: ReturnType<CelModule['parse']>;
  try {
    parsed = cel.parse(source);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /^<input>:(\d+):(\d+): (.*)$/s.exec(msg);
    return m ? { message: m[3].split('\n')[0], column: Number(m[2]) } : { message: msg.split('\n')[0] };
  }
  const problem = checkAst(parsed.expr, env, new Set(variables));
  if (problem) return { message: problem };
  instrument(parsed.expr);
  const evaluate = cel.plan(env, parsed);
  return {
    source,
    run(vars, m) {
      try {
        const r = metering(m, () => evaluate(vars as never));
        // The planner turns a thrown error into a CelError whose cause is ours.
        if (m.stopped instanceof DeadlinePassed || m.expired())
          return { error: `took over ${m.deadline!.ms} ms`, deadline: true };
        if (m.stopped) return { error: m.stopped.message };
        if (cel.isCelError(r)) return { error: r.message };
        return { value: r };
      } catch (e) {
        return e instanceof DeadlinePassed ? { error: e.message, deadline: true } : { error: (e as Error).message };
      }
    },
  };
}
