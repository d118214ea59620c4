import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, REPO } from '../helpers.js';

// The warm renderer's tenants (docs/security.md, "Tenants"; src/warm/pool.ts), with real processes: each
// Argo CD project + repository gets renderer processes of its own, a slow tenant does not hold up another,
// and a render whose client went away is stopped (its process killed), not finished.

const { socketPath } = require('../../src/cli/warm-client.cjs') as {
  socketPath: (base: string, main: string) => string;
};
const MAIN = join(REPO, 'dist', 'strata-main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A one-environment app whose template loops `n` x `n` times without output (slow but legitimate work). */
function writeApp(root: string, n: number): void {
  const app = join(root, 'app');
  mkdirSync(join(app, 'templates'), { recursive: true });
  writeFileSync(
    join(app, 'strata.yaml'),
    'apiVersion: strata.dev/v1\nkind: App\nmetadata:\n  name: loop\nspec:\n  environments: [dev]\n  layers: [values.yaml]\n  templates: templates\n',
  );
  writeFileSync(join(app, 'values.yaml'), `n: ${n}\n`);
  writeFileSync(
    join(app, 'templates', 'cm.yaml.hbs'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: loop\ndata:\n  k: "{{#each (until values.n)}}{{#each (until ../values.n)}}{{#if (eq this -1)}}x{{/if}}{{/each}}{{/each}}"\n',
  );
}

function env(root: string, cache: string, project: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    STRATA_CACHE_DIR: cache,
    STRATA_WARM_IDLE_MS: '120000',
    STRATA_WARM_PROCESSES: '2',
    STRATA_WARM_QUEUE_MS: '15000', // a loaded machine may take seconds to start a renderer process
    ARGOCD_APP_NAME: `loop-${project}`,
    ARGOCD_APP_NAMESPACE: 'argocd',
    ARGOCD_APP_PROJECT_NAME: project,
    ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
    ARGOCD_APP_SOURCE_REPO_URL: `https://git.example.com/${project}.git`,
    ARGOCD_APP_SOURCE_PATH: 'app',
    ARGOCD_APP_SOURCE_TARGET_REVISION: 'HEAD',
    ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'env', string: 'dev' }]),
    ...extra,
  };
}

function start(cwd: string, e: Record<string, string>): { child: ChildProcess; done: Promise<Run> } {
  const t0 = Date.now();
  const child = spawn(process.execPath, [CLI, 'generate'], { cwd, env: e });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 })),
  );
  return { child, done };
}

function generate(cwd: string, e: Record<string, string>): Run {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, 'generate'], { cwd, env: e, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/** The supervisor's pid (its argv names this test's socket) and its renderer processes' pids. */
function processes(sock: string): { supervisor: number | undefined; renderers: number[] } {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  const rows = out
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m);
  const sup = rows.find((m) => m[3].includes('warm-server') && m[3].includes(sock));
  const supervisor = sup ? Number(sup[1]) : undefined;
  return {
    supervisor,
    renderers: rows
      .filter((m) => Number(m[2]) === supervisor && m[3].includes('warm-renderer'))
      .map((m) => Number(m[1])),
  };
}

async function until(what: string, ms: number, ok: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('warm renderer tenants (real processes)', () => {
  let tmp: string;
  let cache: string;
  let sock: string;
  let slow: string;
  let fast: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'strata-tenants-'));
    cache = join(tmp, 'cache');
    mkdirSync(cache, { mode: 0o700 });
    sock = socketPath(cache, MAIN);
    slow = join(tmp, 'slow');
    fast = join(tmp, 'fast');
    writeApp(slow, 4000); // ~16M loop steps: runs into the render budget set below
    writeApp(fast, 3);
    // The first generate starts the supervisor; wait for its socket.
    const first = generate(join(fast, 'app'), env(fast, cache, 'team-fast'));
    assert.equal(first.code, 0, first.stderr);
    await until('the warm renderer socket', 15_000, () => existsSync(sock));
  });

  after(() => {
    const { supervisor } = processes(sock);
    if (supervisor) process.kill(supervisor, 'SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  });

  test('each tenant has renderer processes of its own; apps of one tenant share them', async () => {
    const warm = { STRATA_WARM: 'require' };
    assert.equal(generate(join(fast, 'app'), env(fast, cache, 'team-fast', warm)).code, 0);
    await until('one renderer', 10_000, () => processes(sock).renderers.length === 1);
    const before = processes(sock).renderers;
    // Another app name of the same project and repository: the same process.
    assert.equal(
      generate(join(fast, 'app'), env(fast, cache, 'team-fast', { ...warm, ARGOCD_APP_NAME: 'other' })).code,
      0,
    );
    assert.deepEqual(processes(sock).renderers, before);
    // Another project: a process of its own.
    const r = generate(join(fast, 'app'), env(fast, cache, 'team-other', warm));
    assert.equal(r.code, 0, r.stderr);
    const after = processes(sock).renderers;
    assert.equal(after.length, 2);
    assert.ok(after.includes(before[0]));
  });

  test('while one tenant renders for seconds, another tenant is answered as fast as alone', async () => {
    const warm = { STRATA_WARM: 'require' };
    const alone: number[] = [];
    for (let i = 0; i < 3; i++) alone.push(generate(join(fast, 'app'), env(fast, cache, 'team-fast', warm)).ms);
    const long = start(join(slow, 'app'), env(slow, cache, 'team-slow', { ...warm, STRATA_RENDER_TIMEOUT_MS: '6000' }));
    await new Promise((r) => setTimeout(r, 1000)); // the slow render is under way
    const during: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = generate(join(fast, 'app'), env(fast, cache, 'team-fast', warm));
      assert.equal(r.code, 0, r.stderr);
      during.push(r.ms);
    }
    const slowRun = await long.done;
    assert.equal(slowRun.code, 1);
    assert.match(slowRun.stderr, /rendering took longer than 6000 ms/);
    assert.equal(slowRun.stdout, '');
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1];
    // Generous for a loaded 2-core machine (the bench measures the ratio): before tenants, `during` waited
    // for the whole slow render (seconds).
    assert.ok(median(during) < median(alone) * 3 + 1000, `alone ${alone.join(',')} ms, during ${during.join(',')} ms`);
    assert.ok(Math.max(...during) < slowRun.ms, 'answered before the slow render ended');
  });

  test('a render whose client is killed is stopped: its renderer process goes away', async () => {
    const long = start(
      join(slow, 'app'),
      env(slow, cache, 'team-slow', { STRATA_WARM: 'require', STRATA_RENDER_TIMEOUT_MS: '60000' }),
    );
    let busy: number[] = [];
    await until('a renderer for team-slow', 15_000, () => {
      busy = processes(sock).renderers;
      return busy.length >= 1;
    });
    await new Promise((r) => setTimeout(r, 1500)); // the render is running in one of them
    const cpu = (pid: number): number => {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return Number(f[11]) + Number(f[12]);
      } catch {
        return -1;
      }
    };
    const before = processes(sock).renderers;
    const first = new Map(before.map((p) => [p, cpu(p)]));
    await new Promise((r) => setTimeout(r, 500));
    const running = before.filter((p) => cpu(p) > first.get(p)! + 5);
    assert.equal(running.length, 1, 'one renderer process is busy with the slow render');
    long.child.kill('SIGKILL');
    await long.done;
    await until('the busy renderer process to be killed', 5000, () => !processes(sock).renderers.includes(running[0]));
    assert.ok(!readdirSync('/proc').includes(String(running[0])), 'gone, not a zombie of the supervisor');
  });
});
