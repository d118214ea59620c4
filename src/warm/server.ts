import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';

// The warm renderer's server (docs/performance.md, "Warm renderer"): a long-lived strata process in the
// sidecar that answers `strata generate` requests from src/cli/warm-client.cjs over a unix socket in the
// private cache folder. It runs requests one at a time through the same `main()` a one-shot process runs,
// with the request's argv, working directory and environment, so its answer is byte-for-byte what the
// client would have printed itself. Only `generate` is served; anything else is answered `fallback`.
// It exits when idle, when its memory grows past a bound, or on SIGTERM; a client that finds no server
// renders in-process and starts a new one.

export interface WarmRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface WarmAnswer {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface WarmServerOptions {
  socket: string;
  handle(req: WarmRequest): Promise<WarmAnswer>;
  /** Exit after this long without a request. */
  idleMs: number;
  /** Stop serving once resident memory passes this many bytes (a leak can never grow without bound). */
  maxRssBytes: number;
  /** Largest request accepted (argv + environment, which carries ARGOCD_APP_PARAMETERS). */
  maxRequestBytes?: number;
  log?(message: string): void;
}

/** Parse and check a request: only `generate` with no arguments, an absolute cwd and string env values. */
export function parseRequest(text: string): WarmRequest | undefined {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof r !== 'object' || r === null) return undefined;
  const { v, argv, cwd, env } = r as Record<string, unknown>;
  if (v !== 1 || !Array.isArray(argv) || argv.length !== 1 || argv[0] !== 'generate') return undefined;
  if (typeof cwd !== 'string' || !cwd.startsWith('/')) return undefined;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return undefined;
  const clean: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, val] of Object.entries(env)) {
    if (typeof val !== 'string') return undefined;
    clean[k] = val;
  }
  return { argv: ['generate'], cwd, env: { ...clean } };
}

export function encodeAnswer(a: WarmAnswer | 'fallback'): Buffer {
  if (a === 'fallback') return Buffer.from(JSON.stringify({ v: 1, fallback: true }) + '\n');
  return Buffer.concat([Buffer.from(JSON.stringify({ v: 1, code: a.code, stderr: a.stderr }) + '\n'), a.stdout]);
}

export function startWarmServer(opts: WarmServerOptions): Promise<Server | undefined> {
  const maxRequest = opts.maxRequestBytes ?? 16 * 1024 * 1024;
  let queue: Promise<unknown> = Promise.resolve();
  let idle: NodeJS.Timeout | undefined;
  let closing = false;
  const server = createServer({ allowHalfOpen: true }, (conn: Socket) => {
    resetIdle();
    const chunks: Buffer[] = [];
    let size = 0;
    conn.on('error', () => conn.destroy());
    conn.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxRequest) conn.destroy();
      else chunks.push(c);
    });
    conn.on('end', () => {
      const req = parseRequest(Buffer.concat(chunks).toString('utf8'));
      if (!req || closing) {
        conn.end(encodeAnswer('fallback'));
        return;
      }
      queue = queue.then(async () => {
        let answer: WarmAnswer | 'fallback';
        try {
          answer = await opts.handle(req);
        } catch {
          answer = 'fallback';
        }
        if (!conn.destroyed) conn.end(encodeAnswer(answer));
        resetIdle();
        if (process.memoryUsage().rss > opts.maxRssBytes) stop('memory bound reached');
      });
    });
  });

  function resetIdle(): void {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => stop('idle'), opts.idleMs);
    idle.unref();
  }

  function stop(why: string): void {
    if (closing) return;
    closing = true;
    opts.log?.(`warm renderer stopping: ${why}`);
    if (idle) clearTimeout(idle);
    server.close();
    try {
      unlinkSync(opts.socket);
    } catch {
      // already gone
    }
  }

  return new Promise((resolve) => {
    const listen = (retry: boolean): void => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EADDRINUSE' || !retry) return resolve(undefined);
        // Another server, or a stale socket file left by one that was killed: keep a live one.
        const probe = createConnection(opts.socket);
        probe.on('connect', () => {
          probe.destroy();
          resolve(undefined);
        });
        probe.on('error', () => {
          try {
            unlinkSync(opts.socket);
          } catch {
            // raced with another server
          }
          listen(false);
        });
      });
      const old = process.umask(0o077); // the socket file is ours alone
      server.listen(opts.socket, () => {
        process.umask(old);
        resetIdle();
        resolve(server);
      });
    };
    listen(true);
  });
}
