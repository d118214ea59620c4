// issue 10 §6: `strata serve` renders off the event loop. The express app runs in a worker thread behind
// src/server/supervisor.ts; /healthz is answered by the main thread while a slow render runs, a render past
// its deadline is stopped (504) and a fresh worker serves the next request, and a render that runs away
// with memory ends in a clean 503 at the worker's heap cap instead of killing the server.
// Run: node --import tsx --test test/e2e/serve-worker.test.ts
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { after, describe, test } from 'node:test';
import { DEFAULT_RENDER_LIMITS } from '../../src/core/limits.js';
import { startSupervisedServer } from '../../src/server/supervisor.js';
import { CLI, makeRepo, minimalApp } from '../helpers.js';

/** `strata serve` from the build, as a user runs it (its worker is the bundle: no TypeScript loader in threads). */
function serve(
  root: string,
  flags: string[],
  children: ChildProcess[],
): Promise<{ url: string; restarts: () => number }> {
  const child = spawn(process.execPath, [CLI, 'serve', root, '--port', '0', ...flags], {
    env: { PATH: process.env.PATH ?? '', STRATA_CACHE_DIR: 'off' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let log = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      log += c.toString('utf8');
      const m = / at (http:\/\/\S+)/.exec(log);
      if (m) resolve({ url: m[1], restarts: () => (log.match(/starting a new render worker/g) ?? []).length });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${log}`)));
  });
}

function fetchJson(url: string): Promise<{
  status: number;
  body: { error?: { kind: string; message: string } } & Record<string, unknown>;
  ms: number;
}> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}'), ms: performance.now() - t0 }),
      );
    }).on('error', reject);
  });
}

const items = `items:\n${Array.from({ length: 3000 }, (_, i) => `  - ${i}`).join('\n')}\n`;

/** Nested #each over 3000 items: 9 million steps, many seconds of synchronous work. */
const slow = makeRepo(
  minimalApp({
    'app/values.yaml': `name: demo\n${items}`,
    'app/templates/cm.yaml.hbs':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.name}}\ndata:\n  n: "{{#each values.items}}{{#each ../values.items}}{{/each}}{{/each}}"\n',
    'fast/strata.yaml': 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg]\n  namespace: demo\n',
    'fast/values.yaml': 'name: fast\n',
    'fast/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.name}}\n',
  }),
);

/** Nested #each printing 200 bytes per step: gigabytes of output if nothing stops it. */
const greedy = makeRepo(
  minimalApp({
    'app/values.yaml': `name: demo\n${items}`,
    'app/templates/cm.yaml.hbs': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.name}}\ndata:\n  n: "{{#each values.items}}{{#each ../values.items}}${'x'.repeat(200)}{{/each}}{{/each}}"\n`,
  }),
);

describe('serve renders in a worker thread', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGTERM');
  });

  test('/healthz answers while a slow render runs; the render is stopped at its deadline; the next request works', async () => {
    const s = await serve(slow, ['--render-timeout-ms', '300'], children);
    const rendering = fetchJson(`${s.url}api/apps/app/render?env=stg`);
    await new Promise((r) => setTimeout(r, 300));
    const health = await fetchJson(`${s.url}healthz`);
    assert.equal(health.status, 200);
    assert.ok(health.ms < 1000, `healthz took ${Math.round(health.ms)} ms during a render`);
    const r = await rendering;
    // 504 from the supervisor's deadline, or 422 when the render's own budget (templates) stops it first.
    assert.ok(r.status === 504 || r.status === 422, JSON.stringify(r));
    if (r.status === 504) {
      assert.equal(r.body.error?.kind, 'timeout');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(s.restarts(), 1);
    }
    const apps = await fetchJson(`${s.url}api/apps`);
    assert.equal(apps.status, 200);
    const fast = await fetchJson(`${s.url}api/apps/fast/render?env=stg&format=json`);
    assert.equal(fast.status, 200, JSON.stringify(fast.body));
  });

  test('a render that runs away with memory ends in a one-line error at the heap cap; the server lives on', async () => {
    const s = await serve(greedy, ['--max-heap-mb', '40'], children);
    const r = await fetchJson(`${s.url}api/apps/app/render?env=stg`);
    // 503 from the worker's heap cap, or 422 when the render's own output budget stops it first.
    assert.ok(r.status === 503 || r.status === 422, JSON.stringify(r).slice(0, 300));
    if (r.status === 503)
      assert.match(r.body.error?.message ?? '', /ran out of its 40 MiB heap \(limit heapMb: STRATA_MAX_HEAP_MB/);
    assert.ok(!(r.body.error?.message ?? '').includes('\n'));
    assert.equal((await fetchJson(`${s.url}healthz`)).status, 200);
    assert.equal((await fetchJson(`${s.url}api/apps`)).status, 200);
  });

  test('a ROOT that cannot be served fails at start-up', async () => {
    await assert.rejects(
      startSupervisedServer({ root: '/nonexistent/strata', port: 0, limits: DEFAULT_RENDER_LIMITS }),
      /no such directory/,
    );
  });
});
