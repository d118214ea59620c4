import { join } from 'node:path';
import { startServer } from '../src/server/server.js';

// Bounded load check for `strata serve`: a cached render of plate-api/prod hammered over loopback with
// autocannon for at most 10 s. The server runs in this process (one event loop shared with the load
// generator), so the numbers are a floor for a real server. Call `serveLoad()` from the benchmark, or run:
//   node --import tsx bench/serve-load.ts [--duration 5] [--connections 10]

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
}) => Promise<AutocannonResult>;

export interface ServeLoadOptions {
  /** Seconds; capped at 10. */
  durationSec?: number;
  connections?: number;
  /** Served folder (default examples/plate). */
  root?: string;
  path?: string;
}

export interface ServeLoadResult {
  url: string;
  durationSec: number;
  connections: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  failures: number;
}

const MAX_SECONDS = 10;

export async function serveLoad(opts: ServeLoadOptions = {}): Promise<ServeLoadResult> {
  const autocannon = require('autocannon') as Autocannon;
  const durationSec = Math.min(Math.max(opts.durationSec ?? MAX_SECONDS, 1), MAX_SECONDS);
  const connections = opts.connections ?? 10;
  const server = await startServer({
    root: opts.root ?? join(__dirname, '..', 'examples', 'plate'),
    host: '127.0.0.1',
    port: 0,
  });
  try {
    const url = new URL(opts.path ?? '/api/apps/plate-api/render?env=prod', server.url).toString();
    // Warm the cache and make sure what we measure is the cached path.
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url);
      await res.text();
      if (!res.ok) throw new Error(`warm-up request failed: ${res.status}`);
      if (i === 1 && res.headers.get('x-strata-cache') !== 'hit')
        throw new Error('second request was not served from the cache');
    }
    const r = await autocannon({ url, connections, duration: durationSec });
    return {
      url,
      durationSec,
      connections,
      requestsPerSec: r.requests.average,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      total: r.requests.total,
      failures: r.errors + r.timeouts + r.non2xx,
    };
  } finally {
    await server.close();
  }
}

if (require.main === module) {
  const arg = (name: string): number | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  serveLoad({ durationSec: arg('--duration') ?? MAX_SECONDS, connections: arg('--connections') ?? 10 }).then(
    (r) => {
      process.stdout.write(
        `serve load (cached render, ${r.connections} connections, ${r.durationSec}s, loopback): ` +
          `${Math.round(r.requestsPerSec)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.total} requests, ${r.failures} failures\n`,
      );
      if (r.failures) process.exitCode = 1;
    },
    (e: unknown) => {
      process.stderr.write(`serve-load: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
