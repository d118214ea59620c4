import { fork } from 'node:child_process';
import type { RendererProcess } from './pool.js';
import type { WarmAnswer, WarmRequest } from './protocol.js';

// A renderer process of the warm renderer (pool.ts): `strata warm-renderer`, forked by the supervisor with an
// IPC channel, serving one tenant one request at a time through the same `main()` a one-shot process runs.
// Both ends live here so the message shapes have one home.

type ToChild = { t: 'run'; id: number; req: WarmRequest };
type ToParent =
  { t: 'ready' } | { t: 'answer'; id: number; code: number; stdout: Uint8Array; stderr: string; retire: boolean };

export interface ForkOptions {
  /** dist/strata.js: the process entry, run as `strata warm-renderer`. */
  script: string;
  /** V8 heap ceiling of the process (limits.heapMb): it must be given when Node starts. */
  heapMb: number;
  /** The environment of the process itself (each request brings its own). */
  env: Record<string, string>;
  cwd: string;
}

/** Supervisor side: fork a renderer process and talk to it. */
export function forkRenderer(o: ForkOptions): RendererProcess {
  const child = fork(o.script, ['warm-renderer'], {
    execArgv: [`--max-old-space-size=${o.heapMb}`],
    env: o.env,
    cwd: o.cwd,
    serialization: 'advanced', // stdout travels as bytes, not as JSON text
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  let nextId = 1;
  let retire = false;
  let exited = false;
  const pending = new Map<number, (a: WarmAnswer | 'gone') => void>();
  const exitCbs: (() => void)[] = [];
  let readyResolve!: () => void;
  let readyReject!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  child.on('message', (m: ToParent) => {
    if (m.t === 'ready') readyResolve();
    else if (m.t === 'answer') {
      retire = m.retire;
      const done = pending.get(m.id);
      pending.delete(m.id);
      done?.({
        code: m.code,
        stdout: Buffer.from(m.stdout.buffer, m.stdout.byteOffset, m.stdout.byteLength),
        stderr: m.stderr,
      });
    }
  });
  const gone = (): void => {
    if (exited) return;
    exited = true;
    readyReject(new Error('renderer process exited'));
    for (const done of pending.values()) done('gone');
    pending.clear();
    for (const cb of exitCbs) cb();
  };
  child.on('exit', gone);
  child.on('error', gone);
  return {
    ready,
    run(req) {
      if (exited) return Promise.resolve('gone');
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        child.send({ t: 'run', id, req } satisfies ToChild, (e) => {
          if (e) gone();
        });
      });
    },
    retiring: () => retire,
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
    onExit(cb) {
      if (exited) cb();
      else exitCbs.push(cb);
    },
  };
}

/**
 * Renderer side: answer the supervisor's requests with `handle`, one at a time, until the channel closes.
 * After an answer that leaves resident memory past `maxRssBytes`, ask to be retired and exit.
 */
export function serveRenderer(handle: (req: WarmRequest) => Promise<WarmAnswer>, maxRssBytes: number): Promise<void> {
  const send = (m: ToParent): Promise<void> =>
    new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));
  return new Promise((resolve) => {
    process.on('disconnect', () => resolve());
    process.on('message', (m: ToChild) => {
      if (m?.t !== 'run') return;
      void handle(m.req).then(async (a) => {
        const retire = process.memoryUsage().rss > maxRssBytes;
        await send({ t: 'answer', id: m.id, code: a.code, stdout: a.stdout, stderr: a.stderr, retire });
        if (retire) process.disconnect();
      });
    });
    void send({ t: 'ready' });
  });
}
