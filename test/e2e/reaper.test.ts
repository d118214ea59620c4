// The sidecar's init reaps what strata leaves behind (docs/install.md, "Why tini").
//
// `strata generate` starts the warm renderer detached, in a session of its own (src/cli/warm-client.cjs
// spawnServer), and exits; the renderer is re-parented to the container's PID 1 and exits by itself when idle.
// argocd-cmp-server is PID 1 in Argo CD's sidecar and never reaps a process it did not start (argo-cd issue
// 29349), so every renderer that exits stays a zombie until the pod restarts. The documented sidecar command
// puts tini in front of it. Each case below runs a cmp-server stand-in (test/e2e/reaper-cmp-standin.cjs, which
// like the Go server waits only for its own children) in a fresh PID namespace, with the warm renderer's idle
// time cut to 1.5 s, and counts the zombies once the renderer has exited.
//
// Needs root (unshare --pid) and tini (.ci/run installs it); skips, saying which, without them.
// Run: npm run build && node --import tsx --test test/e2e/reaper.test.ts
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { extractCopy, loadPluginYaml, strataBin } from '../argocd/harness.js';
import { CLI, REPO } from '../helpers.js';

const STANDIN = join(__dirname, 'reaper-cmp-standin.cjs');
const CMP_SERVER = '/var/run/argocd/argocd-cmp-server';
/** Debian's tini (the image installs the same package). */
const TINI = '/usr/bin/tini';
const APP = 'examples/plate/helm/applications/plate-api';

/** The sidecar command every install path documents (the chart tests keep the three equal). */
function documentedCommand(): string[] {
  const values = parseYaml(readFileSync(join(REPO, 'helm/strata/argo-cd-values.yaml'), 'utf8'));
  return values.repoServer.extraContainers[0].command as string[];
}

/** Why this machine cannot run the cases, or undefined when it can. */
function cannotRun(): string | undefined {
  if (!existsSync(CLI)) return `no ${CLI}: run npm run build first`;
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { encoding: 'utf8' });
  if (r.error) return 'unshare (util-linux) is not installed';
  if (r.status !== 0)
    return `unshare --pid --fork --mount-proc fails here (needs root): ${r.stderr.trim().split('\n')[0]}`;
  return undefined;
}

interface Report {
  generate: { code: number | null; stdoutBytes: number; stderr: string };
  started: { pid: number; name: string; cmdline: string }[];
  zombies: { pid: number; ppid: number; name: string }[];
  timedOut: boolean;
}

/** A node process that runs argv as its only child and reaps nothing else: a PID 1 that is no init. */
const NON_REAPING_PID1 = [
  process.execPath,
  '-e',
  "const c = require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: 'inherit' }); c.on('exit', (code) => (process.exitCode = code ?? 1));",
];

const work: string[] = [];
after(() => work.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * Run `init... <stand-in>` as PID 1 of a new PID namespace, the stand-in running the plugin's generate the
 * way argocd-cmp-server does, with a private cache folder (so a fresh warm renderer is started) and a short
 * idle time.
 */
function runInNamespace(init: readonly string[]): Report {
  const extract = extractCopy(['examples/plate']);
  work.push(dirname(dirname(extract)));
  const cache = mkdtempSync(join(tmpdir(), 'strata-reaper-cache-'));
  work.push(cache);
  const bin = strataBin(CLI);
  work.push(bin);
  const plugin = loadPluginYaml();
  const cfg = {
    argv: [...plugin.spec.generate.command, ...(plugin.spec.generate.args ?? [])],
    cwd: join(extract, APP),
    env: {
      PATH: [bin, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
      HOME: tmpdir(),
      STRATA_CACHE_DIR: cache,
      STRATA_WARM_IDLE_MS: '1500',
      ARGOCD_APP_NAME: 'plate-api',
      ARGOCD_APP_NAMESPACE: 'plate',
      ARGOCD_APP_PROJECT_NAME: 'default',
      ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
      ARGOCD_APP_SOURCE_PATH: APP,
      ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example.com/plate.git',
      ARGOCD_APP_SOURCE_TARGET_REVISION: 'HEAD',
      ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'env', string: 'prod' }]),
    },
    deadlineMs: 60_000,
    settleMs: 2_000,
  };
  const r = spawnSync(
    'unshare',
    ['--pid', '--fork', '--mount-proc', ...init, process.execPath, STANDIN, JSON.stringify(cfg)],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  assert.equal(r.status, 0, `stand-in under [${init.join(' ')}] exited ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as Report;
  // The stand-in really served a generate, which started a warm renderer, which then exited.
  assert.equal(report.generate.code, 0, `generate failed: ${report.generate.stderr}`);
  assert.ok(report.generate.stdoutBytes > 0, 'generate printed manifests');
  assert.ok(
    warmRenderers(report).length > 0,
    `the generate started a warm renderer: ${JSON.stringify(report.started)}`,
  );
  assert.equal(
    report.timedOut,
    false,
    `the warm renderer did not exit within its idle time: ${JSON.stringify(report.started)}`,
  );
  return report;
}

/** The warm renderer's processes (src/cli/warm-client.cjs starts `strata.js warm-server --socket ...`). */
const warmRenderers = (r: Report): Report['started'] => r.started.filter((p) => p.cmdline.includes(' warm-server '));
/** Zombies that are the warm renderer. */
const warmZombies = (r: Report): Report['zombies'] =>
  r.zombies.filter((z) => warmRenderers(r).some((p) => p.pid === z.pid));

describe('the sidecar init reaps the warm renderer (argo-cd issue 29349)', { skip: cannotRun() }, () => {
  const command = documentedCommand();
  const init = command.slice(0, -1);
  const noTini = existsSync(TINI) ? undefined : `${TINI} is not installed (apt-get install tini; .ci/run does)`;

  test('the documented sidecar command is tini in front of argocd-cmp-server', () => {
    assert.equal(command.at(-1), CMP_SERVER, `the command ends with ${CMP_SERVER}`);
    assert.ok(
      init.length > 0,
      `nothing runs before ${CMP_SERVER}: it would be PID 1 and never reap (command: ${JSON.stringify(command)})`,
    );
    assert.equal(init[0], TINI);
    assert.equal(init.at(-1), '--', 'tini ends its options with --');
  });

  test('without an init the exited warm renderer stays a zombie of PID 1 (this check can fail)', () => {
    const r = runInNamespace([]);
    const z = warmZombies(r);
    assert.ok(z.length > 0, `expected the exited warm renderer as a zombie: ${JSON.stringify(r)}`);
    assert.ok(
      z.every((p) => p.ppid === 1),
      `re-parented to PID 1, the stand-in: ${JSON.stringify(z)}`,
    );
  });

  test('under the documented init as PID 1 no zombie remains', { skip: noTini }, () => {
    const r = runInNamespace(init);
    assert.deepEqual(r.zombies, [], `zombies under [${init.join(' ')}]: ${JSON.stringify(r)}`);
  });

  // A pod with shareProcessNamespace (or a runtime's own --init) makes something else PID 1: then the orphan
  // goes to the nearest subreaper, which tini is only with -s.
  test(
    'under the documented init below a PID 1 that does not reap, no zombie remains either (-s)',
    { skip: noTini },
    () => {
      const r = runInNamespace([...NON_REAPING_PID1, ...init]);
      assert.deepEqual(
        r.zombies,
        [],
        `zombies under [pid 1 that never reaps, ${init.join(' ')}]: ${JSON.stringify(r)}`,
      );
    },
  );

  test(
    'tini without -s below a PID 1 that does not reap leaves the zombie (why the command has -s)',
    { skip: noTini },
    () => {
      const r = runInNamespace([...NON_REAPING_PID1, TINI, '--']);
      assert.ok(warmZombies(r).length > 0, `expected a zombie without -s: ${JSON.stringify(r)}`);
    },
  );
});
