import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  RendererPool,
  tenantOf,
  type Outcome,
  type PoolOptions,
  type RendererProcess,
  type Timers,
} from '../src/warm/pool.js';
import type { WarmAnswer, WarmRequest } from '../src/warm/protocol.js';

// The warm renderer's scheduler with fake processes and a fake clock: which process serves which request,
// what waits, what is stopped. The real processes are exercised by test/e2e/warm-tenants.test.ts.

/** A fake clock: timers fire when the test advances time. */
class Clock implements Timers {
  t = 0;
  private timers: { at: number; cb: () => void; id: number }[] = [];
  private next = 1;
  now = (): number => this.t;
  setTimeout(cb: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, cb, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = due.at;
      this.clearTimeout(due.id);
      due.cb();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** A fake renderer process: the test decides when it is ready and when each request is answered. */
class FakeProc implements RendererProcess {
  readonly ready: Promise<void>;
  readonly served: WarmRequest[] = [];
  killed = false;
  exitedFlag = false;
  retire = false;
  private readyResolve!: () => void;
  private readyReject!: (e: Error) => void;
  private answers: ((a: WarmAnswer | 'gone') => void)[] = [];
  private exitCbs: (() => void)[] = [];
  constructor(readonly tenant: string) {
    this.ready = new Promise((res, rej) => {
      this.readyResolve = res;
      this.readyReject = rej;
    });
    this.ready.catch(() => undefined);
  }
  start(): void {
    this.readyResolve();
  }
  failStart(): void {
    this.readyReject(new Error('no'));
    this.exit();
  }
  run(req: WarmRequest): Promise<WarmAnswer | 'gone'> {
    this.served.push(req);
    return new Promise((resolve) => this.answers.push(resolve));
  }
  answer(text = 'ok'): void {
    const next = this.answers.shift();
    assert.ok(next, 'no request in flight');
    next({ code: 0, stdout: Buffer.from(text), stderr: '' });
  }
  busy(): boolean {
    return this.answers.length > 0;
  }
  retiring(): boolean {
    return this.retire;
  }
  kill(): void {
    this.killed = true;
    this.exit();
  }
  exit(): void {
    if (this.exitedFlag) return;
    this.exitedFlag = true;
    for (const a of this.answers.splice(0)) a('gone');
    for (const cb of this.exitCbs) cb();
  }
  onExit(cb: () => void): void {
    this.exitCbs.push(cb);
  }
}

function req(project: string, repo = 'https://git.example.com/r.git', app = 'a'): WarmRequest {
  return {
    argv: ['generate'],
    cwd: '/tmp/x',
    env: { ARGOCD_APP_PROJECT_NAME: project, ARGOCD_APP_SOURCE_REPO_URL: repo, ARGOCD_APP_NAME: app },
  };
}

function setup(over: Partial<PoolOptions> = {}): { pool: RendererPool; clock: Clock; procs: FakeProc[] } {
  const clock = new Clock();
  const procs: FakeProc[] = [];
  const pool = new RendererPool({
    size: 2,
    perTenant: 1,
    queueMs: 2000,
    idleMs: 60_000,
    deadlineMs: () => 32_000,
    spawn: (tenant) => {
      const p = new FakeProc(tenant);
      procs.push(p);
      return p;
    },
    timers: clock,
    now: clock.now,
    ...over,
  });
  return { pool, clock, procs };
}

function submit(
  pool: RendererPool,
  r: WarmRequest,
): { outcome: Outcome | undefined; ticket: ReturnType<RendererPool['submit']> } {
  const box: { outcome: Outcome | undefined; ticket: ReturnType<RendererPool['submit']> } = {
    outcome: undefined,
    ticket: pool.submit(r, tenantOf(r.env)),
  };
  void box.ticket.outcome.then((o) => (box.outcome = o));
  return box;
}

describe('warm renderer pool', () => {
  test('the tenant is the Argo CD project and the repository URL, both set by Argo CD', () => {
    assert.notEqual(tenantOf(req('team-a').env), tenantOf(req('team-b').env));
    assert.notEqual(tenantOf(req('team-a', 'https://x/1.git').env), tenantOf(req('team-a', 'https://x/2.git').env));
    assert.equal(
      tenantOf(req('team-a', 'https://x/1.git', 'app1').env),
      tenantOf(req('team-a', 'https://x/1.git', 'app2').env),
    );
    // A name cannot be forged to equal another pair by moving the separator.
    assert.notEqual(
      tenantOf({ ARGOCD_APP_PROJECT_NAME: 'a', ARGOCD_APP_SOURCE_REPO_URL: 'b\u0000c' }),
      tenantOf({ ARGOCD_APP_PROJECT_NAME: 'a\u0000b', ARGOCD_APP_SOURCE_REPO_URL: 'c' }),
    );
  });

  test('a process serves one tenant only, for its whole life', async () => {
    const { pool, procs } = setup();
    const a = submit(pool, req('team-a'));
    await flush();
    procs[0].start();
    await flush();
    procs[0].answer();
    await flush();
    assert.equal(a.outcome?.kind, 'answer');
    const b = submit(pool, req('team-b'));
    await flush();
    assert.equal(procs.length, 2, 'team-b gets its own process although team-a`s is idle');
    procs[1].start();
    await flush();
    procs[1].answer();
    await flush();
    assert.equal(b.outcome?.kind, 'answer');
    for (const p of procs) for (const r of p.served) assert.equal(tenantOf(r.env), p.tenant);
  });

  test('while one tenant renders, another tenant is served at once', async () => {
    const { pool, procs } = setup();
    const slow = submit(pool, req('team-a'));
    await flush();
    procs[0].start();
    await flush();
    assert.ok(procs[0].busy());
    const fast = submit(pool, req('team-b'));
    await flush();
    procs[1].start();
    await flush();
    procs[1].answer('b');
    await flush();
    assert.equal(fast.outcome?.kind, 'answer');
    assert.equal(slow.outcome, undefined, 'the slow render is still running');
  });

  test('a tenant holds at most its share: its extra requests wait, then render in their own process', async () => {
    const { pool, clock, procs } = setup();
    submit(pool, req('team-a', undefined, 'slow'));
    await flush();
    procs[0].start();
    await flush();
    const second = submit(pool, req('team-a', undefined, 'second'));
    await flush();
    assert.equal(procs.length, 1, 'no second process for the same tenant (perTenant 1)');
    await clock.advance(1999);
    assert.equal(second.outcome, undefined);
    await clock.advance(1);
    assert.deepEqual(second.outcome, { kind: 'fallback', why: 'no renderer process free in time' });
    // ... and the other tenant still found room.
    const other = submit(pool, req('team-b'));
    await flush();
    assert.equal(procs.length, 2);
    procs[1].start();
    await flush();
    procs[1].answer();
    await flush();
    assert.equal(other.outcome?.kind, 'answer');
  });

  test('queued requests of one tenant are served in order by its process', async () => {
    const { pool, procs } = setup();
    const boxes = [1, 2, 3].map((i) => submit(pool, req('team-a', undefined, `app${i}`)));
    await flush();
    procs[0].start();
    await flush();
    for (let i = 0; i < 3; i++) {
      procs[0].answer(`r${i}`);
      await flush();
    }
    assert.deepEqual(
      boxes.map((b) => (b.outcome?.kind === 'answer' ? b.outcome.answer.stdout.toString() : b.outcome?.kind)),
      ['r0', 'r1', 'r2'],
    );
    assert.deepEqual(
      procs[0].served.map((r) => r.env.ARGOCD_APP_NAME),
      ['app1', 'app2', 'app3'],
    );
  });

  test('a render past its deadline is stopped: its process is killed and the answer says so', async () => {
    const { pool, clock, procs } = setup({ deadlineMs: () => 5000 });
    const box = submit(pool, req('team-a'));
    await flush();
    procs[0].start();
    await flush();
    await clock.advance(4999);
    assert.equal(box.outcome, undefined);
    await clock.advance(1);
    assert.deepEqual(box.outcome, { kind: 'deadline', ms: 5000 });
    assert.ok(procs[0].killed);
    // The tenant's next request gets a fresh process.
    submit(pool, req('team-a'));
    await flush();
    assert.equal(procs.length, 2);
  });

  test('a client that goes away stops its render (process killed) or leaves the queue', async () => {
    const { pool, procs } = setup();
    const running = submit(pool, req('team-a'));
    await flush();
    procs[0].start();
    await flush();
    const queued = submit(pool, req('team-a', undefined, 'queued'));
    await flush();
    queued.ticket.cancel();
    await flush();
    assert.equal(queued.outcome?.kind, 'fallback');
    assert.equal(procs[0].killed, false, 'a queued request going away stops nothing');
    running.ticket.cancel();
    await flush();
    assert.ok(procs[0].killed);
    assert.equal(running.outcome?.kind, 'fallback');
    assert.equal(pool.stats().busy + pool.stats().idle, 0);
  });

  test('a process that dies mid-render answers fallback (the client renders itself)', async () => {
    const { pool, procs } = setup();
    const box = submit(pool, req('team-a'));
    await flush();
    procs[0].start();
    await flush();
    procs[0].exit();
    await flush();
    assert.deepEqual(box.outcome, { kind: 'fallback', why: 'renderer process exited' });
  });

  test('a full pool makes room by stopping the least recently used idle process of another tenant', async () => {
    const { pool, clock, procs } = setup({ size: 2, perTenant: 1 });
    for (const [i, t] of ['team-a', 'team-b'].entries()) {
      submit(pool, req(t));
      await flush();
      procs[i].start();
      await flush();
      procs[i].answer();
      await flush();
      await clock.advance(10);
    }
    submit(pool, req('team-c'));
    await flush();
    assert.equal(procs.length, 3);
    assert.ok(procs[0].killed, 'team-a was idle longest');
    assert.ok(!procs[1].killed);
  });

  test('a full pool of busy processes makes a new tenant wait, then fall back; nothing is killed for it', async () => {
    const { pool, clock, procs } = setup({ size: 2, perTenant: 1 });
    for (const [i, t] of ['team-a', 'team-b'].entries()) {
      submit(pool, req(t));
      await flush();
      procs[i].start();
      await flush();
    }
    const c = submit(pool, req('team-c'));
    await clock.advance(2000);
    assert.equal(c.outcome?.kind, 'fallback');
    assert.ok(!procs[0].killed && !procs[1].killed);
  });

  test('a process that cannot start answers its tenant`s queue at once instead of being started again and again', async () => {
    const { pool, procs } = setup();
    const box = submit(pool, req('team-a'));
    await flush();
    procs[0].failStart();
    await flush();
    assert.deepEqual(box.outcome, { kind: 'fallback', why: 'renderer process did not start' });
    assert.equal(procs.length, 1);
  });

  test('an idle process is stopped after idleMs; a retiring one after its answer', async () => {
    const { pool, clock, procs } = setup({ idleMs: 1000 });
    submit(pool, req('team-a'));
    await flush();
    procs[0].start();
    await flush();
    procs[0].retire = true;
    procs[0].answer();
    await flush();
    assert.ok(procs[0].killed, 'retired after its answer (memory bound)');
    submit(pool, req('team-a'));
    await flush();
    procs[1].start();
    await flush();
    procs[1].answer();
    await flush();
    await clock.advance(999);
    assert.ok(!procs[1].killed);
    await clock.advance(1);
    assert.ok(procs[1].killed);
  });

  test('close answers everything fallback and kills every process', async () => {
    const { pool, procs } = setup();
    const a = submit(pool, req('team-a'));
    const b = submit(pool, req('team-a'));
    await flush();
    procs[0].start();
    await flush();
    pool.close();
    await flush();
    assert.equal(a.outcome?.kind, 'fallback');
    assert.equal(b.outcome?.kind, 'fallback');
    assert.ok(procs[0].killed);
    const late = submit(pool, req('team-b'));
    await flush();
    assert.equal(late.outcome?.kind, 'fallback');
  });
});
