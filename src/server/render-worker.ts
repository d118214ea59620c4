import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../core/errors.js';
import type { Limits } from '../core/limits.js';
import type { Level } from '../io/logger.js';
import { createServer } from './server.js';

// The worker side of `strata serve` (supervisor.ts): the whole express app (API, page, metrics) runs here,
// listening on a Unix socket in a private folder, so a render that takes seconds blocks this thread only.
// The main thread answers /healthz itself and can terminate this thread mid-render.

export interface RenderWorkerData {
  root: string;
  host: string;
  socketPath: string;
  limits: Limits;
  logLevel: Level;
}

export type RenderWorkerMessage = { ready: true; repoRoot: string; rootDir: string } | { ready: false; error: string };

export function runRenderWorker(data: RenderWorkerData): void {
  const port = parentPort!;
  let s;
  try {
    s = createServer({
      root: data.root,
      host: data.host,
      limits: data.limits,
      logLevel: data.logLevel,
      logStream: process.stderr,
    });
  } catch (e) {
    port.postMessage({ ready: false, error: describeError(e) } satisfies RenderWorkerMessage);
    return;
  }
  const http = s.app.listen(data.socketPath);
  http.once('error', (e) => port.postMessage({ ready: false, error: describeError(e) } satisfies RenderWorkerMessage));
  http.once('listening', () =>
    port.postMessage({
      ready: true,
      repoRoot: s.workspace.repoRoot,
      rootDir: s.workspace.rootDir,
    } satisfies RenderWorkerMessage),
  );
}

const data = isMainThread
  ? undefined
  : (workerData as { strataRenderWorker?: RenderWorkerData } | undefined)?.strataRenderWorker;
if (data) runRenderWorker(data);
