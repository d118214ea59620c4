import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkedBody, diskStore, sealed } from '../../src/io/compile-store.js';
import { TemplateSet } from '../../src/core/templates.js';
import type { CompiledStore, RenderState } from '../../src/core/templates.js';
import { cli, makeRepo, minimalApp, runCli } from '../helpers.js';

const API = 'examples/plate/helm/applications/plate-api';

describe('compiled code kept between runs', () => {
  it('stores and returns values in a private folder', () => {
    const base = join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'cache');
    const store = diskStore({ STRATA_CACHE_DIR: base }, 'ns')!;
    assert.ok(store);
    assert.equal(store.get('k'), undefined);
    store.set('k', 'code');
    assert.equal(store.get('k'), 'code');
    assert.deepEqual(readdirSync(join(base, 'ns')), ['k.js']);
  });

  it('never returns a file whose digest does not match its namespace, key and body (cut short, swapped, edited, another build)', () => {
    const base = join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'cache');
    const store = diskStore({ STRATA_CACHE_DIR: base }, 'ns')!;
    const file = (k: string): string => join(base, 'ns', `${k}.js`);
    store.set('a', 'return 1;');
    store.set('b', 'return 2;');
    const a = readFileSync(file('a'), 'utf8');
    assert.match(a, /^strata-compiled-v1 [0-9a-f]{64}\nreturn 1;$/);
    // Cut short (a full disk, a crash between write and rename on another file system).
    writeFileSync(file('a'), a.slice(0, -2));
    assert.equal(store.get('a'), undefined);
    assert.ok(!existsSync(file('a')), 'a bad file is removed, so the next compile rewrites it');
    // Swapped: b's file under a's name is not a's code, even though it is a valid file of this store.
    renameSync(file('b'), file('a'));
    assert.equal(store.get('a'), undefined);
    // Edited body, and a bare body without the header (what stores before issue 21 wrote).
    store.set('a', 'return 1;');
    writeFileSync(file('a'), readFileSync(file('a'), 'utf8').replace('return 1;', 'return 9;'));
    assert.equal(store.get('a'), undefined);
    writeFileSync(file('a'), 'return 1;');
    assert.equal(store.get('a'), undefined);
    // Written by another build (namespace): not this build's code.
    writeFileSync(file('a'), sealed('other-build', 'a', 'return 1;'));
    assert.equal(store.get('a'), undefined);
    store.set('a', 'return 1;');
    assert.equal(store.get('a'), 'return 1;');
    // The check itself, on the text: every single-character cut of a sealed text is refused.
    const text = sealed('ns', 'k', 'body\nline');
    assert.equal(checkedBody('ns', 'k', text), 'body\nline');
    for (let i = 0; i < text.length; i++)
      assert.equal(checkedBody('ns', 'k', text.slice(0, i) + text.slice(i + 1)), undefined, `cut at ${i}`);
    assert.equal(checkedBody('ns', 'k2', text), undefined);
  });

  it('refuses keys that are not plain file names', () => {
    const base = join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'cache');
    const store = diskStore({ STRATA_CACHE_DIR: base }, 'ns')!;
    for (const key of ['../x', 'a/b', 'a.b', '', 'x'.repeat(129)]) {
      store.set(key, 'code');
      assert.equal(store.get(key), undefined, key);
    }
    assert.deepEqual(readdirSync(join(base, 'ns')), []);
  });

  it('a template key covers its path: the same text at two paths never shares compiled code', () => {
    // The compiled code embeds the template's path (in every error it can raise), so a key without the path
    // would make the second template report the first one's file. src/core/template/set.ts.
    const entries = new Map<string, string>();
    const store: CompiledStore = { get: (k) => entries.get(k), set: (k, v) => void entries.set(k, v) };
    const text = 'a: {{values.missing}}\n';
    const errorOf = (path: string): string => {
      const set = new TemplateSet([{ path, kind: 'template', name: 'x' }], new Map([[path, text]]), store);
      const state: RenderState = { template: path, emitted: [], log: () => {} };
      try {
        set.render(path, { values: {} }, state);
      } catch (e) {
        return String(e);
      }
      return 'rendered';
    };
    assert.match(errorOf('one/templates/x.yaml.hbs'), /^one\/templates\/x\.yaml\.hbs:1: missing value/);
    assert.match(errorOf('two/templates/x.yaml.hbs'), /^two\/templates\/x\.yaml\.hbs:1: missing value/);
    assert.equal(entries.size, 2);
  });

  it('is off for STRATA_CACHE_DIR=off, a folder others can write, or a symlink', () => {
    assert.equal(diskStore({ STRATA_CACHE_DIR: 'off' }, 'ns'), undefined);
    const shared = mkdtempSync(join(tmpdir(), 'strata-store-'));
    chmodSync(shared, 0o777);
    assert.equal(diskStore({ STRATA_CACHE_DIR: shared }, 'ns'), undefined);
    const target = mkdtempSync(join(tmpdir(), 'strata-store-'));
    const link = join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'link');
    symlinkSync(target, link);
    assert.equal(diskStore({ STRATA_CACHE_DIR: link }, 'ns'), undefined);
  });

  it('a second run reads compiled templates and prints the same bytes', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'c');
    const env = { STRATA_CACHE_DIR: dir };
    const first = runCli(['render', API, '--env', 'prod'], { env });
    assert.equal(first.code, 0, first.stderr);
    const [ns] = readdirSync(dir).filter((d) => d !== 'v8');
    const files = readdirSync(join(dir, ns));
    assert.ok(
      files.some((f) => f.startsWith('hbs-')),
      'templates stored',
    );
    // Ajv's validators are never stored (issue 21 §1: its code can carry a schema's $id unquoted).
    assert.ok(!files.some((f) => f.startsWith('schema-')), 'no schema code stored');
    const second = runCli(['render', API, '--env', 'prod'], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    // Without a store (in process, nothing read from or written to disk): the same bytes again.
    const off = await cli(['render', API, '--env', 'prod'], { env: { STRATA_CACHE_DIR: 'off' } });
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, first.stdout);
  });

  it('a second run still applies the values schema, and stored templates still name the line', () => {
    const env = { STRATA_CACHE_DIR: join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'c') };
    runCli(['render', API, '--env', 'prod'], { env });
    const typo = runCli(['render', API, '--env', 'prod', '--set', 'replicaCountt=3'], { env });
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /unknown field "replicaCountt"/);
    const missing = runCli(['render', API, '--env', 'prod', '--set', 'image=null'], { env });
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /templates\/service\/[\w.]+\.hbs:\d+: missing value "values\.image\.\w+" \("values\.image" is not defined\)/,
    );
  });

  it('a stored template whose file was replaced is compiled again, not run', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'c');
    const env = { STRATA_CACHE_DIR: dir };
    const first = runCli(['render', API, '--env', 'prod'], { env });
    assert.equal(first.code, 0, first.stderr);
    const [ns] = readdirSync(dir).filter((d) => d !== 'v8');
    const marker = join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'ran');
    const templates = readdirSync(join(dir, ns)).filter((f) => f.startsWith('hbs-'));
    assert.ok(templates.length > 0);
    for (const f of templates) {
      // Keeps the header line (a digest of the old body): what a swapped or tampered file looks like.
      const text = readFileSync(join(dir, ns, f), 'utf8');
      const payload = `(process.mainModule.require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'), {})`;
      writeFileSync(join(dir, ns, f), text.slice(0, text.indexOf('\n') + 1) + payload);
    }
    const second = runCli(['render', API, '--env', 'prod'], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.ok(!existsSync(marker), 'a stored file that does not match its digest was run');
    assert.equal(second.stdout, first.stdout);
  });

  it('a values schema whose $id closes a comment runs in no process, and nothing of it is stored', () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'ran');
    // Single quotes: Ajv JSON-quotes the $id, which would escape double quotes but leaves `*/` and `'` as is.
    const id = `http://x/*/process.mainModule.require('fs').writeFileSync('${marker}','x');/*`;
    const schema = { $id: id, type: 'object', properties: { replicas: { type: 'integer' } } };
    const root = makeRepo(minimalApp({ 'app/values.schema.json': JSON.stringify(schema) }));
    const dir = join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'c');
    for (let run = 0; run < 2; run++) {
      const r = runCli(['render', 'app', '--env', 'stg', '--set', 'replicas=x'], {
        cwd: root,
        env: { STRATA_CACHE_DIR: dir },
      });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /replicas.*must be integer/);
      assert.ok(!existsSync(marker), `the $id ran as code (run ${run + 1})`);
    }
    const [ns] = readdirSync(dir).filter((d) => d !== 'v8');
    for (const f of readdirSync(join(dir, ns))) {
      assert.ok(f.startsWith('hbs-'), `only templates are stored: ${f}`);
      assert.ok(!readFileSync(join(dir, ns, f), 'utf8').includes('writeFileSync'), `schema text stored in ${f}`);
    }
  });
});
