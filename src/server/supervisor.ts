import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Limits } from '../core/limits.js';
import { createLogger, type Level } from '../io/logger.js';
import { FOREIGN_HOST_MESSAGE, sendError, sendJson } from './http-errors.js';
import type { RenderWorkerData } from './render-worker.js';
import { bindAddress, guardsHostHeader, hostHeaderAllowed } from './host-guard.js';
import { renderProxy } from './render-proxy.js';
import { RenderWorkerPool } from './render-worker-pool.js';

// `strata serve` off the event loop (docs/security.md §6). Renders are synchronous and may take seconds, so the
// express app runs in a worker thread (render-worker.ts) and this thread only proxies to it over a Unix
// socket in a private folder. This thread answers /healthz itself, so liveness holds while a render runs,
// and gives every proxied request a deadline: limits.renderMs plus a grace period, so the render's own
// deadline inside the templates (which names the template) normally answers first. Past the deadline the
// worker is terminated (that stops even a busy loop), the request gets a 504, any other request in flight
// a 503, and a fresh worker starts. The worker's heap is capped at limits.heapMb: a runaway render ends in
// a one-line 503, not in an OOM kill of the process. The worker and its replacement are render-worker-pool.ts,
// the proxy and its deadline render-proxy.ts; this file binds the address and answers /healthz.

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
  const logger = opts.logStream ? createLogger(data.logLevel, opts.logStream, 'strata-serve') : undefined;
  const log = (msg: string): void => logger?.warn({}, msg);

  const pool = new RenderWorkerPool(data, log);
  const first = await pool.ready.catch((e: unknown) => {
    pool.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  const proxy = renderProxy(pool, socketPath, opts.limits);

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
    restarts: () => pool.restarts(),
    close: () =>
      new Promise<void>((done) => {
        pool.close();
        http.close(() => {
          rmSync(dir, { recursive: true, force: true });
          done();
        });
        http.closeAllConnections();
      }),
  };
}
