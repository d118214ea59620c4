import { limitHint } from '../core/limits.js';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import { encodeAnswer, parseRequest, type WarmAnswer, type WarmRequest } from './protocol.js';
import type { Outcome, Ticket } from './pool.js';

// The warm renderer's front (docs/performance.md, "Warm renderer"): a long-lived process in the sidecar that
// answers `strata generate` requests from src/cli/warm-client.cjs over a unix socket in the private cache
// folder. It renders nothing itself: each request becomes a ticket of the renderer pool (pool.ts), which runs
// it in a process of the request's tenant; the answer is byte-for-byte what the client would have printed
// itself. Only `generate` is served; anything else is answered `fallback`. A client that goes away cancels its
// ticket (its render is stopped). The front exits when idle or on SIGTERM; a client that finds no front
// renders in-process and starts a new one.

export type { WarmAnswer, WarmRequest } from './protocol.js';
export { encodeAnswer, parseRequest } from './protocol.js';

export interface WarmServerOptions {
  socket: string;
  submit(req: WarmRequest): Ticket;
  /** Exit after this long without a request. */
  idleMs: number;
  /** Largest request accepted (argv + environment, which carries ARGOCD_APP_PARAMETERS). */
  maxRequestBytes?: number;
  /** Called once when the front stops taking requests (idle, SIGTERM), before the socket closes. */
  onStop?(why: string): void;
  log?(message: string): void;
}

/** The answer a client gets for an outcome: a render past its deadline is an error in the CLI's words. */
export function answerFor(o: Outcome): WarmAnswer | 'fallback' {
  if (o.kind === 'answer') return o.answer;
  if (o.kind === 'fallback') return 'fallback';
  return {
    code: 1,
    stdout: Buffer.alloc(0),
    stderr: `strata: error: the render was stopped after ${o.ms} ms: longer than the render budget allows (${limitHint('renderMs')})\n`,
  };
}

export interface WarmServer {
  server: Server;
  /** Stop taking requests and remove the socket (idle, SIGTERM). */
  stop(why: string): void;
}

export function startWarmServer(opts: WarmServerOptions): Promise<WarmServer | undefined> {
  const maxRequest = opts.maxRequestBytes ?? 16 * 1024 * 1024;
  let idle: NodeJS.Timeout | undefined;
  let closing = false;
  let inFlight = 0;
  const server = createServer({ allowHalfOpen: true }, (conn: Socket) => {
    resetIdle();
    const chunks: Buffer[] = [];
    let size = 0;
    let ticket: Ticket | undefined;
    let answered = false;
    conn.on('error', () => conn.destroy());
    // The request is one line, and the client keeps its end open while it waits: the end of its stream before
    // the answer means its process is gone (Argo CD's timeout killed it), so nobody reads this render: stop it.
    const gone = (): void => {
      if (!answered) ticket?.cancel();
    };
    conn.on('end', gone);
    conn.on('close', gone);
    conn.on('data', (c: Buffer) => {
      if (ticket || answered) return;
      size += c.length;
      if (size > maxRequest) return void conn.destroy();
      chunks.push(c);
      const nl = c.indexOf(10);
      if (nl >= 0) take(Buffer.concat(chunks).subarray(0, size - c.length + nl));
    });
    const take = (line: Buffer): void => {
      const req = parseRequest(line.toString('utf8'));
      if (!req || closing) {
        answered = true;
        conn.end(encodeAnswer('fallback'));
        return;
      }
      inFlight++;
      ticket = opts.submit(req);
      void ticket.outcome.then((o) => {
        inFlight--;
        answered = true;
        if (!conn.destroyed) conn.end(encodeAnswer(answerFor(o)));
        resetIdle();
      });
    };
  });

  function resetIdle(): void {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => (inFlight > 0 ? resetIdle() : stop('idle')), opts.idleMs);
    idle.unref();
  }

  function stop(why: string): void {
    if (closing) return;
    closing = true;
    opts.log?.(`warm renderer stopping: ${why}`);
    if (idle) clearTimeout(idle);
    opts.onStop?.(why);
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
        // Another front, or a stale socket file left by one that was killed: keep a live one.
        const probe = createConnection(opts.socket);
        probe.on('connect', () => {
          probe.destroy();
          resolve(undefined);
        });
        probe.on('error', () => {
          try {
            unlinkSync(opts.socket);
          } catch {
            // raced with another front
          }
          listen(false);
        });
      });
      const old = process.umask(0o077); // the socket file is ours alone
      server.listen(opts.socket, () => {
        process.umask(old);
        resetIdle();
        resolve({ server, stop });
      });
    };
    listen(true);
  });
}
