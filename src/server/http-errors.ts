import type { ServerResponse } from 'node:http';
import { describeError, FindingsError, UserError } from '../core/errors.js';
import type { Finding } from '../core/types.js';

// The one place where errors become HTTP statuses and bodies: a user error (bad values, failed policy) is a 422
// with the file:line message the CLI prints; an unknown app or environment is a 404; a malformed request a 400;
// anything else a 500 that says nothing about internals (the details go to the log). The supervisor's own
// answers (supervisor.ts: the worker is gone or late) use the same body with kinds `unavailable` and `timeout`.

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
}

export type ErrorKind = 'user' | 'not_found' | 'bad_request' | 'internal' | 'unavailable' | 'timeout';

/** What a Host header naming something other than this machine gets (host-guard.ts), from either thread. */
export const FOREIGN_HOST_MESSAGE = 'this server answers only to localhost';

export interface ErrorBody {
  error: { kind: ErrorKind; message: string; findings?: Finding[] };
}

export function mapError(err: unknown): { status: number; kind: ErrorKind; body: ErrorBody } {
  if (err instanceof NotFoundError) return reply(404, 'not_found', err.message);
  if (err instanceof BadRequestError) return reply(400, 'bad_request', err.message);
  if (err instanceof UserError) {
    const out = reply(422, 'user', describeError(err));
    if (err instanceof FindingsError) out.body.error.findings = err.findings;
    return out;
  }
  // express's own errors (a malformed URL, a body parser) carry a 4xx status and a safe message.
  const status = (err as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return reply(status, 'bad_request', (err as Error).message);
  return reply(500, 'internal', 'internal error (see the server log)');
}

function reply(status: number, kind: ErrorKind, message: string): { status: number; kind: ErrorKind; body: ErrorBody } {
  return { status, kind, body: errorBody(kind, message) };
}

export function errorBody(kind: ErrorKind, message: string): ErrorBody {
  return { error: { kind, message } };
}

/**
 * A JSON answer on a bare node:http response (the supervisor has no express). A response whose headers are
 * already out (the worker's answer was under way) is cut off instead: the client sees a broken reply, not a
 * second one spliced into the first.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, status: number, kind: ErrorKind, message: string): void {
  sendJson(res, status, errorBody(kind, message));
}
