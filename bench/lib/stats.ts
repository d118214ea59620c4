import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

// Small statistics and formatting helpers for the benchmark. Medians, not means: one slow run (a GC, a
// neighbour on the machine) must not move the result.

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export function ms(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`;
}

export function mib(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(0)} MiB` : '-';
}

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  kubectl?: string;
}

export function machine(kubectl: string | undefined): Machine {
  const info = cpus();
  const m: Machine = { cpu: info[0]?.model.trim() ?? 'unknown', cores: info.length, node: process.version };
  if (kubectl) {
    try {
      const v = execFileSync(kubectl, ['version', '--client'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      m.kubectl = v
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/^.*Version:\s*/, ''))
        .join(', kustomize ');
    } catch {
      m.kubectl = 'unknown version';
    }
  }
  return m;
}

/** A plain-text table with left-aligned columns. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
