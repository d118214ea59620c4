import type { WarmAnswer, WarmRequest } from './protocol.js';

// The warm renderer's scheduler (docs/performance.md, "Warm renderer"; docs/security.md, "Tenants"). The
// supervisor process renders nothing itself: it hands each request to a renderer process that belongs to the
// request's tenant (Argo CD AppProject + repository URL) and never serves another, so even code running inside
// one renderer could neither read nor change another tenant's renders. Renders of different tenants run at
// the same time; each has a deadline; a render whose client went away or whose deadline passed is stopped by
// killing its process, never waited for. A request that cannot get a process soon is told to render itself
// (the client's in-process fallback), so a busy or hostile tenant can delay others by `queueMs` at most.
// Everything that touches processes or time is injected, so test/warm-pool.test.ts drives it with fakes.

/** One renderer process, bound to one tenant for its whole life. */
export interface RendererProcess {
  /** Settles when the process can take requests (resolves) or could not start (rejects). */
  readonly ready: Promise<void>;
  /** Run one request. Resolves with the answer, or 'gone' when the process died before answering. */
  run(req: WarmRequest): Promise<WarmAnswer | 'gone'>;
  /** After an answer: the process asked to be retired (its memory passed the bound); it exits by itself. */
  retiring(): boolean;
  kill(): void;
  /** Called once when the process has exited, whatever the reason. */
  onExit(cb: () => void): void;
}

export interface Timers {
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface PoolOptions {
  /** Renderer processes at most (all tenants together). */
  size: number;
  /** Processes one tenant may hold at once: below `size`, so a tenant never takes every process. */
  perTenant: number;
  /** Longest wait for a process before the request is answered `fallback` (the client renders itself). */
  queueMs: number;
  /** A renderer process unused this long is stopped (its memory goes back to the pod). */
  idleMs: number;
  /** Wall time a render may take in its process (the render budget plus grace); then the process is killed. */
  deadlineMs(req: WarmRequest): number;
  spawn(tenant: string): RendererProcess;
  timers?: Timers;
  now?: () => number;
  log?(message: string): void;
}

export type Outcome =
  | { kind: 'answer'; answer: WarmAnswer }
  /** The client should render in-process: no process in time, the process died, or the pool is closing. */
  | { kind: 'fallback'; why: string }
  /** The render ran past its deadline and its process was killed. */
  | { kind: 'deadline'; ms: number };

/** A submitted request: `outcome` settles once; `cancel()` (the client went away) stops its work. */
export interface Ticket {
  outcome: Promise<Outcome>;
  cancel(): void;
}

interface Slot {
  tenant: string;
  proc: RendererProcess;
  state: 'starting' | 'idle' | 'busy';
  lastUsed: number;
  job?: Job;
  idleTimer?: unknown;
}

interface Job {
  tenant: string;
  req: WarmRequest;
  settle(o: Outcome): void;
  settled: boolean;
  timer?: unknown;
  slot?: Slot;
}

/** The tenant of a request: its Argo CD AppProject and repository URL (both set by Argo CD, not by the app). */
export function tenantOf(env: Readonly<Record<string, string>>): string {
  return JSON.stringify([env.ARGOCD_APP_PROJECT_NAME ?? '', env.ARGOCD_APP_SOURCE_REPO_URL ?? '']);
}

export class RendererPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly timers: Timers;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: PoolOptions) {
    this.timers = opts.timers ?? {
      setTimeout: (cb, ms) => setTimeout(cb, ms).unref(),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    };
    this.now = opts.now ?? Date.now;
  }

  submit(req: WarmRequest, tenant: string): Ticket {
    let settle!: (o: Outcome) => void;
    const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
    const job: Job = {
      tenant,
      req,
      settled: false,
      settle: (o) => {
        if (job.settled) return;
        job.settled = true;
        if (job.timer !== undefined) this.timers.clearTimeout(job.timer);
        settle(o);
      },
    };
    if (this.closed) job.settle({ kind: 'fallback', why: 'closing' });
    else {
      job.timer = this.timers.setTimeout(() => this.expireQueued(job), this.opts.queueMs);
      this.queue.push(job);
      this.pump();
    }
    return { outcome, cancel: () => this.cancel(job) };
  }

  /** Processes by state, for logs and tests. */
  stats(): { starting: number; idle: number; busy: number; queued: number; tenants: number } {
    const count = (s: Slot['state']): number => this.slots.filter((x) => x.state === s).length;
    return {
      starting: count('starting'),
      idle: count('idle'),
      busy: count('busy'),
      queued: this.queue.length,
      tenants: new Set(this.slots.map((s) => s.tenant)).size,
    };
  }

  /** Stop everything: queued and running requests are answered `fallback`, every process is killed. */
  close(): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.settle({ kind: 'fallback', why: 'closing' });
    for (const slot of [...this.slots]) this.retire(slot, 'closing');
  }

  private cancel(job: Job): void {
    if (job.settled) return;
    job.settle({ kind: 'fallback', why: 'client gone' });
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    // A render nobody waits for is stopped, not finished: its process goes, a fresh one serves the tenant next.
    if (job.slot) this.retire(job.slot, 'client gone');
    this.pump();
  }

  private expireQueued(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i < 0) return;
    this.queue.splice(i, 1);
    job.settle({ kind: 'fallback', why: 'no renderer process free in time' });
  }

  /** Give queued requests processes, oldest first, within the pool's and the tenant's bounds. */
  private pump(): void {
    if (this.closed) return;
    for (const job of [...this.queue]) {
      const idle = this.slots.find((s) => s.tenant === job.tenant && s.state === 'idle');
      if (idle) {
        this.queue.splice(this.queue.indexOf(job), 1);
        this.start(job, idle);
        continue;
      }
      const mine = this.slots.filter((s) => s.tenant === job.tenant);
      // One start at a time per tenant, and never more than the tenant's share of the pool.
      if (mine.some((s) => s.state === 'starting') || mine.length >= this.opts.perTenant) continue;
      if (this.slots.length >= this.opts.size) {
        const victim = this.slots
          .filter((s) => s.state === 'idle' && s.tenant !== job.tenant)
          .sort((a, b) => a.lastUsed - b.lastUsed)[0];
        if (!victim) continue;
        this.retire(victim, 'room for another tenant');
      }
      this.add(job.tenant);
    }
  }

  private add(tenant: string): void {
    const proc = this.opts.spawn(tenant);
    const slot: Slot = { tenant, proc, state: 'starting', lastUsed: this.now() };
    this.slots.push(slot);
    proc.onExit(() => this.exited(slot));
    proc.ready.then(
      () => {
        if (!this.slots.includes(slot) || slot.state !== 'starting') return;
        this.idle(slot);
        this.pump();
      },
      () => this.startFailed(slot),
    );
  }

  /** A process that cannot start would be started again at once: answer its tenant's queue instead. */
  private startFailed(slot: Slot): void {
    this.retire(slot, 'did not start');
    for (const job of this.queue.filter((j) => j.tenant === slot.tenant)) {
      this.queue.splice(this.queue.indexOf(job), 1);
      job.settle({ kind: 'fallback', why: 'renderer process did not start' });
    }
  }

  private start(job: Job, slot: Slot): void {
    if (slot.idleTimer !== undefined) this.timers.clearTimeout(slot.idleTimer);
    slot.state = 'busy';
    slot.job = job;
    job.slot = slot;
    if (job.timer !== undefined) this.timers.clearTimeout(job.timer);
    const ms = this.opts.deadlineMs(job.req);
    job.timer = this.timers.setTimeout(() => {
      if (job.settled) return;
      job.settle({ kind: 'deadline', ms });
      this.retire(slot, 'deadline passed');
      this.pump();
    }, ms);
    void slot.proc.run(job.req).then((answer) => {
      if (slot.job === job) slot.job = undefined;
      if (!job.settled)
        job.settle(
          answer === 'gone' ? { kind: 'fallback', why: 'renderer process exited' } : { kind: 'answer', answer },
        );
      if (!this.slots.includes(slot)) return this.pump();
      if (answer === 'gone' || slot.proc.retiring()) this.retire(slot, 'retiring');
      else this.idle(slot);
      this.pump();
    });
  }

  private idle(slot: Slot): void {
    slot.state = 'idle';
    slot.lastUsed = this.now();
    slot.idleTimer = this.timers.setTimeout(() => {
      if (slot.state === 'idle') this.retire(slot, 'idle');
    }, this.opts.idleMs);
  }

  /** Take a process out of the pool and kill it (its exit is then only bookkeeping). */
  private retire(slot: Slot, why: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    if (slot.idleTimer !== undefined) this.timers.clearTimeout(slot.idleTimer);
    this.opts.log?.(`renderer process stopped: ${why}`);
    slot.job?.settle({ kind: 'fallback', why });
    slot.proc.kill();
  }

  private exited(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    if (slot.state === 'starting') return this.startFailed(slot);
    this.slots.splice(i, 1);
    if (slot.idleTimer !== undefined) this.timers.clearTimeout(slot.idleTimer);
    slot.job?.settle({ kind: 'fallback', why: 'renderer process exited' });
    this.pump();
  }
}
