import type { CelEnv, CelFunc, CelList, CelValue } from '@bufbuild/cel';
import { toText } from '../core/guards.js';
import type { RenderDeadline } from '../core/templates.js';

// CEL for custom policy rules and CRD `x-kubernetes-validations` (docs/policy.md), on @bufbuild/cel, which
// runs the CEL conformance suite. Loaded on first use: a render without custom rules or CRD validations never
// parses it. Expressions come from the repository, so every evaluation is bounded:
// - a cost meter: every comprehension iteration (`all`, `exists`, `map`, `filter`, ...) costs 1 and every
//   string a function builds costs its length / 16; a run over COST_LIMIT stops with an error;
// - strings a function would build beyond MAX_STRING are refused before they are built;
// - a deadline, checked by the meter as it charges (a custom rule over one render's objects, a CRD's rules
//   over one object), never later than the render's own (CheckInput.deadline, on the render's clock), so all
//   the checks of a render share its renderMs. The meter, not a vm timeout: entering a vm context with a timeout starts
//   a watchdog thread per call, which cost more than the rules themselves at 1,000 apps. What the meter
//   does not see (`in`, `==`, `matches` outside a comprehension) is linear in the data and bounded by the
//   expression's length (MAX_EXPRESSION_CHARS).
// Kubernetes bounds CRD rules the same way (a per-call cost limit, apiextensions-apiserver's
// `PerCallLimit` = 1,000,000); we count iterations rather than estimating statically.

type CelModule = typeof import('@bufbuild/cel');
type Expr = import('@bufbuild/cel-spec/cel/expr/syntax_pb.js').Expr;

export const COST_LIMIT = 1_000_000;
export const MAX_STRING = 1024 * 1024;
export const MAX_EXPRESSION_CHARS = 10_000;
/** Comprehensions nested deeper than this are refused at compile time (each level multiplies the work). */
export const MAX_COMPREHENSION_DEPTH = 3;

/** Thrown by the meter; turned into an evaluation error of the rule, never a pass. */
class BudgetExceeded extends Error {}

/** Thrown by the meter when the deadline has passed: the caller stops evaluating this rule. */
class DeadlinePassed extends BudgetExceeded {}

/**
 * A deadline shared by several evaluations, on the render's clock (RenderSettings.now, through
 * CheckInput.deadline): the earlier of the evaluation's own budget (`ms`) and the render's deadline.
 */
export interface Deadline {
  at: number;
  ms: number;
  now: () => number;
  /** Set when the render's deadline comes first: passing it ends the render, not just the rule. */
  render?: RenderDeadline;
}

/** `ms` from now, but never past the render's deadline when one is given. */
export function deadlineIn(ms: number, render?: RenderDeadline): Deadline {
  const now = render ? () => render.now() : () => performance.now();
  const start = now();
  if (render && render.remainingMs() < ms) return { at: start + Math.max(0, render.remainingMs()), ms, now, render };
  return { at: start + ms, ms, now };
}

export class CostMeter {
  used = 0;
  /** Set once the meter stopped an evaluation: the outcome is that error, even if `||` absorbed it. */
  stopped?: BudgetExceeded;
  private checked = 0;
  constructor(
    readonly limit = COST_LIMIT,
    readonly deadline?: Deadline,
  ) {}
  charge(n: number): void {
    if (this.stopped) throw this.stopped; // the error may have been absorbed (`||`, `all`): stop at once
    this.used += n;
    if (this.used > this.limit)
      throw (this.stopped = new BudgetExceeded(
        `exceeded the cost budget (${this.limit} units: iterations and built string size)`,
      ));
    if (this.deadline && this.used - this.checked >= 64) {
      this.checked = this.used;
      if (this.deadline.now() > this.deadline.at)
        throw (this.stopped = new DeadlinePassed(`took over ${this.deadline.ms} ms`));
    }
  }
  /** For evaluations too short to charge 64 units: has the deadline passed? */
  expired(): boolean {
    return !!this.deadline && this.deadline.now() > this.deadline.at;
  }
}

// The meter of the evaluation in progress (evaluation is synchronous: one at a time).
let meter: CostMeter | undefined;

interface Engine {
  cel: CelModule;
  env: CelEnv;
}

let engine: Engine | undefined;

/** The CEL module and one environment with strata's functions, created on first use. */
function getEngine(): Engine {
  if (engine) return engine;
  const cel = require('@bufbuild/cel') as CelModule;
  const strings = (require('@bufbuild/cel/ext') as { strings: CelFunc[] }).strings;
  const { k8sFuncs } = require('./cel-k8s.js') as typeof import('./cel-k8s.js');
  // Wraps every comprehension's loop condition: charges one unit per iteration, and once the meter has
  // stopped, answers false so the loop ends at once (an error would not end it: `all` and `exists` go on
  // past errors, as CEL's commutative logic requires).
  const tick = cel.celFunc(TICK, [cel.CelScalar.DYN], cel.CelScalar.DYN, (x: CelValue) => {
    if (!meter) return x;
    if (meter.stopped) return false;
    try {
      meter.charge(1);
    } catch {
      return false;
    }
    return x;
  });
  engine = { cel, env: cel.celEnv({ funcs: [...strings.map(metered), ...k8sFuncs(cel, chargeString), tick] }) };
  return engine;
}

const TICK = '@strata.tick';

/** Charges for a string a function is about to build or has built; refuses one over MAX_STRING. */
export function chargeString(length: number): void {
  if (length > MAX_STRING) {
    const e = new BudgetExceeded(`would build a string of ${length} characters (at most ${MAX_STRING})`);
    if (meter) meter.stopped = e;
    throw e;
  }
  meter?.charge(Math.ceil(length / 16));
}

/** A strings-extension function whose output is charged (and `join` checked before it builds anything). */
function metered(f: CelFunc): CelFunc {
  const w = Object.create(f) as CelFunc & { call: CelFunc['call'] };
  w.call = (id, target, args) => {
    if (f.name === 'join' && target && typeof target === 'object' && Symbol.iterator in target) {
      let n = 0;
      for (const x of target as CelList) n += typeof x === 'string' ? x.length : 0;
      chargeString(n);
    }
    const r = f.call(id, target, args);
    if (typeof r === 'string') chargeString(r.length);
    return r;
  };
  return w;
}

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
      meter = m;
      try {
        const r = evaluate(vars as never);
        // The planner turns a thrown error into a CelError whose cause is ours.
        if (m.stopped instanceof DeadlinePassed || m.expired())
          return { error: `took over ${m.deadline!.ms} ms`, deadline: true };
        if (m.stopped) return { error: m.stopped.message };
        if (cel.isCelError(r)) return { error: r.message };
        return { value: r };
      } catch (e) {
        return e instanceof DeadlinePassed ? { error: e.message, deadline: true } : { error: (e as Error).message };
      } finally {
        meter = undefined;
      }
    },
  };
}

/**
 * Static checks the planner leaves to evaluation time: unknown functions and variables are compile errors
 * (at the policy file's line), and comprehensions may nest at most MAX_COMPREHENSION_DEPTH deep.
 */
function checkAst(root: Expr, env: CelEnv, variables: ReadonlySet<string>): string | undefined {
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

let nextId = 1_000_000_000n;

/** Route every comprehension's loop condition through the meter's tick (it runs once per iteration). */
function instrument(e: Expr | undefined): void {
  if (!e) return;
  const k = e.exprKind;
  switch (k.case) {
    case 'selectExpr':
      instrument(k.value.operand);
      return;
    case 'callExpr':
      instrument(k.value.target);
      k.value.args.forEach(instrument);
      return;
    case 'listExpr':
      k.value.elements.forEach(instrument);
      return;
    case 'structExpr':
      for (const en of k.value.entries) {
        if (en.keyKind.case === 'mapKey') instrument(en.keyKind.value);
        instrument(en.value);
      }
      return;
    case 'comprehensionExpr': {
      const c = k.value;
      instrument(c.iterRange);
      instrument(c.accuInit);
      instrument(c.loopCondition);
      instrument(c.loopStep);
      instrument(c.result);
      // A plain object in the shape of a cel.expr.Expr (the planner reads fields only), so that we need not
      // load a second copy of @bufbuild/protobuf to build one message.
      const call = { $typeName: 'cel.expr.Expr.Call', function: TICK, args: c.loopCondition ? [c.loopCondition] : [] };
      c.loopCondition = {
        $typeName: 'cel.expr.Expr',
        id: nextId++,
        exprKind: { case: 'callExpr', value: call },
      } as unknown as Expr;
      return;
    }
    default:
      return;
  }
}

/**
 * JSON-like data as CEL input: whole numbers become CEL `int` (as Kubernetes does for integer fields, so
 * `object.spec.replicas + 1` and `type(x) == int` work), other numbers stay `double`.
 */
export function toCel(v: unknown, depth = 0): unknown {
  if (depth > 200) throw new Error('value nested too deeply');
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map((x) => toCel(x, depth + 1));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toCel(x, depth + 1);
    return out;
  }
  return v;
}

/** CEL output for messages: strings as they are, anything else in CEL-ish text. */
export function celText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v === null
    ? 'null'
    : (JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)) ?? toText(v));
}

/** Deadline of one custom rule over one render's objects, and of one CRD's rules over one object. */
export const CEL_DEADLINE_MS = 1000;
