import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { copyPlate, PLATE_API, PLATE_API_ARGOCD_ENV } from './lib/fixtures.js';
import { median } from './lib/stats.js';

// The warm renderer under many tenants (docs/performance.md, rows 12 and 13; src/warm/pool.ts):
// - row 12: 20 `generate`s of plate-api started at once (Argo CD's parallel manifest requests), against 20
//   `node -e 0` started at once, interleaved round by round. Target <= 1.3x.
// - row 13: one tenant's `generate` while another tenant's render runs for 30 s (a slow chart, or a hostile
//   one, up to its render budget), against the same `generate` with nothing else running. Target <= 1.5x.
// - row 13m: resident memory of the supervisor and of one renderer process (info; docs/performance.md).
// `--quick`: fewer rounds and an 8 s slow render. Prints a table on stderr and one JSON line on stdout.

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'strata.js');
const quick = process.argv.includes('--quick');
const CONCURRENT = 20;

interface Spawned {
  ms: number;
  codes: (number | null)[];
}

/** Start `n` copies of a command at once; wall time until the last exits. */
function burst(n: number, args: string[], cwd: string, env: Record<string, string>): Promise<Spawned> {
  const t0 = performance.now();
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<number | null>((resolve) => {
          const c = spawn(process.execPath, args, {
            cwd,
            env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
            stdio: 'ignore',
          });
          c.on('close', (code) => resolve(code));
        }),
    ),
  ).then((codes) => ({ ms: performance.now() - t0, codes }));
}

function once(args: string[], cwd: string, env: Record<string, string>): Promise<Spawned> {
  return burst(1, args, cwd, env);
}

/** An app whose one template loops without output until its render budget ends it. */
function slowApp(dir: string): string {
  const app = join(dir, 'app');
  mkdirSync(join(app, 'templates'), { recursive: true });
  writeFileSync(
    join(app, 'strata.yaml'),
    'apiVersion: strata.dev/v1\nkind: App\nmetadata:\n  name: slow\nspec:\n  environments: [dev]\n  layers: [values.yaml]\n  templates: templates\n',
  );
  writeFileSync(join(app, 'values.yaml'), 'n: 50000\n');
  writeFileSync(
    join(app, 'templates', 'cm.yaml.hbs'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: slow\ndata:\n  k: "{{#each (until values.n)}}{{#each (until ../values.n)}}{{#if (eq this -1)}}x{{/if}}{{/each}}{{/each}}"\n',
  );
  return app;
}

function rss(pid: number): number {
  try {
    return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) * 1024;
  } catch {
    return NaN;
  }
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build"`);
  const tmp = mkdtempSync(join(tmpdir(), 'strata-bench-tenants-'));
  const cache = join(tmp, 'cache');
  mkdirSync(cache, { mode: 0o700 });
  try {
    const repo = copyPlate(join(tmp, 'plate'));
    const cwd = join(repo, PLATE_API);
    const base = { STRATA_CACHE_DIR: cache, STRATA_WARM_IDLE_MS: '300000', ...PLATE_API_ARGOCD_ENV };
    const warm = { ...base, STRATA_WARM: 'require' };
    // Start the supervisor and one renderer for plate's tenant, then check it answers.
    await once([CLI, 'generate'], cwd, base);
    for (let i = 0; (await once([CLI, 'generate'], cwd, warm)).codes[0] !== 0; i++) {
      if (i > 100) throw new Error('the warm renderer never answered');
      await new Promise((r) => setTimeout(r, 100));
    }

    // Row 12: bursts, interleaved.
    const rounds = quick ? 3 : 7;
    const node: number[] = [];
    const gen: number[] = [];
    for (let r = 0; r < rounds; r++) {
      node.push((await burst(CONCURRENT, ['-e', '0'], cwd, {})).ms);
      const g = await burst(CONCURRENT, [CLI, 'generate'], cwd, warm);
      if (g.codes.some((c) => c !== 0))
        throw new Error(`a concurrent generate failed (exit codes ${g.codes.join(',')})`);
      gen.push(g.ms);
    }

    // Row 13: another tenant renders for slowMs; plate's tenant is measured alone and during it, interleaved
    // in pairs of runs so machine drift hits both alike.
    const slowMs = quick ? 8_000 : 30_000;
    const slowEnv = {
      ...base,
      STRATA_RENDER_TIMEOUT_MS: String(slowMs),
      ARGOCD_APP_NAME: 'slow-dev',
      ARGOCD_APP_PROJECT_NAME: 'team-slow',
      ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example.com/slow.git',
      ARGOCD_APP_SOURCE_PATH: 'app',
      ARGOCD_APP_PARAMETERS: '[{"name":"env","string":"dev"}]',
    };
    const slowCwd = slowApp(join(tmp, 'slow'));
    const alone: number[] = [];
    for (let i = 0; i < (quick ? 5 : 15); i++) alone.push((await once([CLI, 'generate'], cwd, warm)).ms);
    const slowRun = once([CLI, 'generate'], slowCwd, slowEnv);
    let slowDone = false;
    void slowRun.then(() => (slowDone = true));
    await new Promise((r) => setTimeout(r, 1500)); // the slow render is under way in its own renderer
    const during: number[] = [];
    while (!slowDone && during.length < (quick ? 20 : 60)) {
      during.push((await once([CLI, 'generate'], cwd, warm)).ms);
      await new Promise((r) => setTimeout(r, 200));
    }
    const slow = await slowRun;
    if (slow.codes[0] !== 1) throw new Error(`the slow render should end at its budget (exit 1), got ${slow.codes[0]}`);

    // Memory: the supervisor and its renderer processes.
    const ps = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
    const rows = ps
      .split('\n')
      .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => !!m);
    const sup = rows.find((m) => m[3].includes('warm-server') && m[3].includes(cache));
    const renderers = sup
      ? rows.filter((m) => m[2] === sup[1] && m[3].includes('warm-renderer')).map((m) => rss(Number(m[1])))
      : [];
    if (sup) process.kill(Number(sup[1]), 'SIGTERM');

    const n = median(node);
    const g = median(gen);
    const a = median(alone);
    const d = median(during);
    const out = {
      concurrent: CONCURRENT,
      burstMs: g,
      nodeBurstMs: n,
      burstRatio: g / n,
      aloneMs: a,
      duringMs: d,
      duringRuns: during.length,
      slowRatio: d / a,
      slowMs: slow.ms,
      supervisorRss: sup ? rss(Number(sup[1])) : NaN,
      rendererRss: renderers.length ? Math.max(...renderers) : NaN,
      renderers: renderers.length,
    };
    process.stderr.write(
      `row 12: ${CONCURRENT} concurrent generate ${g.toFixed(0)} ms vs ${CONCURRENT} concurrent node -e 0 ${n.toFixed(0)} ms: ${(g / n).toFixed(2)}x (target <= 1.3x)\n` +
        `row 13: generate while another tenant renders for ${(slow.ms / 1000).toFixed(1)} s: ${d.toFixed(0)} ms (${during.length} runs) vs alone ${a.toFixed(0)} ms: ${(d / a).toFixed(2)}x (target <= 1.5x)\n` +
        `row 13m: supervisor ${(out.supervisorRss / 2 ** 20).toFixed(0)} MiB, renderer process ${(out.rendererRss / 2 ** 20).toFixed(0)} MiB (${renderers.length} running)\n`,
    );
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
