import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { limitHint, type Limits } from '../core/limits.js';
import { sendError } from './http-errors.js';
import type { RenderWorkerPool } from './render-worker-pool.js';

// The supervisor's proxy (supervisor.ts): each request goes to the render worker over its Unix socket, with a
// deadline of limits.renderMs plus a grace period, so the render's own deadline inside the templates (which names
// the template) normally answers first. Past the deadline the request gets a 504 and the worker is stopped and
// replaced (render-worker-pool.ts), which answers any other request it was serving with a 503.

export const DEADLINE_GRACE_MS = 2000;

/** The handler that forwards one request to the pool's worker at `socketPath`, under the deadline. */
export function renderProxy(
  pool: RenderWorkerPool,
  socketPath: string,
  limits: Limits,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const deadlineMs = limits.renderMs + DEADLINE_GRACE_MS;
  return async (req, res) => {
    const w = pool.take(res);
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
        `the request took longer than ${deadlineMs} ms (the render budget of ${limits.renderMs} ms plus ${DEADLINE_GRACE_MS} ms; ${limitHint('renderMs')}); it was stopped`,
      );
      pool.release(res);
      pool.kill(w, 'a request passed its deadline');
    }, deadlineMs);
    res.on('close', () => {
      clearTimeout(timer);
      pool.release(res);
    });
    const up = request({ socketPath, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      clearTimeout(timer);
      if (res.headersSent) return void ur.resume();
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => {
      // The socket usually closes just before the worker's own 'error'/'exit' arrives: give the pool the
      // chance to answer with the reason (e.g. the heap cap) first.
      setTimeout(() => {
        if (!res.headersSent) sendError(res, 502, 'unavailable', 'the render worker did not answer');
      }, 1000);
    });
    req.pipe(up);
  };
}
