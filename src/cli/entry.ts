import { isMainThread, workerData } from 'node:worker_threads';
import { codeNamespace, diskStore } from '../io/compile-store.js';
import type { Limits } from '../core/limits.js';
import type { CompiledStore } from '../core/templates.js';
import { main } from './main.js';

// The process entry: where the CLI meets `process`. Sets exitCode and lets Node exit on its own,
// so a large manifest stream drains fully into a slow pipe.
// Compiled templates embed the Handlebars runtime's calling convention and strata's rewrite (this bundle),
// so the bundle names the cache namespace. Schemas are never kept as code (docs/security.md).

/** 128+SIGPIPE, what a shell shows for `yes | head`. */
const CLOSED_STDOUT_EXIT_CODE = 141;

function runCli(): void {
  // A reader that stops early (`strata render ... | head`) closes the pipe: Node reports EPIPE as an 'error'
  // event, which unhandled becomes a stack trace. Stop quietly instead.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exitCode = CLOSED_STDOUT_EXIT_CODE;
    process.stdout.destroy();
  });
  process.stderr.on('error', () => {
    // nowhere left to report it
  });
  // SIGTERM: no handler on purpose. A render is synchronous, so a JS handler could run only after it; the
  // default action ends the process at once, with nothing on stdout (main writes stdout once, after the
  // command returned) and a signal exit status Argo CD reports as "signal: terminated". docs/security.md.
  // Lazy: process.stdin is created only by a command that reads it (`diff --against-manifests -`), never by a render.
  const stdin: AsyncIterable<Buffer | string> = { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() };
  const openStore = (limits: Limits): CompiledStore | undefined =>
    diskStore(process.env, codeNamespace([__filename]), limits.cacheBytes);
  main({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin,
    openStore,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`strata: internal error: ${String(e)}\n`);
      process.exitCode = 3;
    },
  );
}

// The same bundle is the module of `strata serve`'s render worker (src/server/supervisor.ts).
if (!isMainThread && (workerData as { strataRenderWorker?: unknown } | undefined)?.strataRenderWorker)
  void import('../server/render-worker.js');
else runCli();
