import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_RENDER_LIMITS, resolveLimits } from '../../core/limits.js';
import { UsageError } from '../../core/errors.js';
import { isPrivateDir } from '../../io/compile-store.js';
import { RendererPool, tenantOf } from '../../warm/pool.js';
import { forkRenderer } from '../../warm/renderer-process.js';
import { startWarmServer } from '../../warm/server.js';
import { defineCommand } from '../command.js';
import { WARM_SERVER } from '../declarations.js';

// The warm renderer's supervisor (docs/performance.md, "Warm renderer"): the socket front plus a pool of
// renderer processes, one tenant each. Operator settings come from the sidecar's environment (this process's
// own, which the client that started it passed on); each request's budget from the request's environment.

/** Grace after the render budget before a renderer process is killed (the render's own check fires first). */
export const DEADLINE_GRACE_MS = 2_000;
/** How long a request may wait for a renderer process of its tenant before it renders in its own process. */
const DEFAULT_QUEUE_MS = 2_000;

function positive(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Renderer processes at most: one per core (at least two, so one slow tenant never holds the only one). */
export function poolSize(env: Readonly<Record<string, string | undefined>>): number {
  return positive(env.STRATA_WARM_PROCESSES, Math.max(2, availableParallelism()));
}

export const command = defineCommand(WARM_SERVER, async (ctx, { options: o }) => {
  const socket = o.socket;
  if (socket === undefined || !socket.startsWith('/')) throw new UsageError('--socket PATH (absolute) is required');
  if (!isPrivateDir(dirname(socket)))
    throw new UsageError('--socket must be in a private folder: ours, not a symlink, mode 0700 (the cache folder)');
  const env = ctx.env;
  const heapMb = (ctx.limits ?? DEFAULT_RENDER_LIMITS).heapMb; // resolved once by main, as for every command
  const idleMs = positive(env.STRATA_WARM_IDLE_MS, 15 * 60_000);
  const size = poolSize(env);
  // A renderer process gets only what it needs of the supervisor's environment: requests bring their own.
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'STRATA_CACHE_DIR', 'STRATA_MAX_HEAP_MB', 'STRATA_MAX_CACHE_BYTES'];
  const childEnv: Record<string, string> = {};
  for (const k of keep) if (env[k] !== undefined) childEnv[k] = env[k];
  const pool = new RendererPool({
    size,
    perTenant: Math.max(1, size - 1),
    queueMs: positive(env.STRATA_WARM_QUEUE_MS, DEFAULT_QUEUE_MS),
    idleMs,
    deadlineMs: (req) => {
      let renderMs: number;
      try {
        renderMs = resolveLimits(req.env).renderMs;
      } catch {
        renderMs = DEFAULT_RENDER_LIMITS.renderMs; // the renderer reports the bad value itself, at once
      }
      return renderMs + DEADLINE_GRACE_MS;
    },
    spawn: () => forkRenderer({ script: join(__dirname, 'strata.js'), heapMb, env: childEnv, cwd: dirname(socket) }),
  });
  const front = await startWarmServer({
    socket,
    idleMs,
    submit: (req) => pool.submit(req, tenantOf(req.env)),
    onStop: () => pool.close(),
  });
  if (!front) return 0; // another supervisor is already answering
  // SIGTERM (the pod is stopping): stop at once; renders in flight are answered `fallback` and their processes
  // killed. Nothing here writes stdout, so ending the process cannot cut an answer.
  process.once('SIGTERM', () => {
    front.stop('SIGTERM');
    setTimeout(() => process.exit(0), 500).unref();
  });
  await new Promise<void>((resolve) => front.server.on('close', resolve));
  return 0;
});
