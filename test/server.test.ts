// `strata serve`: the real server on an ephemeral loopback port, driven with fetch over examples/plate and
// over temp copies of it (broken values, edits that must invalidate the cache). Run:
//   node --import tsx --test test/server.test.ts
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { standardChecks } from '../src/checks/index.js';
import { formatObjects } from '../src/core/serialize.js';
import { render } from '../src/core/render.js';
import { DiskFs } from '../src/io/disk-fs.js';
import { startServer, type RunningServer } from '../src/server/server.js';
import { cli } from './helpers.js';

const repo = resolve(__dirname, '..');
const plate = join(repo, 'examples/plate');
const API_DIR = 'examples/plate/helm/applications/plate-api';

async function get(
  base: string,
  path: string,
): Promise<{ status: number; headers: Headers; text: string; json: () => any }> {
  const res = await fetch(new URL(path, base));
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** A copy of examples/plate in a temp dir (no .git above it, so the copy is its own repository root). */
function tempPlate(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-serve-'));
  cpSync(plate, dir, { recursive: true });
  return dir;
}

describe('strata serve over examples/plate', () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer({ root: plate, port: 0 });
  });
  after(() => s.close());

  test('lists the apps under ROOT with ids and environments, and no file-system paths', async () => {
    const r = await get(s.url, '/api/apps');
    assert.equal(r.status, 200);
    const body = r.json();
    assert.equal(body.root, 'examples/plate');
    const ids = body.apps.map((a: { id: string }) => a.id);
    for (const id of ['plate-api', 'plate-cache', 'plate-llm', 'plate-web', 'ingress']) assert.ok(ids.includes(id), id);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    const api = body.apps.find((a: { id: string }) => a.id === 'plate-api');
    assert.deepEqual(api.environments, ['stg', 'prod']);
    assert.equal(api.path, 'helm/applications/plate-api');
    assert.ok(!r.text.includes(repo), 'absolute paths leak into the listing');
  });

  test('render returns the same YAML as the core (and the CLI), and a JSON List', async () => {
    const r = await get(s.url, '/api/apps/plate-api/render?env=prod');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /application\/yaml/);
    const expected = render({
      fs: new DiskFs(repo),
      appDir: API_DIR,
      env: 'prod',
      checks: standardChecks(),
      release: { path: API_DIR },
    });
    assert.equal(
      r.text,
      formatObjects(
        expected.objects.map((o) => o.object),
        'yaml',
      ),
    );
    assert.match(r.text, /^kind: Deployment$/m);
    const j = (await get(s.url, '/api/apps/plate-api/render?env=prod&format=json')).json();
    assert.equal(j.kind, 'List');
    const dep = j.items.find((o: { kind: string }) => o.kind === 'Deployment');
    assert.equal(dep.spec.replicas, 3);
    assert.equal((await get(s.url, '/api/apps/plate-api/render?env=prod&format=xml')).status, 400);
  });

  test('values with explain name the file:line that set each leaf and what it overrode', async () => {
    const r = await get(s.url, '/api/apps/plate-api/values?env=prod&explain=1');
    assert.equal(r.status, 200);
    const body = r.json();
    assert.equal(body.values.replicaCount, 3);
    const row = body.explain.find((x: { path: string }) => x.path === '.replicaCount');
    assert.match(row.chain[0].at, /^examples\/plate\/helm\/applications\/plate-api\/values-prod\.yaml:3:\d+$/);
    assert.equal(row.chain[1].value, 1);
    assert.match(row.chain[1].at, /plate-api\/values\.yaml:\d+/);
    const plain = (await get(s.url, '/api/apps/plate-api/values?env=stg')).json();
    assert.equal(plain.values.replicaCount, 1);
    assert.equal(plain.explain, undefined);
  });

  test('lint lists findings as data', async () => {
    const r = await get(s.url, '/api/apps/plate-api/lint?env=prod');
    assert.equal(r.status, 200);
    // The example is clean (lint --all passes it): exactly nothing. The temp-copy case below plants a finding.
    assert.deepEqual(r.json(), { app: 'plate-api', env: 'prod', errors: 0, findings: [], messages: [] });
  });

  test('diff between two environments shows the replica change', async () => {
    const r = await get(s.url, '/api/apps/plate-api/diff?env=prod&against=stg');
    assert.equal(r.status, 200);
    const body = r.json();
    assert.equal(body.against, 'stg');
    assert.ok(body.diffs.length > 0);
    assert.match(body.text, /replicas/);
    assert.equal((await get(s.url, '/api/apps/plate-api/diff?env=prod')).status, 400);
    assert.equal((await get(s.url, '/api/apps/plate-api/diff?env=prod&against=qa')).status, 404);
    assert.equal((await get(s.url, '/api/apps/plate-api/diff?env=prod&againstRef=--output=/tmp/x')).status, 400);
    // againstRef=HEAD (real git) is in test/e2e/server-diff-ref.test.ts.
  });

  test('unknown apps, environments and routes are 404s with a message', async () => {
    for (const path of [
      '/api/apps/nope/render?env=prod',
      '/api/apps/plate-api/render?env=qa',
      '/api/apps/plate-llm/values?env=prod',
      '/api/nothing',
    ]) {
      const r = await get(s.url, path);
      assert.equal(r.status, 404, path);
      assert.equal(r.json().error.kind, 'not_found', path);
    }
  });

  test('path-like ids never reach the file system', async () => {
    const attempts = [
      '/api/apps/..%2F..%2F..%2Fetc/render?env=prod',
      '/api/apps/helm%2Fapplications%2Fplate-api/render?env=prod',
      '/api/apps/%2E%2E/values?env=prod',
      '/api/apps/..%5C..%5Cplate-api/values?env=prod',
      '/api/apps/plate-api%00/values?env=prod',
      `/api/apps/${encodeURIComponent(join(repo, API_DIR))}/render?env=prod`,
    ];
    for (const path of attempts) {
      const r = await get(s.url, path);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(r.text, /root:|kind:/, path);
    }
    // The static handler must not climb out of the page's folder either.
    for (const path of ['/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/../server.ts']) {
      const r = await get(s.url, path);
      assert.notEqual(r.status, 200, path);
      assert.doesNotMatch(r.text, /"devDependencies"|createServer/, path);
    }
  });

  test('answers only to loopback Host headers (DNS rebinding)', async () => {
    const status = await new Promise<number>((done, fail) => {
      const req = request(new URL('/api/apps', s.url), { headers: { host: 'attacker.example:7420' } }, (res) => {
        res.resume();
        done(res.statusCode!);
      });
      req.on('error', fail);
      req.end();
    });
    assert.equal(status, 403);
  });

  test('health, readiness and the page itself', async () => {
    assert.deepEqual((await get(s.url, '/healthz')).json(), { status: 'ok' });
    const ready = await get(s.url, '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.json().apps, (await get(s.url, '/api/apps')).json().apps.length);
    const page = await get(s.url, '/');
    assert.equal(page.status, 200);
    assert.match(page.text, /id="app-select"/);
    assert.doesNotMatch(page.text, /https?:\/\//, 'the page must not load anything from the network');
    const js = await get(s.url, '/app.js');
    assert.match(js.headers.get('content-type')!, /javascript/);
    assert.match(js.headers.get('content-security-policy')!, /default-src 'self'/);
  });

  test('metrics count renders by cache outcome, time them and count errors by kind', async () => {
    await get(s.url, '/api/apps/plate-web/render?env=stg');
    await get(s.url, '/api/apps/plate-web/render?env=stg');
    await get(s.url, '/api/apps/nope/render?env=stg');
    const m = await get(s.url, '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type')!, /text\/plain/);
    const value = (re: RegExp): number => Number(re.exec(m.text)?.[1] ?? NaN);
    assert.ok(value(/^strata_serve_renders_total\{operation="render",cache="hit"\} (\d+)$/m) >= 1);
    assert.ok(value(/^strata_serve_renders_total\{operation="render",cache="miss"\} (\d+)$/m) >= 1);
    assert.ok(value(/^strata_serve_render_duration_seconds_count\{operation="render",cache="miss"\} (\d+)$/m) >= 1);
    assert.ok(value(/^strata_serve_errors_total\{kind="not_found"\} (\d+)$/m) >= 1);
    assert.match(m.text, /^strata_serve_errors_total\{kind="internal"\} 0$/m);
  });
});

describe('strata serve over a temp copy', () => {
  let dir: string;
  let s: RunningServer;
  before(async () => {
    dir = tempPlate();
    s = await startServer({ root: dir, port: 0 });
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a second identical request is a cache hit; editing a values file or a template invalidates it', async () => {
    const url = '/api/apps/plate-api/render?env=prod';
    const first = await get(s.url, url);
    assert.equal(first.headers.get('x-strata-cache'), 'miss');
    const second = await get(s.url, url);
    assert.equal(second.headers.get('x-strata-cache'), 'hit');
    assert.equal(second.text, first.text);
    const hits = s.cache.stats().hits;

    const values = join(dir, 'helm/applications/plate-api/values-prod.yaml');
    writeFileSync(values, readFileSync(values, 'utf8').replace('replicaCount: 3', 'replicaCount: 5'));
    const edited = await get(s.url, url);
    assert.equal(edited.headers.get('x-strata-cache'), 'miss');
    assert.match(edited.text, /replicas: 5/);
    assert.equal((await get(s.url, url)).headers.get('x-strata-cache'), 'hit');

    const tpl = join(dir, 'helm/templates/service/service.yaml.hbs');
    writeFileSync(tpl, readFileSync(tpl, 'utf8') + '\n# edited\n');
    assert.equal((await get(s.url, url)).headers.get('x-strata-cache'), 'miss');
    assert.equal((await get(s.url, url)).headers.get('x-strata-cache'), 'hit');
    assert.ok(s.cache.stats().hits > hits);

    // An optional layer that was absent appears: plate-llm has no values-prod, but environments/stg.yaml is read.
    const explain = '/api/apps/plate-llm/values?env=stg';
    await get(s.url, explain);
    assert.equal((await get(s.url, explain)).headers.get('x-strata-cache'), 'hit');
    writeFileSync(join(dir, 'helm/applications/plate-llm/values-stg.yaml'), 'replicaCount: 7\n');
    const after = await get(s.url, explain);
    assert.equal(after.headers.get('x-strata-cache'), 'miss');
    assert.equal(after.json().values.replicaCount, 7);
  });

  test('strata.yaml is an input of every cached result: the default environment moves with an edit to it', async () => {
    // The app is loaded once, inside the cached computation: its strata.yaml read is among the replayed ones.
    const url = '/api/apps/plate-web/values';
    const first = await get(s.url, url);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json().env, 'stg');
    assert.equal((await get(s.url, url)).headers.get('x-strata-cache'), 'hit');
    const cfg = join(dir, 'helm/applications/plate-web/strata.yaml');
    const text = readFileSync(cfg, 'utf8');
    assert.match(text, /defaultEnvironment: stg/);
    writeFileSync(cfg, text.replace('defaultEnvironment: stg', 'defaultEnvironment: prod'));
    const edited = await get(s.url, url);
    assert.equal(edited.headers.get('x-strata-cache'), 'miss');
    assert.equal(edited.json().env, 'prod');
    writeFileSync(cfg, text);
    assert.equal((await get(s.url, url)).json().env, 'stg');
    assert.equal(
      (await get(s.url, '/api/apps/plate-web/render?env=qa')).status,
      404,
      'an env the app does not declare, after a hit on another',
    );
  });

  test('a broken values file is a 422 with the file:line message the CLI prints', async () => {
    const values = join(dir, 'helm/applications/plate-web/values-prod.yaml');
    writeFileSync(values, readFileSync(values, 'utf8') + '\nbroken: [unclosed\n');
    const r = await get(s.url, '/api/apps/plate-web/render?env=prod');
    assert.equal(r.status, 422);
    const { error } = r.json();
    assert.equal(error.kind, 'user');
    assert.match(error.message, /^helm\/applications\/plate-web\/values-prod\.yaml:\d+(:\d+)?/);
    assert.ok(!error.message.includes('\n    at '), 'no stack traces');
    const r2 = await cli(['render', join(dir, 'helm/applications/plate-web'), '--env', 'prod', '--repo-root', dir]);
    assert.equal(r2.code, 1);
    assert.equal(r2.stderr.trim(), `strata: error: ${error.message}`);
  });

  test('an app whose strata.yaml is broken is listed with its error, and its routes are 422', async () => {
    const cfg = join(dir, 'helm/applications/plate-cache/strata.yaml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('kind: App', 'kind: Ap'));
    const list = (await get(s.url, '/api/apps')).json();
    const broken = list.apps.find((a: { path: string }) => a.path === 'helm/applications/plate-cache');
    assert.match(broken.error, /strata\.yaml:\d+/);
    assert.equal((await get(s.url, `/api/apps/${broken.id}/render?env=stg`)).status, 422);
  });

  test('lint lists a planted finding as data: rule, severity, object and the values file:line', async () => {
    const values = join(dir, 'helm/applications/plate-api/values-prod.yaml');
    const text = readFileSync(values, 'utf8').replace('tag: 2.14.3', 'tag: latest');
    writeFileSync(values, text);
    const line = text.split('\n').findIndex((l) => l.includes('tag: latest')) + 1;
    const r = await get(s.url, '/api/apps/plate-api/lint?env=prod');
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    assert.equal(body.errors, 1);
    assert.deepEqual(
      body.findings.map((f: { severity: string; rule: string; object?: string; origin?: unknown }) => [
        f.severity,
        f.rule,
        f.object,
        f.origin,
      ]),
      [
        [
          'error',
          'image-tag-pinned',
          'Deployment/plate/plate-api',
          { file: 'helm/applications/plate-api/values-prod.yaml', line, column: 3 },
        ],
      ],
    );
    assert.equal(body.messages.length, 1);
    assert.match(body.messages[0], /^error image-tag-pinned Deployment\/plate\/plate-api .*values-prod\.yaml:\d+/);
  });

  test('never writes under ROOT', async () => {
    const snapshot = (): string[] => {
      const out: string[] = [];
      const walk = (d: string): void => {
        for (const n of readdirSync(d)) {
          const p = join(d, n);
          const st = statSync(p);
          out.push(`${p} ${st.mtimeMs} ${st.size}`);
          if (st.isDirectory()) walk(p);
        }
      };
      walk(dir);
      return out.sort();
    };
    const before = snapshot();
    for (const path of [
      '/api/apps',
      '/api/apps/plate-api/render?env=stg',
      '/api/apps/plate-api/values?env=stg&explain=1',
      '/metrics',
      '/',
    ]) {
      await get(s.url, path);
    }
    assert.deepEqual(snapshot(), before);
  });
});
