import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { discoverApps } from '../src/core/discover.js';
import { loadAppConfig } from '../src/core/config.js';
import { createCaches, render } from '../src/core/render.js';
import type { ReadOnlyFs } from '../src/core/fs.js';
import { diffAll } from '../src/diff/all.js';
import { diffObjects } from '../src/diff/diff.js';
import { openSides } from '../src/diff/rev-fs.js';
import { DiskFs } from '../src/io/disk-fs.js';
import { writeLargeRepo } from './lib/fixtures.js';
import { median } from './lib/stats.js';

// `diff --all` on the bench's GitOps monorepo (bench/lib/fixtures.ts, 1,000 apps x stg/prod) after a pull
// request that changes one shared layer, environments/prod.yaml (the registry of every prod image), against
// what a reviewer would do without input tracking: render every app x env on both sides and diff them, the
// two measured in the same run, interleaved. Both read the revision through the same reader (rev-fs.ts), so
// the ratio is what skipping unchanged inputs buys.
//
// Target: >= 1.5x. The change touches every prod pair and no stg pair, so at best half of the renders are
// skipped (2x); the input check (a hash per input file, a listing walk per templates folder) and the one
// git read of the changed layer have to fit in the remaining margin.
//
// `--quick`: 100 apps, one measured round. Prints a table on stderr and one JSON line on stdout (for bench/run.ts).

const TARGET = 1.5;

function git(root: string, ...args: string[]): void {
  execFileSync(
    'git',
    ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', '-c', 'commit.gpgsign=false', ...args],
    { cwd: root, stdio: 'pipe' },
  );
}

/** The fixture as a git repository: the revision, then the commit a pull request adds on top. */
function buildRepo(apps: number): string {
  const root = mkdtempSync(join(tmpdir(), 'strata-bench-diff-'));
  writeLargeRepo(root, apps);
  rmSync(join(root, '.git'), { recursive: true }); // the fixture marks its root with an empty .git folder
  git(root, 'init', '-q');
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'base');
  const layer = join(root, 'environments', 'prod.yaml');
  const text = readFileSync(layer, 'utf8');
  if (!text.includes('registry: registry.plate.example.com'))
    throw new Error('environments/prod.yaml changed shape: update bench/diff-all.ts');
  writeFileSync(layer, text.replace('registry: registry.plate.example.com', 'registry: registry.eu.plate.example.com'));
  git(root, 'commit', '-qam', 'move prod images to the EU registry');
  return root;
}

/** Every app x env rendered at both sides and diffed: what `diff --all` would cost without skipping. */
function fullDiff(root: string): { ms: number; changed: number } {
  const started = performance.now();
  const sides = openSides(root, 'HEAD~1', new DiskFs(root, { immutable: true }));
  const caches = { now: createCaches({ immutable: true }), then: createCaches({ immutable: true }) };
  const objects = (fs: ReadOnlyFs, appDir: string, env: string, c: ReturnType<typeof createCaches>) =>
    render({ fs, appDir, env, caches: c }).objects.map((o) => o.object);
  let changed = 0;
  for (const appDir of discoverApps(sides.worktree, '')) {
    for (const env of loadAppConfig(sides.worktree, appDir).environments) {
      if (
        diffObjects(objects(sides.revision, appDir, env, caches.then), objects(sides.worktree, appDir, env, caches.now))
          .length
      )
        changed++;
    }
  }
  return { ms: performance.now() - started, changed };
}

function skipping(root: string): {
  ms: number;
  changed: number;
  pairs: number;
  rendered: { worktree: number; revision: number };
} {
  const started = performance.now();
  const r = diffAll({ sides: openSides(root, 'HEAD~1', new DiskFs(root, { immutable: true })), root: '' });
  return {
    ms: performance.now() - started,
    changed: r.results.filter((x) => x.status === 'changed').length,
    pairs: r.results.length,
    rendered: r.rendered,
  };
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const apps = quick ? 100 : 1000;
  const rounds = quick ? 1 : 3;
  const root = buildRepo(apps);
  try {
    // One unmeasured round of each: the JIT and the compiled-template caches of this process warm up, as
    // they are in a CI job's single run after the first app.
    fullDiff(root);
    skipping(root);
    const full: number[] = [];
    const skip: number[] = [];
    let last: ReturnType<typeof skipping> | undefined;
    for (let i = 0; i < rounds; i++) {
      // Interleaved, alternating which goes first, so machine load hits both alike.
      const f = i % 2 === 0 ? fullDiff(root) : undefined;
      last = skipping(root);
      const g = f ?? fullDiff(root);
      if (g.changed !== last.changed)
        throw new Error(`diff --all found ${last.changed} changed pairs, the full diff ${g.changed}`);
      full.push(g.ms);
      skip.push(last.ms);
    }
    const ratio = median(full) / median(skip);
    const out = {
      apps,
      pairs: last!.pairs,
      changed: last!.changed,
      rendered: last!.rendered,
      diffAllMs: median(skip),
      fullMs: median(full),
      ratio,
      target: TARGET,
      pass: ratio >= TARGET,
    };
    process.stderr.write(
      `diff --all, ${apps} apps (${out.pairs} pairs, ${out.changed} changed): ${Math.round(out.diffAllMs)} ms ` +
        `(rendered ${out.rendered.worktree} + ${out.rendered.revision}); both sides in full: ${Math.round(out.fullMs)} ms; ` +
        `${ratio.toFixed(2)}x (target >= ${TARGET}x) ${out.pass ? 'PASS' : 'MISS'}\n`,
    );
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main();
