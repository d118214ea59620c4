import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { copyPlate, PLATE_API, PLATE_API_ARGOCD_ENV } from '../lib/fixtures.js';
import { productionNode, productionNodeMajor } from '../lib/node-binary.js';
import { check, interleaved, runOnce, type Cmd } from '../lib/proc.js';
import { median, ms } from '../lib/stats.js';

// The V8 startup snapshot experiment (issue 14 step 2; docs/performance.md "Startup snapshot"), on the image's
// Node.js: `node --import tsx bench/snapshot/run.ts [--rounds N]` after `npm run build`. Builds the whole CLI
// as one bundle (bench/snapshot/entry.ts), makes two blobs with `node --build-snapshot` (modules loaded only;
// warmed by one in-memory generate of plate-api), checks that both print what dist/ prints, and times
// `generate` of plate-api (Argo CD environment, STRATA_WARM=off) from each against dist/ and `node -e 0`.
//
// Experiment only, not shipped: a snapshot may not hold a vm context, and the values-schema deadline keeps
// one; the warmed blob's build therefore validates values schemas without the deadline (this file's patch).

const ROOT = join(__dirname, '..', '..');
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 15;

async function bundle(out: string): Promise<void> {
  await build({
    entryPoints: [join(__dirname, 'entry.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    outfile: out,
    logLevel: 'warning',
    alias: { punycode: 'punycode/' },
    define: { STRATA_VERSION: JSON.stringify('snapshot') },
    plugins: [
      {
        name: 'snapshot-experiment',
        setup(b) {
          b.onResolve({ filter: /^source-map$/ }, () => ({ path: 'source-map', namespace: 'empty' }));
          b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
          b.onLoad({ filter: /values-schema\.ts$/ }, (a) => ({
            contents: readFileSync(a.path, 'utf8').replace(
              'sandbox ??= {',
              'if (process.env.STRATA_SNAPSHOT_WARM_DIR) return fn();\n  sandbox ??= {',
            ),
            loader: 'ts',
          }));
        },
      },
    ],
  });
}

async function main(): Promise<void> {
  const major = productionNodeMajor(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const node = major ? productionNode(major) : undefined;
  if (!node) throw new Error('no Node.js binary of the image (bench/lib/node-binary.ts)');
  const tmp = mkdtempSync(join(tmpdir(), 'strata-snapshot-'));
  try {
    const repo = copyPlate(join(tmp, 'plate'));
    const js = join(tmp, 'strata-snapshot.js');
    await bundle(js);
    const blobs = { cold: join(tmp, 'cold.blob'), warm: join(tmp, 'warm.blob') };
    check(
      runOnce({ file: node, args: ['--snapshot-blob', blobs.cold, '--build-snapshot', js] }),
      'build the cold snapshot',
    );
    check(
      runOnce({
        file: node,
        args: ['--snapshot-blob', blobs.warm, '--build-snapshot', js],
        env: { STRATA_SNAPSHOT_WARM_DIR: repo },
      }),
      'build the warmed snapshot',
    );
    const env = {
      STRATA_CACHE_DIR: join(tmp, 'cache'),
      STRATA_WARM: 'off',
      ...PLATE_API_ARGOCD_ENV,
    };
    const cwd = join(repo, PLATE_API);
    const cmds: Record<string, Cmd> = {
      node: { file: node, args: ['-e', '0'], cwd, env: {} },
      dist: { file: node, args: [join(ROOT, 'dist', 'strata.js'), 'generate'], cwd, env },
      'snapshot (modules loaded)': { file: node, args: ['--snapshot-blob', blobs.cold, 'generate'], cwd, env },
      'snapshot (warmed by a generate)': { file: node, args: ['--snapshot-blob', blobs.warm, 'generate'], cwd, env },
    };
    const outs = Object.fromEntries(
      Object.entries(cmds)
        .filter(([k]) => k !== 'node')
        .map(([k, c]) => {
          const f = join(tmp, `${k.replace(/\W+/g, '-')}.yaml`);
          check(runOnce(c, f), k);
          return [k, readFileSync(f, 'utf8')];
        }),
    );
    for (const [k, v] of Object.entries(outs))
      if (v !== outs.dist) throw new Error(`${k} printed something else than dist/`);
    const t = interleaved(cmds, rounds);
    const n = median(t.node);
    process.stdout.write(
      `node ${major} (image), generate plate-api, STRATA_WARM=off, median of ${rounds} interleaved rounds\n`,
    );
    for (const [k, xs] of Object.entries(t))
      process.stdout.write(
        `  ${k.padEnd(34)} ${ms(median(xs)).padStart(9)}  ${(median(xs) / n).toFixed(2)}x node -e 0\n`,
      );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`snapshot experiment failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
