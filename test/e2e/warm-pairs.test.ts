import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { APP_DIR, base, ENV, PAIRS, padded, type Pair, type Tree } from '../caches-pairs.js';
import { CLI, REPO } from '../helpers.js';

// One warm renderer serves pairs of repositories with the same layout and other bytes, alternately (issue 21
// §2, docs/caches.md): every answer (stdout, stderr, exit code) must equal an in-process `generate` of the same
// checkout. Both sides of a pair come from one tenant (the same Argo CD project and repository URL), so they
// share one renderer however the warm renderer is split between tenants: its caches must be right within one.
// Checkouts sit where Argo CD extracts them (…/_cmp_server/<uuid>/), each at a new path, and also at one path
// reused for both sides (a local user might); every file and folder gets the same mtime and, where both sides
// hold a file, the same size, so a cache trusting path, size or mtime would answer one side with the other.
// The in-process twin is test/caches-content.test.ts.

const { socketPath } = require('../../src/cli/warm-client.cjs') as {
  socketPath: (base: string, main: string) => string;
};
const MAIN = join(REPO, 'dist', 'strata-main.js');
const MTIME = new Date('2024-01-02T03:04:05Z');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A side's tree and, for the revision pairs, the commit its checkout's .git holds (none: no .git at all). */
interface Side {
  tree: Tree;
  commit?: { message: string; date: string };
}

interface SidePair {
  name: string;
  a: Side;
  b: Side;
  todo?: string;
}

const REVISION_PAIRS: SidePair[] = [
  // The `app` revision mode (the default) asks git for the last commit touching the app's inputs: nothing of
  // that lookup may be kept between requests.
  {
    name: 'revision lookup: a .git with a commit, then no .git',
    a: { tree: base(), commit: { message: 'a', date: '2024-01-01T00:00:00Z' } },
    b: { tree: base() },
  },
  {
    name: 'revision lookup: the same tree at two different commits',
    a: { tree: base(), commit: { message: 'first', date: '2024-01-01T00:00:00Z' } },
    b: { tree: base(), commit: { message: 'second', date: '2024-02-01T00:00:00Z' } },
  },
];

function sidePairs(): SidePair[] {
  const fromTrees = (p: Pair): SidePair => {
    const q = padded(p);
    return { name: q.name, a: { tree: q.a }, b: { tree: q.b }, ...(q.todo ? { todo: q.todo } : {}) };
  };
  return [...PAIRS.map(fromTrees), ...REVISION_PAIRS];
}

/** The same environment for both sides of a pair: one Argo CD project, one repository, one Application. */
function argocdEnv(cache: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    STRATA_CACHE_DIR: cache,
    STRATA_WARM_IDLE_MS: '60000', // outlives a slow in-process render between two warm requests on a loaded machine
    ARGOCD_APP_NAME: 'web-stg',
    ARGOCD_APP_NAMESPACE: 'argocd',
    ARGOCD_APP_PROJECT_NAME: 'team-web',
    ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
    ARGOCD_APP_REVISION_SHORT: '0123456',
    ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example.com/team-web/deploy.git',
    ARGOCD_APP_SOURCE_PATH: APP_DIR,
    ARGOCD_APP_SOURCE_TARGET_REVISION: 'HEAD',
    ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'env', string: ENV }]),
    KUBE_VERSION: '1.30.11',
  };
}

function generate(root: string, env: Record<string, string>): Run {
  const r = spawnSync(process.execPath, [CLI, 'generate'], {
    cwd: join(root, APP_DIR),
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function git(cwd: string, args: string[], date: string): void {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: cwd,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'a',
    GIT_AUTHOR_EMAIL: 'a@example.com',
    GIT_COMMITTER_NAME: 'a',
    GIT_COMMITTER_EMAIL: 'a@example.com',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
}

/** Every file and folder under `dir` (and `dir` itself) gets the same mtime, deepest first. */
function sameMtimes(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sameMtimes(p);
    else utimesSync(p, MTIME, MTIME);
  }
  utimesSync(dir, MTIME, MTIME);
}

/** Write a side's checkout at `root` (replacing whatever was there): its files, its .git when it has a commit. */
function checkout(root: string, side: Side, gitTemplates: Map<Side, string>): void {
  rmSync(root, { recursive: true, force: true });
  const template = gitTemplates.get(side);
  if (template) cpSync(template, root, { recursive: true });
  else {
    for (const [path, text] of Object.entries(side.tree)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  }
  sameMtimes(root);
}

describe('one warm renderer, pairs of repositories with the same layout', () => {
  let tmp: string;
  let extract: string;
  let cache: string;
  const gitTemplates = new Map<Side, string>();

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'strata-warm-pairs-'));
    extract = join(tmp, '_cmp_server');
    mkdirSync(extract);
    cache = join(tmp, 'cache');
    mkdirSync(cache, { mode: 0o700 });
    // The sides with a commit: one repository each, built once and copied into every checkout of that side.
    for (const p of REVISION_PAIRS) {
      for (const side of [p.a, p.b]) {
        if (!side.commit) continue;
        const dir = join(tmp, 'git', randomUUID());
        for (const [path, text] of Object.entries(side.tree)) {
          mkdirSync(dirname(join(dir, path)), { recursive: true });
          writeFileSync(join(dir, path), text);
        }
        git(dir, ['init', '-q'], side.commit.date);
        git(dir, ['add', '-A'], side.commit.date);
        git(dir, ['commit', '-q', '-m', side.commit.message], side.commit.date);
        gitTemplates.set(side, dir);
      }
    }
    // The first generate finds no server: it renders in-process and starts one, which every later request of
    // this file must reach (STRATA_WARM=require).
    const root = join(extract, randomUUID());
    checkout(root, { tree: base() }, gitTemplates);
    const first = generate(root, argocdEnv(cache));
    assert.equal(first.code, 0, first.stderr);
    const sock = socketPath(cache, MAIN);
    for (const end = Date.now() + 10_000; !existsSync(sock);) {
      if (Date.now() > end) throw new Error('no warm renderer socket after 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(lstatSync(sock).isSocket());
  });

  after(() => {
    // The warm renderer exits by itself once idle (STRATA_WARM_IDLE_MS); its socket goes with the folder.
    rmSync(tmp, { recursive: true, force: true });
  });

  sidePairs().forEach((pair, n) => {
    test(pair.name, pair.todo ? { todo: pair.todo } : {}, () => {
      const env = argocdEnv(cache);
      const warmEnv = { ...env, STRATA_WARM: 'require' };
      // The expected answers: an in-process generate of each side, from a checkout of its own.
      const cold = { a: { code: 0, stdout: '', stderr: '' } as Run, b: { code: 0, stdout: '', stderr: '' } as Run };
      for (const s of ['a', 'b'] as const) {
        const root = join(extract, randomUUID());
        checkout(root, pair[s], gitTemplates);
        cold[s] = generate(root, { ...env, STRATA_WARM: 'off' });
      }
      assert.notDeepEqual(cold.a, cold.b, 'the two sides of a pair must answer differently');
      // Alternately, twice over: each side at a new path, then both at one reused path.
      const reused = join(extract, `reused-${n}`);
      for (let round = 0; round < 2; round++) {
        for (const [s, root] of [
          ['a', join(extract, randomUUID())],
          ['b', join(extract, randomUUID())],
          ['a', reused],
          ['b', reused],
        ] as const) {
          checkout(root, pair[s], gitTemplates);
          assert.deepEqual(
            generate(root, warmEnv),
            cold[s],
            `round ${round + 1}, side ${s} at ${root === reused ? 'the reused path' : 'a new path'}`,
          );
        }
      }
    });
  });
});
