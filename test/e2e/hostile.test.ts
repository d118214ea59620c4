// The hostile corpus (issue 10 §7): one folder per attack under test/hostile/<case>/, run by this one table
// test against the built CLI as a real process (the process boundary is the point: hangs, memory, signals).
//   case.json  {"description", "argv", "env"?, "expect": {"exit", "stderr" (regex for the one-line reason),
//               "maxMs", "maxRssMb"}, "signal"?: {"name": "SIGTERM", "afterMs": N}, "closeStdout"?: true}
//   repo/      the repository tree, copied to a temp dir that is the cwd (`dot-git` is renamed to `.git`)
//   setup.sh   optional, run in that temp dir first (FIFOs, sparse files, hostile git config)
// Every case must exit non-zero with EMPTY stdout, a single-line stderr reason (or none when the process
// dies of a signal or its reader went away), within its time and peak-RSS bounds.
// Run: npm run build && node --import tsx --test test/e2e/hostile.test.ts
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, REPO } from '../helpers.js';

interface HostileCase {
  description: string;
  argv: string[];
  env?: Record<string, string>;
  signal?: { name: NodeJS.Signals; afterMs: number };
  closeStdout?: boolean;
  expect: { exit: number; stderr: string; maxMs: number; maxRssMb: number };
}

const CORPUS = join(REPO, 'test', 'hostile');
const TIME = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p));
const RSS_LINE = /^STRATA_PEAK_RSS_KB=(\d+)$/m;

function prepare(dir: string): string {
  const cwd = mkdtempSync(join(tmpdir(), 'strata-hostile-'));
  if (existsSync(join(dir, 'repo'))) cpSync(join(dir, 'repo'), cwd, { recursive: true, verbatimSymlinks: true });
  const renameDotGit = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (e.name === 'dot-git') renameSync(join(d, e.name), join(d, '.git'));
      else renameDotGit(join(d, e.name));
    }
  };
  renameDotGit(cwd);
  if (existsSync(join(dir, 'setup.sh'))) {
    const r = spawnSync('sh', [join(dir, 'setup.sh')], { cwd, encoding: 'utf8' });
    assert.equal(r.status, 0, `setup.sh failed: ${r.stderr}`);
  }
  return cwd;
}

interface Outcome {
  exit: number;
  stdout: Buffer;
  stderr: string;
  ms: number;
  rssMb: number | undefined;
}

function runCase(c: HostileCase, cwd: string): Promise<Outcome> {
  // /usr/bin/time reports the peak RSS of the node process itself (not of a wrapper) and exits 128+N when
  // the child died of signal N; without it we still check everything but memory.
  const cmd = TIME
    ? [TIME, '-f', 'STRATA_PEAK_RSS_KB=%M', process.execPath, CLI, ...c.argv]
    : [process.execPath, CLI, ...c.argv];
  const started = process.hrtime.bigint();
  const child = spawn(cmd[0], cmd.slice(1), {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, STRATA_CACHE_DIR: 'off', ...c.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: a signal reaches node through the time wrapper, as Argo CD's does
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  if (c.closeStdout) child.stdout.destroy();
  else child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const timers: NodeJS.Timeout[] = [];
  if (c.signal) timers.push(setTimeout(() => process.kill(-child.pid!, c.signal!.name), c.signal.afterMs));
  timers.push(setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), c.expect.maxMs * 3 + 10_000));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      timers.forEach(clearTimeout);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let stderr = Buffer.concat(err).toString('utf8');
      const rss = RSS_LINE.exec(stderr);
      stderr = stderr
        .replace(RSS_LINE, '')
        .replace(/^Command (terminated by signal|exited with non-zero status) .*\n/m, '');
      resolve({
        exit: code ?? 128 + (signal ? osConstants.signals[signal] : 0),
        stdout: Buffer.concat(out),
        stderr: stderr.replace(/\n+$/, ''),
        ms,
        rssMb: rss ? Number(rss[1]) / 1024 : undefined,
      });
    });
  });
}

const cases = existsSync(CORPUS)
  ? readdirSync(CORPUS)
      .filter((d) => existsSync(join(CORPUS, d, 'case.json')))
      .sort()
  : [];

// Two cases at a time: most of a case is waiting (start-up, a timeout firing, a signal after a delay), and the
// time and memory bounds are far above what one case needs on a core of its own.
describe('hostile corpus', { concurrency: 2 }, () => {
  test('every folder of the corpus is a case (none skipped for a missing case.json) and the CLI is built', () => {
    const folders = readdirSync(CORPUS, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    assert.ok(folders.length > 0, 'the corpus is empty');
    assert.deepEqual(cases, folders);
    assert.ok(existsSync(CLI), 'run npm run build first');
  });
  for (const name of cases) {
    const dir = join(CORPUS, name);
    const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as HostileCase;
    test(`${name}: ${c.description}`, async () => {
      const o = await runCase(c, prepare(dir));
      const show = `exit ${o.exit}, ${Math.round(o.ms)} ms, ${o.rssMb?.toFixed(0) ?? '?'} MiB, stderr: ${JSON.stringify(o.stderr.slice(0, 400))}`;
      assert.equal(o.exit, c.expect.exit, show);
      assert.notEqual(o.exit, 0, 'a hostile case must fail');
      assert.equal(o.stdout.length, 0, `stdout must be empty; ${show}`);
      assert.match(o.stderr, new RegExp(c.expect.stderr), show);
      assert.ok(!o.stderr.includes('\n'), `one line of reason, no stack trace; ${show}`);
      assert.ok(o.ms <= c.expect.maxMs, `took ${Math.round(o.ms)} ms > ${c.expect.maxMs}; ${show}`);
      if (o.rssMb !== undefined)
        assert.ok(o.rssMb <= c.expect.maxRssMb, `peak RSS ${o.rssMb.toFixed(0)} MiB > ${c.expect.maxRssMb}; ${show}`);
    });
  }
});
