import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

// Whole-process measurements: wall time from spawn to exit (what Argo CD waits for), and peak RSS.

export interface Cmd {
  file: string;
  args: readonly string[];
  cwd?: string;
  env?: Record<string, string>;
}

export interface RunResult {
  wallMs: number;
  /** Peak resident set size in bytes (only when asked for). */
  peakRss?: number;
  code: number | null;
  stderr: string;
}

const TIME = '/usr/bin/time';
export const HAVE_GNU_TIME =
  existsSync(TIME) && spawnSync(TIME, ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0;

function env(c: Cmd): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...c.env };
}

/** Run once, stdout to `stdoutFile` (or discarded); wall time measured around spawn..exit. */
export function runOnce(c: Cmd, stdoutFile?: string): RunResult {
  const out = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore';
  try {
    const t0 = performance.now();
    const r = spawnSync(c.file, c.args, {
      cwd: c.cwd,
      env: env(c),
      stdio: ['ignore', out, 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const wallMs = performance.now() - t0;
    if (r.error) throw r.error;
    return { wallMs, code: r.status, stderr: r.stderr };
  } finally {
    if (typeof out === 'number') closeSync(out);
  }
}

/**
 * Run once and record peak RSS: through GNU time (`%M`, max RSS in KiB) when present, else by polling
 * /proc/<pid>/status for VmHWM (the kernel's own high-water mark, so polling gaps lose nothing).
 * GNU time adds one fork/exec (~1 ms) to the wall time; the rows that use this are seconds long.
 */
export async function runWithRss(c: Cmd, stdoutFile: string, tmp: string): Promise<RunResult> {
  if (HAVE_GNU_TIME) {
    const rssFile = join(tmp, 'time.out');
    const r = runOnce({ ...c, file: TIME, args: ['-f', '%M', '-o', rssFile, c.file, ...c.args] }, stdoutFile);
    const kib = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    rmSync(rssFile, { force: true });
    return { ...r, peakRss: kib * 1024 };
  }
  const out = openSync(stdoutFile, 'w');
  try {
    const t0 = performance.now();
    const child = spawn(c.file, c.args, { cwd: c.cwd, env: env(c), stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let hwm = 0;
    const poll = (): void => {
      try {
        const m = /VmHWM:\s*(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]) * 1024);
      } catch {
        // the process is gone
      }
    };
    const timer = setInterval(poll, 5);
    const code = await new Promise<number | null>((res) => child.on('exit', (c2) => (poll(), res(c2))));
    clearInterval(timer);
    return { wallMs: performance.now() - t0, peakRss: hwm || NaN, code, stderr };
  } finally {
    closeSync(out);
  }
}

export function check(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}:\n${r.stderr.slice(0, 2000)}`);
  return r;
}

export function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() || undefined : undefined;
}

/**
 * Time several commands over the same number of rounds, interleaved (a, b, c, a, b, c, ...) so that drift in
 * the machine (thermal, page cache, a neighbour) hits every command alike. The first round is a warm-up.
 */
export function interleaved(cmds: Record<string, Cmd>, rounds: number): Record<string, number[]> {
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  for (let i = 0; i <= rounds; i++) {
    for (const [name, c] of Object.entries(cmds)) {
      const r = check(runOnce(c), name);
      if (i > 0) out[name].push(r.wallMs);
    }
  }
  return out;
}
