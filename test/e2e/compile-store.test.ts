import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { diskStore } from '../../src/io/compile-store.js';
import { cli, runCli } from '../helpers.js';

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

  it('a second run reads compiled templates and schemas and prints the same bytes', async () => {
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
    assert.ok(
      files.some((f) => f.startsWith('schema-')),
      'values schema stored',
    );
    const second = runCli(['render', API, '--env', 'prod'], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    // Without a store (in process, nothing read from or written to disk): the same bytes again.
    const off = await cli(['render', API, '--env', 'prod'], { env: { STRATA_CACHE_DIR: 'off' } });
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, first.stdout);
  });

  it('a stored schema still rejects what it should, and stored templates still name the line', () => {
    const env = { STRATA_CACHE_DIR: join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'c') };
    runCli(['render', API, '--env', 'prod'], { env });
    const typo = runCli(['render', API, '--env', 'prod', '--set', 'replicaCountt=3'], { env });
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /unknown field "replicaCountt"/);
    const missing = runCli(['render', API, '--env', 'prod', '--set', 'image=null'], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /templates\/service\/[\w.]+\.hbs:\d+: missing value "values\.image\.\w+" \("values\.image" is not defined\)/);
  });
});
