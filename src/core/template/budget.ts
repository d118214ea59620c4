import { UserError } from '../errors.js';
import { LIMIT_SPECS, type Limits } from '../limits.js';

// The render budget (docs/security.md §2), checked while templates run rather than after: a template that doubles
// through partials or nests `#each` over large lists must fail within the limit, not after minutes and GBs.
// The clock is read through an injected function and only every TICK_EVERY steps (emission, block helpers,
// each iteration, partial calls), so the normal path pays a counter increment.

const TICK_EVERY = 64;

function knob(key: keyof Limits): string {
  const spec = LIMIT_SPECS.find((s) => s.key === key);
  return spec ? ` (${spec.env} / --${spec.flag})` : '';
}

export class Budget {
  private ticks = 0;
  private readonly deadline: number;
  /** Bytes of output committed so far by finished templates and top-level pieces of the current one. */
  private committed = 0;
  /** Partial / include / tpl nesting of the template under way. */
  depth = 0;

  constructor(
    readonly limits: Limits,
    private readonly now: () => number = Date.now,
  ) {
    this.deadline = now() + limits.renderMs;
  }

  /** A step of template execution; checks the clock now and then. */
  tick(template: string): void {
    if (++this.ticks % TICK_EVERY === 0) this.checkTime(template);
  }

  checkTime(template: string): void {
    if (this.now() > this.deadline) {
      throw new UserError(`rendering took longer than ${this.limits.renderMs} ms (limit renderMs${knob('renderMs')}); a loop or partial recursion too large?`, { file: template });
    }
  }

  /** A piece of output `bytes` long is being built on top of what is committed: fail before it grows further. */
  checkSize(bytes: number, template: string): void {
    if (this.committed + bytes > this.limits.outputBytes) {
      throw new UserError(`rendered output exceeds ${this.limits.outputBytes} bytes (limit outputBytes${knob('outputBytes')})`, { file: template });
    }
  }

  /** Output that is final (a finished template). */
  commit(bytes: number, template: string): void {
    this.checkSize(bytes, template);
    this.committed += bytes;
  }

  enter(template: string, what: string): void {
    if (++this.depth > this.limits.partialDepth) {
      this.depth--;
      throw new UserError(`${what} nested deeper than ${this.limits.partialDepth} levels (limit partialDepth${knob('partialDepth')}); recursive partials?`, { file: template });
    }
    this.tick(template);
  }

  leave(): void {
    if (this.depth > 0) this.depth--;
  }
}
