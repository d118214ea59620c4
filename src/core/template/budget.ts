import { UserError } from '../errors.js';
import { type Limits, limitHint } from '../limits.js';

// The render budget (docs/security.md §2), checked while the render works rather than after: a template that
// doubles through partials or nests `#each` over large lists, a helper call over a large or shared-reference
// value, a template compiled late, and the checks after the templates must all fail within the limit, not
// after minutes and GBs. One clock for all of it: the injected `now` (RenderSettings.now), read only every
// TICK_EVERY steps (emission, block helpers, each iteration, partial calls) or every CHARGE_EVERY units of
// helper work, so the normal path pays a counter increment.

const TICK_EVERY = 64;
/** Units of helper work (elements visited, bytes scanned / 64) between two looks at the clock. */
const CHARGE_EVERY = 4096;

/** "(ENV / --flag)" for a limit, the wording every limit error uses. */
/**
 * The render's deadline as the checks see it (CheckInput.deadline): the same clock and the same instant as the
 * template budget, so every kind of work of one render shares one renderMs.
 */
export interface RenderDeadline {
  /** The render's clock (RenderSettings.now). */
  now(): number;
  /** Milliseconds left before the deadline (0 or less once it has passed). */
  remainingMs(): number;
  /** Throws the one-line renderMs error naming `file` if the deadline has passed. */
  check(file: string): void;
}

export class Budget implements RenderDeadline {
  private ticks = 0;
  private work = 0;
  private nextLook = CHARGE_EVERY;
  private readonly deadline: number;
  /** Bytes of output committed so far by finished templates. */
  private committed = 0;
  /**
   * Bytes produced so far by blocks of the template under way (block helpers, partials, include, tpl), each
   * byte counted once: a block adds what it produced beyond the results of the blocks inside it. Output that
   * grows inside nested blocks is thus counted as it grows, not when the template's text is complete.
   */
  private produced = 0;
  /** Per open block: the total length of the results of the blocks that finished inside it. */
  private readonly frames: number[] = [];
  /** Partial / include / tpl nesting of the template under way. */
  depth = 0;

  constructor(
    readonly limits: Limits,
    readonly now: () => number = Date.now,
  ) {
    this.deadline = now() + limits.renderMs;
  }

  /** A step of template execution; checks the clock now and then. */
  tick(template: string): void {
    if (++this.ticks % TICK_EVERY === 0) this.checkTime(template);
  }

  /**
   * `units` of work inside one step (a helper walking a list, comparing values, scanning text): helpers charge
   * as they go, so one call over a large input still ends at the deadline.
   */
  charge(units: number, template: string): void {
    this.work += units;
    if (this.work >= this.nextLook) {
      this.nextLook = this.work + CHARGE_EVERY;
      this.checkTime(template);
    }
  }

  checkTime(template: string, why = 'a loop or partial recursion too large?'): void {
    if (this.now() > this.deadline) {
      throw new UserError(`rendering took longer than ${this.limits.renderMs} ms (${limitHint('renderMs')}); ${why}`, {
        file: template,
      });
    }
  }

  check(file: string): void {
    this.checkTime(file, 'the checks (custom rules, CRD validations) ran past it');
  }

  remainingMs(): number {
    return this.deadline - this.now();
  }

  /** A template starts: nothing of it is produced yet (a failed template may have left blocks open). */
  startTemplate(): void {
    this.produced = 0;
    this.frames.length = 0;
  }

  /** A block (block helper, partial, include, tpl) starts producing output. */
  open(): void {
    this.frames.push(0);
  }

  /** The block opened last is growing to `bytes` (e.g. an `#each` after an iteration): fail before it grows further. */
  growing(bytes: number, template: string): void {
    this.checkSize(Math.max(0, bytes - (this.frames[this.frames.length - 1] ?? 0)), template);
  }

  /** The block opened last finished with a result `bytes` long. */
  close(bytes: number, template: string): void {
    const inner = this.frames.pop() ?? 0;
    this.produced += Math.max(0, bytes - inner);
    if (this.frames.length > 0) this.frames[this.frames.length - 1] += bytes;
    this.checkSize(0, template);
  }

  /** A piece of output `bytes` long is being built on top of what is produced: fail before it grows further. */
  checkSize(bytes: number, template: string): void {
    if (this.committed + this.produced + bytes > this.limits.outputBytes) {
      throw new UserError(`rendered output exceeds ${this.limits.outputBytes} bytes (${limitHint('outputBytes')})`, {
        file: template,
      });
    }
  }

  /** Output that is final (a finished template): its text replaces what its blocks produced. */
  commit(bytes: number, template: string): void {
    this.startTemplate();
    this.checkSize(bytes, template);
    this.committed += bytes;
  }

  enter(template: string, what: string): void {
    if (++this.depth > this.limits.partialDepth) {
      this.depth--;
      throw new UserError(
        `${what} nested deeper than ${this.limits.partialDepth} levels (${limitHint('partialDepth')}); recursive partials?`,
        { file: template },
      );
    }
    this.tick(template);
  }

  leave(): void {
    if (this.depth > 0) this.depth--;
  }
}
