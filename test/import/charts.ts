// The chart comparison runner: for each vendored public chart (test/fixtures/import/charts/, README.md there says
// where each comes from), `strata import helm` once, then for the chart's default values, each of its own
// ci/*.yaml files and ours (test/fixtures/import/values/<chart>-*.yaml): render the chart with the Go harness
// (test/chart/render.sh, the stand-in for `helm template`), render the imported app with strata, and compare
// object by object (compare.ts). test/e2e/import-charts.test.ts asserts the result against its expected table;
// run this file directly for the table docs/from-helm.md shows:
//
//   npm run build && npx tsx test/import/charts.ts --table [--detail] [CHART...]
//
// Both sides get the same release name (the chart's name), namespace, Kubernetes version and API versions: the
// harness's default set, which is `helm template`'s (test/chart/render/main.go defaultAPIVersions). strata's own
// default set differs (it lists group/version/Kind entries too), and its --api-versions replaces that default,
// so passing the harness's list makes `.Capabilities.APIVersions.Has` answer the same on both sides.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { compareRenders } from './compare.js';

export const REPO = resolve(__dirname, '../..');
export const CHARTS_DIR = join(REPO, 'test/fixtures/import/charts');
export const OUR_VALUES_DIR = join(REPO, 'test/fixtures/import/values');
const CLI = join(REPO, 'dist/strata.js');
const RENDER_SH = join(REPO, 'test/chart/render.sh');
export const NAMESPACE = 'charts-ns';
export const KUBE_VERSION = '1.31.0';

export interface Row {
  readonly chart: string;
  readonly version: string;
  /** Templates imported, constructs translated (sum of IMPORT.md's table), places left (from the import's stderr). */
  readonly templates: number;
  readonly constructs: number;
  readonly placesLeft: number;
  /** `default`, `ci/x-values.yaml` or `ours/podinfo-x.yaml`. */
  readonly values: string;
  readonly helmObjects: number;
  readonly strataObjects: number;
  readonly equal: number;
  /** Objects on both sides that differ, and objects on one side only. */
  readonly different: number;
  readonly onlyHelm: number;
  readonly onlyStrata: number;
  /** Keys of the objects that are not equal (different or missing on the strata side), for reading. */
  readonly notEqual: string[];
  /** First line of the failing side's stderr, prefixed `harness:`, `strata:` or `import:`; undefined when both rendered. */
  readonly error?: string;
}

/** go, Debian's sprig and the yaml packages test/chart/render builds against (test/chart/run.sh installs them). */
export function goHarnessMissing(): string | undefined {
  const go = spawnSync('go', ['version'], { stdio: 'ignore' });
  if (go.error || go.status !== 0) return 'go is not installed';
  for (const pkg of ['github.com/Masterminds/sprig', 'gopkg.in/yaml.v2', 'gopkg.in/yaml.v3']) {
    if (!existsSync(join('/usr/share/gocode/src', pkg))) return `Debian's ${pkg} is not installed`;
  }
  return undefined;
}

/** Builds the harness if needed (render.sh does, once) and returns `helm template`'s default API versions. */
export function harnessApiVersions(): string {
  const r = spawnSync('bash', [RENDER_SH, '--print-api-versions'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`test/chart/render.sh does not build or run: ${r.stderr.split('\n')[0]}`);
  return r.stdout.trim();
}

/** Charts of this repository compared too: helm/strata, the chart that installs strata. */
const OWN_CHARTS: Readonly<Record<string, string>> = { strata: join(REPO, 'helm/strata') };

/** The charts compared: every vendored chart and this repository's own, sorted by name. */
export function vendoredCharts(): string[] {
  return [
    ...readdirSync(CHARTS_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name),
    ...Object.keys(OWN_CHARTS),
  ].sort();
}

export function chartDir(chart: string): string {
  return OWN_CHARTS[chart] ?? join(CHARTS_DIR, chart);
}

/** The values files compared for a chart: none (its defaults), its ci/ files, then ours. Paths are absolute. */
export function valuesFiles(chart: string): { label: string; file?: string }[] {
  const out: { label: string; file?: string }[] = [{ label: 'default' }];
  const ci = join(chartDir(chart), 'ci');
  if (existsSync(ci)) {
    for (const f of readdirSync(ci).sort()) {
      if (/\.ya?ml$/.test(f)) out.push({ label: `ci/${f}`, file: join(ci, f) });
    }
  }
  if (existsSync(OUR_VALUES_DIR)) {
    for (const f of readdirSync(OUR_VALUES_DIR).sort()) {
      if (f.startsWith(`${chart}-`) && /\.ya?ml$/.test(f))
        out.push({ label: `ours/${f}`, file: join(OUR_VALUES_DIR, f) });
    }
  }
  return out;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<Run> {
  return new Promise((res) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

/** Runs fn over items with at most `size` at once, results in input order. */
async function pool<T, R>(items: T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  return out;
}

/** The first non-empty line of a stderr, without the command's own `strata: ` / `render: ` prefix, cut short. */
function firstLine(s: string): string {
  const line = (
    s
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? '(no message)'
  ).replace(/^(strata|render): /, '');
  return line.length > 240 ? `${line.slice(0, 240)}…` : line;
}

interface Imported {
  chart: string;
  version: string;
  out: string;
  templates: number;
  constructs: number;
  placesLeft: number;
  error?: string;
}

async function importChart(chart: string, work: string): Promise<Imported> {
  const dir = chartDir(chart);
  const version = /^version:\s*"?([^"\s]+)/m.exec(readFileSync(join(dir, 'Chart.yaml'), 'utf8'))?.[1] ?? '?';
  const out = join(work, chart);
  const r = await run(process.execPath, [CLI, 'import', 'helm', dir, '--out', out, '--namespace', NAMESPACE]);
  const summary = / (\d+) templates imported into .*; (\d+) place\(s\) left/.exec(r.stderr);
  if (r.code !== 0 || !summary) {
    return { chart, version, out, templates: 0, constructs: 0, placesLeft: 0, error: `import: ${firstLine(r.stderr)}` };
  }
  // The app must be a git repository for `strata render` (it reads the revision).
  spawnSync('git', ['init', '-q', out]);
  const md = readFileSync(join(out, 'IMPORT.md'), 'utf8');
  const table = md.slice(md.indexOf('## Constructs translated'));
  let constructs = 0;
  for (const m of table.matchAll(/^\| `.*` \| (\d+) \|$/gm)) constructs += Number(m[1]);
  return { chart, version, out, templates: Number(summary[1]), constructs, placesLeft: Number(summary[2]) };
}

async function compareOne(imp: Imported, v: { label: string; file?: string }, apis: string): Promise<Row> {
  const base = {
    chart: imp.chart,
    version: imp.version,
    templates: imp.templates,
    constructs: imp.constructs,
    placesLeft: imp.placesLeft,
    values: v.label,
  };
  const f = v.file ? ['-f', v.file] : [];
  const helm = await run('bash', [
    RENDER_SH,
    '--name',
    imp.chart,
    '--namespace',
    NAMESPACE,
    '--kube-version',
    `v${KUBE_VERSION}`,
    ...f,
    chartDir(imp.chart),
  ]);
  const none = { strataObjects: 0, equal: 0, different: 0, onlyHelm: 0, onlyStrata: 0, notEqual: [] };
  if (helm.code !== 0) return { ...base, ...none, helmObjects: 0, error: `harness: ${firstLine(helm.stderr)}` };
  const helmObjects = compareRenders(helm.stdout, '').helm;
  if (imp.error) return { ...base, ...none, helmObjects, error: imp.error };
  const s = await run(process.execPath, [
    CLI,
    'render',
    imp.out,
    '--env',
    'default',
    '--kube-version',
    KUBE_VERSION,
    '--api-versions',
    apis,
    ...f,
  ]);
  if (s.code !== 0) return { ...base, ...none, helmObjects, error: `strata: ${firstLine(s.stderr)}` };
  const c = compareRenders(helm.stdout, s.stdout);
  return {
    ...base,
    helmObjects,
    strataObjects: c.strata,
    equal: c.equal.length,
    different: c.different.length,
    onlyHelm: c.onlyHelm.length,
    onlyStrata: c.onlyStrata.length,
    notEqual: [...c.different.map((d) => d.key), ...c.onlyHelm],
  };
}

/**
 * Import each chart once and compare every values file; `concurrency` processes pairs at once (the machine's
 * cores, by default at most 2). Needs dist/ built and the Go harness's packages (goHarnessMissing()).
 */
export async function runCharts(charts = vendoredCharts(), concurrency = 2): Promise<Row[]> {
  const apis = harnessApiVersions();
  const work = mkdtempSync(join(tmpdir(), 'strata-charts-'));
  try {
    const imports = await pool(charts, concurrency, (c) => importChart(c, work));
    const jobs = imports.flatMap((imp) => valuesFiles(imp.chart).map((v) => ({ imp, v })));
    return await pool(jobs, concurrency, ({ imp, v }) => compareOne(imp, v, apis));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface ChartSummary {
  readonly chart: string;
  readonly version: string;
  readonly templates: number;
  readonly constructs: number;
  readonly placesLeft: number;
  readonly valuesFiles: number;
  /** Values files whose render failed on the strata side (or the import). */
  readonly failedRenders: number;
  readonly equal: number;
  /** Objects `helm template` (the harness) rendered, over all values files. */
  readonly total: number;
}

export function summarize(rows: Row[]): ChartSummary[] {
  const by = new Map<string, Row[]>();
  for (const r of rows) by.set(r.chart, [...(by.get(r.chart) ?? []), r]);
  return [...by.values()].map((rs) => ({
    chart: rs[0].chart,
    version: rs[0].version,
    templates: rs[0].templates,
    constructs: rs[0].constructs,
    placesLeft: rs[0].placesLeft,
    valuesFiles: rs.length,
    failedRenders: rs.filter((r) => r.error && !r.error.startsWith('harness:')).length,
    equal: rs.reduce((n, r) => n + r.equal, 0),
    total: rs.reduce((n, r) => n + r.helmObjects, 0),
  }));
}

const pct = (a: number, b: number): string => (b ? `${Math.floor((a / b) * 1000) / 10}%` : '-');

/** The per-chart markdown table docs/from-helm.md shows (and, with detail, one row per values file). */
export function markdown(rows: Row[], detail = false): string {
  const lines = [
    '| chart | version | templates | constructs translated | places left | values files | objects equal |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  for (const s of summarize(rows)) {
    const failed = s.failedRenders ? ` (${s.failedRenders} render(s) fail)` : '';
    lines.push(
      `| ${s.chart} | ${s.version} | ${s.templates} | ${s.constructs} | ${s.placesLeft} | ${s.valuesFiles} | ${s.equal} / ${s.total} (${pct(s.equal, s.total)})${failed} |`,
    );
  }
  if (detail) {
    lines.push(
      '',
      '| chart | values | helm objects | strata objects | equal | not equal / error |',
      '|---|---|---:|---:|---:|---|',
    );
    for (const r of rows) {
      const why = (r.error ?? r.notEqual.join(', ')).replace(/\|/g, '\\|');
      lines.push(`| ${r.chart} | ${r.values} | ${r.helmObjects} | ${r.strataObjects} | ${r.equal} | ${why} |`);
    }
  }
  return lines.join('\n');
}

function main(argv: string[]): void {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const charts = argv.filter((a) => !a.startsWith('--'));
  const missing = goHarnessMissing();
  if (missing) {
    process.stderr.write(`charts: ${missing} (test/chart/run.sh installs the Go harness's packages)\n`);
    process.exit(2);
  }
  if (!existsSync(CLI)) {
    process.stderr.write('charts: dist/strata.js not found: run `npm run build` first\n');
    process.exit(2);
  }
  for (const c of charts) {
    if (!existsSync(join(chartDir(c), 'Chart.yaml'))) {
      process.stderr.write(`charts: no vendored chart ${c} under test/fixtures/import/charts/\n`);
      process.exit(2);
    }
  }
  const started = Date.now();
  void runCharts(charts.length ? charts : undefined).then((rows) => {
    if (flags.has('--json')) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else process.stdout.write(`${markdown(rows, flags.has('--detail'))}\n`);
    process.stderr.write(`charts: ${rows.length} comparisons in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  });
}

if (process.argv[1] && basename(process.argv[1]) === 'charts.ts') main(process.argv.slice(2));
