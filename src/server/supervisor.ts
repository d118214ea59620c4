import { limitHint } from '../core/limits.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { UserError } from '../core/errors.js';
import type { Limits } from '../core/limits.js';
import { createLogger, type Level } from '../io/logger.js';
import { FOREIGN_HOST_MESSAGE, sendError, sendJson } from './http-errors.js';
import type { RenderWorkerData, RenderWorkerMessage } from './render-worker.js';
import { bindAddress, guardsHostHeader, hostHeaderAllowed } from './host-guard.js';

// `strata serve` off the event loop (docs/security.md §6). Renders are synchronous and may take seconds, so the
// express app runs in a worker thread (render-worker.ts) and this thread only proxies to it over a Unix
// socket in a private folder. This thread answers /healthz itself, so liveness holds while a render runs,
// and gives every proxied request a deadline: limits.renderMs plus a grace period, so the render's own
// deadline inside the templates (which names the template) normally answers first. Past the deadline the
// worker is terminated (that stops even a busy loop), the request gets a 504, any other request in flight
// a 503, and a fresh worker starts. The worker's heap is capped at limits.heapMb: a runaway render ends in
// a one-line 503, not in an OOM kill of the process.

export const DEADLINE_GRACE_MS = 2000;

export interface SupervisedOptions {
  root: string;
  host?: string;
  port?: number;
  limits: Limits;
  logLevel?: Level;
  /** Where the supervisor's own lines go (timeouts, restarts); request logs come from the worker on stderr. */
  logStream?: Writable;
}

export interface SupervisedServer {
  url: string;
  port: number;
  repoRoot: string;
  rootDir: string;
  /** How many times the render worker was replaced (deadline, crash, heap ceiling). */
  restarts(): number;
  close(): Promise<void>;
}

/**
 * The worker's code: the bundle itself (entry.ts starts the worker side when workerData says so), or, when
 * running from sources under tsx (tests), render-worker.ts through tsx's CommonJS hook.
 */
function workerScript(): { script: string; eval: boolean } {
  if (!__filename.endsWith('.ts')) return { script: __filename, eval: false };
  const file = JSON.stringify(join(__dirname, 'render-worker.ts'));
  return { script: `require('tsx/cjs/api').register(); require(${file});`, eval: true };
}

class RenderWorker {
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

export async function startSupervisedServer(opts: SupervisedOptions): Promise<SupervisedServer> {
  const host = opts.host ?? '127.0.0.1';
  // The Host-header guard (host-guard.ts) is decided on the address actually bound, here and in the worker.
  const address = await bindAddress(host);
  const guarded = guardsHostHeader(address);
  let port = 0;
  const dir = mkdtempSync(join(tmpdir(), 'strata-serve-')); // 0700: the socket is ours alone
  const socketPath = join(dir, 'render.sock');
  const data: RenderWorkerData = {
    root: opts.root,
    host: address,
    socketPath,
    limits: opts.limits,
    logLevel: opts.logLevel ?? 'info',
  };
  const deadlineMs = opts.limits.renderMs + DEADLINE_GRACE_MS;
  const logger = opts.logStream ? createLogger(data.logLevel, opts.logStream, 'strata-serve') : undefined;
  const log = (msg: string): void => logger?.warn({}, msg);

  let restarts = 0;
  const inFlight = new Map<ServerResponse, RenderWorker>();
  const onDeath = (w: RenderWorker, reason: string): void => {
    for (const [res, owner] of inFlight) if (owner === w) sendError(res, 503, 'unavailable', `${reason}; try again`);
    if (current === w && !closing) {
      restarts++;
      log(`${reason}; starting a new render worker`);
      rmSync(socketPath, { force: true });
      current = new RenderWorker(data, onDeath);
    }
  };
  let closing = false;
  let current = new RenderWorker(data, onDeath);
  const first = await current.ready.catch((e: unknown) => {
    current.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });

  const proxy = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const w = current;
    inFlight.set(res, w);
    try {
      await w.ready; // a worker's start-up is not part of a request's budget
    } catch {
      sendError(res, 503, 'unavailable', 'the render worker could not start');
      return;
    }
    if (res.writableEnded || res.destroyed) return;
    const timer = setTimeout(() => {
      sendError(
        res,
        504,
        'timeout',
        `the request took longer than ${deadlineMs} ms (the render budget of ${opts.limits.renderMs} ms plus ${DEADLINE_GRACE_MS} ms; ${limitHint('renderMs')}); it was stopped`,
      );
      inFlight.delete(res);
      w.stop();
      onDeath(w, 'a request passed its deadline');
    }, deadlineMs);
    res.on('close', () => {
      clearTimeout(timer);
      inFlight.delete(res);
    });
    const up = request({ socketPath, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      clearTimeout(timer);
      if (res.headersSent) return void ur.resume();
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => {
      // The socket usually closes just before the worker's own 'error'/'exit' arrives: give onDeath the
      // chance to answer with the reason (e.g. the heap cap) first.
      setTimeout(() => {
        if (!res.headersSent) sendError(res, 502, 'unavailable', 'the render worker did not answer');
      }, 1000);
    });
    req.pipe(up);
  };

  const http = createHttpServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/healthz' || req.url?.startsWith('/healthz?'))) {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    // The worker checks the host name too, but only this thread knows the port the request came to.
    if (guarded && !hostHeaderAllowed(req.headers.host ?? '', port)) {
      sendError(res, 403, 'bad_request', FOREIGN_HOST_MESSAGE);
      return;
    }
    void proxy(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 7420, address, () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    repoRoot: first.repoRoot,
    rootDir: first.rootDir,
    restarts: () => restarts,
    close: () =>
      new Promise<void>((done) => {
        closing = true;
        current.stop();
        http.close(() => {
          rmSync(dir, { recursive: true, force: true });
          done();
        });
        http.closeAllConnections();
      }),
  };
}
