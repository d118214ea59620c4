import type { RenderDeadline } from '../core/templates.js';

// The cost meter of a CEL evaluation (cel.ts). Expressions come from the repository, so every evaluation is
// bounded: every comprehension iteration costs 1 and every string a function builds costs its length / 16
// (metered-functions.ts charges them); a run over COST_LIMIT stops with an error; a string over MAX_STRING is
// refused before it is built; and the meter checks a deadline as it charges, never later than the render's own
// (CheckInput.deadline, on the render's clock), so all the checks of a render share its renderMs. The meter, not
// a vm timeout: entering a vm context with a timeout starts a watchdog thread per call, which cost more than
// the rules themselves at 1,000 apps. Kubernetes bounds CRD rules the same way (a per-call cost limit,
// apiextensions-apiserver's `PerCallLimit` = 1,000,000); we count iterations rather than estimating statically.

export const COST_LIMIT = 1_000_000;
export const MAX_STRING = 1024 * 1024;

/** Deadline of one custom rule over one render's objects, and of one CRD's rules over one object. */
export const CEL_DEADLINE_MS = 1000;

/** Thrown by the meter; turned into an evaluation error of the rule, never a pass. */
export class BudgetExceeded extends Error {}

/** Thrown by the meter when the deadline has passed: the caller stops evaluating this rule. */
export class DeadlinePassed extends BudgetExceeded {}

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

/** The meter of the evaluation in progress, if any: the metered functions charge it. */
export function currentMeter(): CostMeter | undefined {
  return meter;
}

/** Runs one evaluation with `m` as the meter its functions charge. */
export function metering<T>(m: CostMeter, evaluate: () => T): T {
  meter = m;
  try {
    return evaluate();
  } finally {
    meter = undefined;
  }
}

/** Charges for a string a function is about to build or has built; refuses one over MAX_STRING. */
export function chargeString(length: number): void {
  if (length > MAX_STRING) {
    const e = new BudgetExceeded(`would build a string of ${length} characters (at most ${MAX_STRING})`);
    if (meter) meter.stopped = e;
    throw e;
  }
  meter?.charge(Math.ceil(length / 16));
}
