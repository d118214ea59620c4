import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { createCaches } from '../core/render.js';
import type { Limits } from '../core/limits.js';
import type { Level } from '../io/logger.js';
import { ResultCache } from './cache.js';
import { bindAddress, guardsHostHeader, hostHeaderAllowed } from './host-guard.js';
import { errorBody, FOREIGN_HOST_MESSAGE, mapError } from './http-errors.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { apiRouter } from './routes.js';
import { Workspace } from './workspace.js';

// `strata serve`: the JSON API, health and metrics endpoints and the static web page, over one read-only
// tree. The server never writes: every read goes through the workspace's confined file system.

export interface ServerOptions {
  /** The folder whose apps are served; reads are confined to its repository root. */
  root: string;
  /** The address the server will be bound to: when it is loopback, only loopback Host headers are served. */
  host?: string;
  /** Request logs (pino JSON lines); none when absent. */
  logStream?: Writable;
  logLevel?: Level;
  /** Bounds on each render and file read (core/limits.ts); defaults when absent. */
  limits?: Limits;
}

export interface StrataServer {
  app: Express;
  workspace: Workspace;
  cache: ResultCache;
  metrics: ServerMetrics;
}

export function createServer(opts: ServerOptions): StrataServer {
  const cache = new ResultCache();
  const workspace = new Workspace(opts.root, opts.limits?.fileBytes);
  workspace.discover(); // fail at start-up, not on the first request, when ROOT is unreadable
  const metrics = createMetrics();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const logger = pino(
    { level: opts.logLevel ?? 'info', base: { name: 'strata-serve' } },
    opts.logStream ?? { write() {} },
  );
  for (const [path, reason] of workspace.skipped) logger.warn({ path }, `skipped ${path}: ${reason}`);
  app.use(
    pinoHttp({
      logger,
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      // Method, URL and status are enough; headers may carry cookies of other local apps.
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );

  // The DNS-rebinding guard (host-guard.ts). The port is the socket's own; none behind the supervisor's Unix socket,
  // where the supervisor has checked it.
  const guarded = guardsHostHeader(opts.host ?? '127.0.0.1');
  app.use((req, res, next) => {
    if (guarded && !hostHeaderAllowed(req.headers.host ?? '', req.socket.localPort)) {
      res.status(403).json(errorBody('bad_request', FOREIGN_HOST_MESSAGE));
      return;
    }
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    try {
      const apps = workspace.discover().length;
      res.json({ status: 'ready', apps });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.use('/api', (_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    next();
  });
  app.use(
    '/api',
    apiRouter({ workspace, cache, caches: createCaches(), metrics, ...(opts.limits ? { limits: opts.limits } : {}) }),
  );
  app.use(express.static(publicDir(), { index: 'index.html', dotfiles: 'ignore', redirect: false }));

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, kind, body } = mapError(err);
    metrics.error(kind);
    if (kind === 'internal') req.log.error({ err }, 'internal error');
    res.status(status).json(body);
  });
  app.use((req, res) => {
    metrics.error('not_found');
    res.status(404).json(errorBody('not_found', `nothing at ${req.path}`));
  });
  return { app, workspace, cache, metrics };
}

export interface RunningServer extends StrataServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Create and listen (port 0 picks a free one); resolves once the socket is bound. */
export async function startServer(opts: ServerOptions & { port?: number }): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  // Bind the resolved address, so the guard is decided on exactly the address the socket gets.
  const address = await bindAddress(host);
  const s = createServer({ ...opts, host: address });
  return new Promise((resolve, reject) => {
    const http = s.app.listen(opts.port ?? 7420, address);
    http.once('error', reject);
    http.once('listening', () => {
      const port = (http.address() as AddressInfo).port;
      const close = (): Promise<void> =>
        new Promise((done) => {
          http.close(() => done());
          http.closeAllConnections();
        });
      resolve({ ...s, port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`, close });
    });
  });
}

/** The page's files: next to the bundle (dist/public) or, from sources and tests, src/server/public. */
function publicDir(): string {
  const candidates = [join(__dirname, 'public'), join(__dirname, '..', 'src', 'server', 'public')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0];
}
