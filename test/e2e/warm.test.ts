import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import yaml from 'js-yaml';
import { encodeAnswer, parseRequest } from '../../src/warm/protocol.js';
import { CLI, REPO } from '../helpers.js';

// The warm renderer (docs/performance.md): `generate` answered by a long-lived strata process must print
// exactly what an in-process `generate` prints, for every example app and environment and for failures, and
// the client must fall back to rendering in-process whenever the server cannot answer.

const { socketPath } = require('../../src/cli/warm-client.cjs') as {
  socketPath: (base: string, main: string) => string;
};

const MAIN = join(REPO, 'dist', 'strata-main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function argocdEnv(
  root: string,
  appDir: string,
  env: string,
  cache: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const name = `${appDir.split('/').pop()}-${env}`;
  return {
    PATH: process.env.PATH ?? '',
    STRATA_CACHE_DIR: cache,
    STRATA_WARM_IDLE_MS: '60000', // long enough for a slow in-process render between two warm requests on a loaded machine
    ARGOCD_APP_NAME: name,
    ARGOCD_APP_NAMESPACE: 'argocd',
    ARGOCD_APP_PROJECT_NAME: 'default',
    ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
    ARGOCD_APP_REVISION_SHORT: '0123456',
    ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example.com/plate.git',
    ARGOCD_APP_SOURCE_PATH: relative(root, join(root, appDir)),
    ARGOCD_APP_SOURCE_TARGET_REVISION: 'HEAD',
    ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'env', string: env }]),
    KUBE_VERSION: '1.30.11',
    KUBE_API_VERSIONS:
      'apps/v1,autoscaling/v2,networking.k8s.io/v1,policy/v1,v1,cert-manager.io/v1,argoproj.io/v1alpha1',
    ...extra,
  };
}

function generate(cwd: string, env: Record<string, string>): Run {
  const r = spawnSync(process.execPath, [CLI, 'generate'], { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `generate` without blocking the event loop (the test itself serves the socket the client talks to). */
function generateAsync(cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'generate'], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every app x environment of the bundled examples, as repo-relative app dirs. */
function exampleApps(root: string): { app: string; env: string }[] {
  const out: { app: string; env: string }[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else if (e.name === 'strata.yaml') {
        const doc = yaml.load(readFileSync(join(root, rel), 'utf8')) as { spec: { environments: string[] } };
        for (const env of doc.spec.environments) out.push({ app: dir, env });
      }
    }
  };
  walk('');
  return out.sort((a, b) => `${a.app} ${a.env}`.localeCompare(`${b.app} ${b.env}`));
}

async function waitFor(path: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > end) throw new Error(`no warm server socket after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A temp folder holding a checkout of examples/plate (with a .git folder) and a private, empty cache folder. */
function plateCheckout(prefix: string): { tmp: string; root: string; cache: string } {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const root = join(tmp, 'checkout');
  cpSync(join(REPO, 'examples', 'plate'), join(root, 'plate'), { recursive: true });
  mkdirSync(join(root, '.git'));
  const cache = join(tmp, 'cache');
  mkdirSync(cache, { mode: 0o700 });
  return { tmp, root, cache };
}

describe('warm renderer', () => {
  let tmp: string;
  let root: string;
  let cache: string;
  let sock: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'strata-warm-'));
    root = join(tmp, 'checkout');
    for (const ex of readdirSync(join(REPO, 'examples')))
      cpSync(join(REPO, 'examples', ex), join(root, ex), { recursive: true });
    mkdirSync(join(root, '.git'));
    cache = join(tmp, 'cache');
    mkdirSync(cache, { mode: 0o700 });
    sock = socketPath(cache, MAIN);
    // The first generate finds no server: it renders in-process and starts one.
    const first = exampleApps(root)[0];
    const r = generate(join(root, first.app), argocdEnv(root, first.app, first.env, cache));
    assert.equal(r.code, 0, r.stderr);
    await waitFor(sock, 10_000);
  });

  after(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  test('every example app and environment: the same bytes, stderr and exit code as in-process', () => {
    const apps = exampleApps(root);
    assert.ok(apps.length >= 10, `found ${apps.length} example app environments`);
    for (const { app, env } of apps) {
      const e = argocdEnv(root, app, env, cache);
      const warm = generate(join(root, app), { ...e, STRATA_WARM: 'require' });
      const cold = generate(join(root, app), { ...e, STRATA_WARM: 'off' });
      assert.equal(cold.code, 0, `${app} ${env}: ${cold.stderr}`);
      assert.ok(cold.stdout.includes('kind: '), `${app} ${env} printed manifests`);
      assert.deepEqual(warm, cold, `${app} ${env}`);
    }
  });

  test('failures are answered the same way: exit code, message, empty stdout', () => {
    const app = 'plate/helm/applications/plate-api';
    const cases: Record<string, string>[] = [
      { ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'env', string: 'nope' }]) },
      { ARGOCD_APP_PARAMETERS: '[{' },
      {
        ARGOCD_APP_PARAMETERS: JSON.stringify([
          { name: 'env', string: 'prod' },
          { name: 'set', map: { 'image.tag': 'latest' } },
        ]),
      },
    ];
    for (const extra of cases) {
      const e = argocdEnv(root, app, 'prod', cache, extra);
      const warm = generate(join(root, app), { ...e, STRATA_WARM: 'require' });
      const cold = generate(join(root, app), { ...e, STRATA_WARM: 'off' });
      assert.notEqual(cold.code, 0);
      assert.equal(cold.stdout, '');
      assert.deepEqual(warm, cold);
    }
  });

  test('a request sees its own environment only: the previous request leaves nothing behind', () => {
    const app = 'plate/helm/applications/plate-web';
    const a = generate(join(root, app), { ...argocdEnv(root, app, 'stg', cache), STRATA_WARM: 'require' });
    const b = generate(join(root, app), {
      ...argocdEnv(root, app, 'prod', cache, { ARGOCD_APP_REVISION: 'f'.repeat(40) }),
      STRATA_WARM: 'require',
    });
    const a2 = generate(join(root, app), { ...argocdEnv(root, app, 'stg', cache), STRATA_WARM: 'require' });
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.notEqual(a.stdout, b.stdout);
    assert.equal(a2.stdout, a.stdout);
  });

  test('an edited file in the same directory is rendered anew (no path-keyed cache survives a request)', () => {
    const app = 'plate/helm/applications/plate-cache';
    const dir = join(root, app);
    const e = { ...argocdEnv(root, app, 'stg', cache), STRATA_WARM: 'require' };
    const before = generate(dir, e);
    const file = join(dir, 'values.yaml');
    const original = readFileSync(file, 'utf8');
    try {
      assert.equal(before.code, 0, before.stderr);
      assert.match(original, /^team: platform$/m);
      writeFileSync(file, original.replace(/^team: platform$/m, 'team: platform-b'));
      const afterEdit = generate(dir, e);
      const cold = generate(dir, { ...e, STRATA_WARM: 'off' });
      assert.equal(afterEdit.code, 0, afterEdit.stderr);
      assert.notEqual(afterEdit.stdout, before.stdout);
      assert.deepEqual(afterEdit, cold);
    } finally {
      writeFileSync(file, original);
    }
  });

  test('checkouts at other paths with other templates and layers: each answered from its own bytes', () => {
    // Argo CD extracts every request to a new folder: the server's caches are keyed by repo-relative path and
    // must check contents, so the same relative paths with other bytes never get another checkout's answer.
    const app = 'plate/helm/applications/plate-cache';
    const other = join(tmp, 'checkout-2');
    cpSync(root, other, { recursive: true });
    const partial = join(other, 'plate/helm/templates/service/_labels.hbs');
    writeFileSync(
      partial,
      readFileSync(partial, 'utf8').replace(
        'plate.example.com/team:',
        'plate.example.com/checkout: "2"\nplate.example.com/team:',
      ),
    );
    const values = join(other, app, 'values-stg.yaml');
    writeFileSync(values, readFileSync(values, 'utf8') + '\nteam: team-2\n');
    const runs = [root, other, root, other].map((r) => {
      const e = argocdEnv(r, app, 'stg', cache);
      const warm = generate(join(r, app), { ...e, STRATA_WARM: 'require' });
      assert.equal(warm.code, 0, warm.stderr);
      assert.deepEqual(warm, generate(join(r, app), { ...e, STRATA_WARM: 'off' }));
      return warm.stdout;
    });
    assert.notEqual(runs[0], runs[1]);
    assert.match(runs[1], /plate\.example\.com\/checkout: "2"/);
    assert.match(runs[1], /plate\.example\.com\/team: team-2/);
    assert.deepEqual([runs[2], runs[3]], [runs[0], runs[1]]);
  });
});

describe('warm client fallback', () => {
  test('a stale socket file (nobody listening) falls back to rendering in-process', () => {
    const { tmp, root, cache } = plateCheckout('strata-warm-stale-');
    try {
      const sock = socketPath(cache, MAIN);
      writeFileSync(sock, ''); // a plain file where the socket should be: connect fails
      writeFileSync(`${sock}.spawned`, ''); // and no new server is started by this test
      const app = 'plate/helm/applications/plate-api';
      const e = argocdEnv(root, app, 'prod', cache);
      const r = generate(join(root, app), e);
      const cold = generate(join(root, app), { ...e, STRATA_WARM: 'off' });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r, cold);
      const strict = generate(join(root, app), { ...e, STRATA_WARM: 'require' });
      assert.equal(strict.code, 3);
      assert.equal(strict.stdout, '');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('a server that answers garbage or fallback is not believed', async () => {
    const { tmp, root, cache } = plateCheckout('strata-warm-bad-');
    const sock = socketPath(cache, MAIN);
    writeFileSync(`${sock}.spawned`, '');
    const app = 'plate/helm/applications/plate-api';
    const e = argocdEnv(root, app, 'prod', cache);
    const cold = generate(join(root, app), { ...e, STRATA_WARM: 'off' });
    for (const answer of [
      Buffer.from('not json\nkind: Secret\n'),
      encodeAnswer('fallback'),
      Buffer.from('{"v":1,"code":"0","stderr":""}\nx'),
    ]) {
      // The request is one line; the client keeps its end open while it waits.
      const server = createServer((c) => c.once('data', () => c.end(answer)));
      await new Promise<void>((r) => server.listen(sock, r));
      try {
        const r = await generateAsync(join(root, app), e);
        assert.deepEqual(r, cold);
      } finally {
        await new Promise((r) => server.close(r));
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  });
});

/** A listening unix socket that answers every request with a well-formed answer the real server never gives. */
async function impostor(path: string): Promise<{ close(): Promise<void> }> {
  const server = createServer((c) =>
    c.once('data', () => c.end(encodeAnswer({ code: 0, stdout: Buffer.from('kind: Impostor\n'), stderr: '' }))),
  );
  await new Promise<void>((r) => server.listen(path, r));
  return { close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('warm client: hostile cache folder and socket', () => {
  const app = 'plate/helm/applications/plate-api';
  let tmp: string;
  let root: string;
  let cold: Run;
  before(() => {
    ({ tmp, root } = plateCheckout('strata-warm-hostile-'));
    cold = generate(join(root, app), {
      ...argocdEnv(root, app, 'prod', join(tmp, 'unused')),
      STRATA_WARM: 'off',
      STRATA_CACHE_DIR: 'off',
    });
    assert.equal(cold.code, 0, cold.stderr);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const [name, make] of [
    [
      'a symlink to a private folder',
      (dir: string) => (mkdirSync(`${dir}-real`, { mode: 0o700 }), symlinkSync(`${dir}-real`, dir), `${dir}-real`),
    ],
    ['writable by its group', (dir: string) => (mkdirSync(dir), chmodSync(dir, 0o770), dir)],
    ['readable by others', (dir: string) => (mkdirSync(dir), chmodSync(dir, 0o705), dir)],
  ] as const) {
    test(`a cache folder ${name} is never used: no socket, no server, the same output in-process`, async () => {
      const cache = join(tmp, `cache-${name.replace(/\W+/g, '-')}`);
      const real = make(cache);
      const e = argocdEnv(root, app, 'prod', cache);
      const r = generate(join(root, app), e);
      assert.deepEqual(r, cold);
      const strict = generate(join(root, app), { ...e, STRATA_WARM: 'require' });
      assert.equal(strict.code, 3);
      assert.equal(strict.stdout, '');
      assert.match(strict.stderr, /private cache folder/);
      await new Promise((res) => setTimeout(res, 300)); // a server, had one been started, would have made its socket
      assert.deepEqual(readdirSync(real), [], 'nothing written to a folder that is not private');
    });
  }

  for (const [name, prepare] of [
    [
      'a symlink to a listening socket elsewhere',
      async (sock: string) => {
        const other = join(tmp, `elsewhere-${Date.now()}.sock`);
        const s = await impostor(other);
        symlinkSync(other, sock);
        return s;
      },
    ],
    [
      'a listening socket owned by another user (chown as root; skipped otherwise)',
      async (sock: string) => {
        const s = await impostor(sock);
        chownSync(sock, 65534, 65534);
        return s;
      },
    ],
  ] as const) {
    test(`the socket path is ${name}: never connected to`, async (t) => {
      if (name.includes('another user') && process.getuid?.() !== 0) return t.skip('needs root to chown');
      const cache = join(tmp, `cache-sock-${Date.now()}`);
      mkdirSync(cache, { mode: 0o700 });
      const sock = socketPath(cache, MAIN);
      const s = await prepare(sock);
      try {
        const e = argocdEnv(root, app, 'prod', cache);
        const r = await generateAsync(join(root, app), e);
        assert.deepEqual(r, cold);
        const strict = await new Promise<number | null>((resolve) => {
          spawn(process.execPath, [CLI, 'generate'], {
            cwd: join(root, app),
            env: { ...e, STRATA_WARM: 'require' },
            stdio: 'ignore',
          }).on('close', resolve);
        });
        assert.equal(strict, 3);
      } finally {
        await s.close();
      }
    });
  }

  test('warm-server refuses a socket outside a private folder', () => {
    const open = join(tmp, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const r = spawnSync(process.execPath, [CLI, 'warm-server', '--socket', join(open, 'w.sock')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', STRATA_CACHE_DIR: 'off' },
      timeout: 20_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /private folder/);
    assert.deepEqual(readdirSync(open), []);
  });
});

describe('warm request parsing', () => {
  test('serves only `generate` with an absolute cwd and string environment values', () => {
    const ok = { v: 1, argv: ['generate'], cwd: '/tmp/x', env: { A: 'b' } };
    assert.deepEqual(parseRequest(JSON.stringify(ok)), { argv: ['generate'], cwd: '/tmp/x', env: { A: 'b' } });
    for (const bad of [
      { ...ok, argv: ['render', '.'] },
      { ...ok, argv: ['generate', '--help'] },
      { ...ok, argv: ['sidecar', 'patch'] },
      { ...ok, cwd: 'relative' },
      { ...ok, env: { A: 1 } },
      { ...ok, env: ['A=b'] },
      { ...ok, v: 2 },
    ]) {
      assert.equal(parseRequest(JSON.stringify(bad)), undefined, JSON.stringify(bad));
    }
    assert.equal(parseRequest('{'), undefined);
    assert.equal(parseRequest('null'), undefined);
  });

  test('an environment key named __proto__ does not change the prototype of what main() sees', () => {
    const r = parseRequest('{"v":1,"argv":["generate"],"cwd":"/x","env":{"__proto__":"y","A":"b"}}');
    assert.ok(r);
    assert.equal(Object.getPrototypeOf(r.env), Object.prototype);
    assert.equal(r.env.A, 'b');
  });
});
