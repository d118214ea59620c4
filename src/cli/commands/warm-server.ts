import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { UsageError } from '../../core/errors.js';
import { createCaches } from '../../core/render.js';
import type { CompiledStore } from '../../core/templates.js';
import { isPrivateDir } from '../../io/compile-store.js';
import { startWarmServer } from '../../warm/server.js';
import { defineCommand } from '../command.js';
import { WARM_SERVER } from '../declarations.js';

class Collect extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    cb();
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

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

export const command = defineCommand(WARM_SERVER, async (ctx, { options: o }) => {
  const socket = o.socket;
  if (socket === undefined || !socket.startsWith('/')) throw new UsageError('--socket PATH (absolute) is required');
  if (!isPrivateDir(dirname(socket))) throw new UsageError('--socket must be in a private folder: ours, not a symlink, mode 0700 (the cache folder)');
  const idle = Number(ctx.env.STRATA_WARM_IDLE_MS);
  const heapMb = Number(ctx.env.STRATA_MAX_HEAP_MB) > 0 ? Number(ctx.env.STRATA_MAX_HEAP_MB) : 1024;
  const store = memoryStore(ctx.store);
  // Parsed files and built template sets stay between requests, checked against each request's bytes (every
  // request is a new checkout, so nothing is trusted by path): a steady-state request skips re-evaluating
  // compiled code and re-parsing unchanged layers. They grow with the apps served; the RSS bound below ends
  // the server (the next client starts a fresh one) before they can grow without limit.
  const caches = createCaches({ store });
  const { main } = await import('../main.js');
  const server = await startWarmServer({
    socket,
    idleMs: Number.isInteger(idle) && idle > 0 ? idle : 15 * 60_000,
    maxRssBytes: heapMb * 0.75 * 1024 * 1024,
    handle: async (req) => {
      const out = new Collect();
      const err = new Collect();
      const code = await main({ argv: req.argv, env: req.env, cwd: req.cwd, stdout: out, stderr: err, store, caches, embedded: true });
      return { code, stdout: out.bytes(), stderr: err.bytes().toString('utf8') };
    },
  });
  if (!server) return 0; // another server is already answering
  await new Promise<void>((resolve) => server.on('close', resolve));
  return 0;
});
