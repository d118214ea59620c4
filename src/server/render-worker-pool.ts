import { rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { UserError } from '../core/errors.js';
import { limitHint } from '../core/limits.js';
import { sendError } from './http-errors.js';
import type { RenderWorkerData, RenderWorkerMessage } from './render-worker.js';

// The render worker of `strata serve` (supervisor.ts) and its replacement: one worker thread at a time, with the
// heap capped at limits.heapMb. When it dies (crash, heap ceiling, or stopped at a request's deadline), every
// request it was serving gets a one-line 503 naming why, and a fresh worker takes its place on the same socket.

/**
 * The worker's code: the bundle itself (entry.ts starts the worker side when workerData says so), or, when
 * running from sources under tsx (tests), render-worker.ts through tsx's CommonJS hook.
 */
function workerScript(): { script: string; eval: boolean } {
  if (!__filename.endsWith('.ts')) return { script: __filename, eval: false };
  const file = JSON.stringify(join(__dirname, 'render-worker.ts'));
  return { script: `require('tsx/cjs/api').register(); require(${file});`, eval: true };
}

export class RenderWorker {
  readonly worker: Worker;
  readonly ready: Promise<RenderWorkerMessage & { ready: true }>;
  dead = false;

  constructor(data: RenderWorkerData, onDeath: (w: RenderWorker, reason: string) => void) {
    const { script, eval: isEval } = workerScript();
    this.worker = new Worker(script, {
      eval: isEval,
      workerData: { strataRenderWorker: data },
      resourceLimits: { maxOldGenerationSizeMb: data.limits.heapMb },
      stdout: false,
      stderr: false,
    });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', (m: RenderWorkerMessage) => (m.ready ? resolve(m) : reject(new UserError(m.error))));
      this.worker.once('error', (e) => reject(e));
    });
    this.ready.catch(() => {});
    const die = (reason: string): void => {
      if (this.dead) return;
      this.dead = true;
      onDeath(this, reason);
    };
    this.worker.on('error', (e: Error & { code?: string }) =>
      die(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `the render ran out of its ${data.limits.heapMb} MiB heap (${limitHint('heapMb')})`
          : 'the render worker failed',
      ),
    );
    this.worker.on('exit', () => die('the render worker stopped'));
  }

  stop(): void {
    this.dead = true;
    void this.worker.terminate();
  }
}

/** The current render worker, the requests each worker is serving, and the restart when one dies. */
export class RenderWorkerPool {
  private current: RenderWorker;
  private closing = false;
  private restartCount = 0;
  private readonly inFlight = new Map<ServerResponse, RenderWorker>();

  constructor(
    private readonly data: RenderWorkerData,
    /** Where the supervisor's own lines go (a death and its restart). */
    private readonly log: (msg: string) => void,
  ) {
    this.current = new RenderWorker(data, this.onDeath);
  }

  /** The first worker's start-up (it rejects if that worker cannot start: then the server does not start). */
  get ready(): Promise<RenderWorkerMessage & { ready: true }> {
    return this.current.ready;
  }

  /** The worker that serves `res`, answered with a 503 if that worker dies before `release(res)`. */
  take(res: ServerResponse): RenderWorker {
    const w = this.current;
    this.inFlight.set(res, w);
    return w;
  }

  release(res: ServerResponse): void {
    this.inFlight.delete(res);
  }

  /** Stops `w` (a request passed its deadline: terminating the thread stops even a busy loop) and replaces it. */
  kill(w: RenderWorker, reason: string): void {
    w.stop();
    this.onDeath(w, reason);
  }

  /** How many times the worker was replaced. */
  restarts(): number {
    return this.restartCount;
  }

  close(): void {
    this.closing = true;
    this.current.stop();
  }

  private readonly onDeath = (w: RenderWorker, reason: string): void => {
    for (const [res, owner] of this.inFlight)
      if (owner === w) sendError(res, 503, 'unavailable', `${reason}; try again`);
    if (this.current === w && !this.closing) {
      this.restartCount++;
      this.log(`${reason}; starting a new render worker`);
      rmSync(this.data.socketPath, { force: true });
      this.current = new RenderWorker(this.data, this.onDeath);
    }
  };
}
