import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { ErrorKind } from './http-errors.js';

// Prometheus metrics on a private registry: two servers in one process (tests) never share counters.

export type Operation = 'render' | 'values' | 'lint' | 'diff';

export interface ServerMetrics {
  registry: Registry;
  /** Time one operation (cache check included) and count it with its cache outcome. */
  observe<T>(op: Operation, run: () => { value: T; hit: boolean }): { value: T; hit: boolean };
  error(kind: ErrorKind): void;
}

export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'strata_serve_' });
  const renders = new Counter({
    name: 'strata_serve_renders_total',
    help: 'Operations served, by operation and whether the content-keyed cache answered',
    labelNames: ['operation', 'cache'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'strata_serve_render_duration_seconds',
    help: 'Time to answer an operation (cache check included), by operation and cache outcome',
    labelNames: ['operation', 'cache'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'strata_serve_errors_total',
    help: 'Failed requests by kind: user (422), not_found, bad_request, internal',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  for (const kind of ['user', 'not_found', 'bad_request', 'internal'] as const) errors.inc({ kind }, 0);

  return {
    registry,
    observe(op, run) {
      const start = process.hrtime.bigint();
      const out = run();
      const cache = out.hit ? 'hit' : 'miss';
      renders.inc({ operation: op, cache });
      duration.observe({ operation: op, cache }, Number(process.hrtime.bigint() - start) / 1e9);
      return out;
    },
    error(kind) {
      errors.inc({ kind });
    },
  };
}
