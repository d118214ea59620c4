import assert from 'node:assert/strict';

// "Runs in linear time", checked without a wall-clock bound (which fails on a loaded machine and passes a
// quadratic algorithm on a fast one): the same work on FACTOR times the input must take well under FACTOR²
// times as long. Each size is timed at its best of five runs, after a warm-up run of both sizes (the larger
// one meets code paths and table sizes the smaller does not), so a scheduling hiccup, a JIT tier-up or a garbage
// collection on a busy machine does not decide; times under FLOOR_MS count as FLOOR_MS, so a run too quick to time
// cannot make a ratio out of noise (a quadratic run at the large size takes seconds, far above the floor).
// Time is the process's CPU time, not the wall clock: on a machine busy with other work (CI runs two suites at
// once on two cores) a descheduled run costs wall time but no CPU time, and one slow sample decided a ratio.

export const FACTOR = 8;
const FLOOR_MS = 1;

/** CPU milliseconds (user + system) of this process since `from`. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

function best(run: () => void): number {
  let ms = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = process.cpuUsage();
    run();
    ms = Math.min(ms, cpuMs(t));
  }
  return Math.max(ms, FLOOR_MS);
}

/** How many times longer `run(size * FACTOR)` takes than `run(size)`: ~FACTOR when linear, ~FACTOR² when quadratic. */
export function growth(run: (size: number) => void, size: number): number {
  run(size);
  run(size * FACTOR);
  const small = best(() => run(size));
  return best(() => run(size * FACTOR)) / small;
}

/**
 * Fails when `run` grows more than `limit` times from `size` to `size * FACTOR`: by default three times linear
 * growth, a third of quadratic. Work that allocates a lot grows a little faster than its steps (garbage
 * collection): such a case may allow up to half of quadratic.
 */
export function assertLinear(what: string, run: (size: number) => void, size: number, limit = FACTOR * 3): void {
  const g = growth(run, size);
  assert.ok(
    g < limit,
    `${what}: ${FACTOR}x the input took ${g.toFixed(1)}x as long (linear: ~${FACTOR}x, quadratic: ~${FACTOR ** 2}x)`,
  );
}
