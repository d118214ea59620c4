import { UsageError } from '../../core/errors.js';
import { createCaches } from '../../core/render.js';
import type { CompiledStore } from '../../core/templates.js';
import { serveRenderer } from '../../warm/renderer-process.js';
import { ByteSink } from '../byte-sink.js';
import { defineCommand } from '../command.js';
import { WARM_RENDERER } from '../declarations.js';

// One renderer process of the warm renderer (src/warm/pool.ts): forked by the supervisor for one tenant, it
// runs that tenant's `generate` requests one at a time through the same `main()` a one-shot process runs.

/** Compiled code stays in memory between requests (bounded), in front of the disk store. */
function memoryStore(disk: CompiledStore | undefined, max = 2000): CompiledStore {
  const mem = new Map<string, string>();
  return {
    get(key) {
      const hit = mem.get(key);
      if (hit !== undefined) return hit;
      const v = disk?.get(key);
      if (v !== undefined) remember(key, v);
      return v;
    },
    set(key, value) {
      remember(key, value);
      disk?.set(key, value);
    },
  };
  function remember(key: string, value: string): void {
    if (mem.size >= max) mem.delete(mem.keys().next().value as string);
    mem.set(key, value);
  }
}

export const command = defineCommand(WARM_RENDERER, async (ctx) => {
  if (typeof process.send !== 'function')
    throw new UsageError('warm-renderer is started by the warm renderer itself, with an IPC channel');
  const store = memoryStore(ctx.store);
  // Parsed files and built template sets stay between this tenant's requests, checked against each request's
  // bytes (every request is a new checkout, so nothing is trusted by path). They grow with the apps served;
  // the memory bound retires the process (the supervisor starts a fresh one) before they grow without limit.
  const caches = createCaches({ store });
  const main = ctx.main;
  if (!main) throw new UsageError('warm-renderer runs requests through main, which starts it');
  await serveRenderer(
    async (req) => {
      const out = new ByteSink();
      const err = new ByteSink();
      const code = await main({
        argv: req.argv,
        env: req.env,
        cwd: req.cwd,
        stdout: out,
        stderr: err,
        store,
        caches,
        embedded: true,
      });
      return { code, stdout: out.bytes(), stderr: err.bytes().toString('utf8') };
    },
    (ctx.limits?.heapMb ?? 1024) * 0.75 * 1024 * 1024,
  );
  return 0;
});
