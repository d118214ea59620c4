// issue 10 §2 and §6, the in-process parts: bounded reads, global limit flags, the bounded compile cache,
// symlink loops in batch walks. The real-process parts (hangs, memory, signals) are in test/hostile/.
// Run: node --import tsx --test test/process-hardening.test.ts
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  ftruncateSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, mock, test } from 'node:test';
import { globalLimits } from '../src/cli/main.js';
import { DEFAULT_RENDER_LIMITS } from '../src/core/limits.js';
import { BoundedReadError, readBounded } from '../src/io/bounded-read.js';
import { diskStore, enforceCacheBudget } from '../src/io/compile-store.js';
import { DiskFs } from '../src/io/disk-fs.js';
import { cli, makeRepo, minimalApp, REPO } from './helpers.js';

describe('bounded reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-read-'));

  test('a regular file under the cap is read whole', () => {
    writeFileSync(join(dir, 'ok.yaml'), 'a: 1\n');
    assert.equal(readBounded(join(dir, 'ok.yaml'), 100).toString(), 'a: 1\n');
  });

  test('a 1.5 GB sparse file is refused on its size, without reading a byte of it', () => {
    const fd = openSync(join(dir, 'sparse.yaml'), 'w');
    ftruncateSync(fd, 1500 * 1024 * 1024);
    closeSync(fd);
    // bounded-read.ts calls readSync through node:fs's exports (its import compiles to a property read), so
    // counting calls there sees every read it makes.
    const reads = mock.method(createRequire(__filename)('node:fs') as typeof import('node:fs'), 'readSync');
    try {
      assert.throws(
        () => readBounded(join(dir, 'sparse.yaml'), DEFAULT_RENDER_LIMITS.fileBytes),
        (e: unknown) =>
          e instanceof BoundedReadError && /file is 1572864000 bytes, over the 4194304-byte limit/.test(e.message),
      );
      assert.equal(reads.mock.callCount(), 0, 'refused before reading');
      // The probe sees reads: a small file is read through it.
      writeFileSync(join(dir, 'small.yaml'), 'a: 1\n');
      readBounded(join(dir, 'small.yaml'), DEFAULT_RENDER_LIMITS.fileBytes);
      assert.ok(reads.mock.callCount() > 0, 'the probe counts reads');
    } finally {
      reads.mock.restore();
    }
  });

  test('FIFOs and devices are refused without blocking', () => {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    assert.throws(() => readBounded(join(dir, 'pipe')), /is a FIFO, not a regular file/);
    assert.throws(() => readBounded('/dev/zero'), /is a character device/);
    assert.throws(() => readBounded(dir), /is a directory/);
  });

  test('DiskFs names the repository file and keeps its cap', () => {
    const root = makeRepo({ 'big.yaml': 'x'.repeat(2000) });
    assert.throws(() => new DiskFs(root, { maxFileBytes: 1000 }).readFile('big.yaml'), /over the 1000-byte limit/);
    assert.equal(new DiskFs(root).readFile('big.yaml').length, 2000);
  });
});

describe('global limit flags', () => {
  test('are taken out of argv on any command, in both spellings, flags over env', () => {
    const r = globalLimits(
      ['app', '--max-file-bytes', '10', '--env', 'stg', '--git-timeout-ms=7', '--', '--max-nesting', '3'],
      { STRATA_MAX_FILE_BYTES: '99', STRATA_MAX_NESTING: '5' },
    );
    assert.deepEqual(r.argv, ['app', '--env', 'stg', '--', '--max-nesting', '3']);
    assert.equal(r.limits.fileBytes, 10);
    assert.equal(r.limits.gitMs, 7);
    assert.equal(r.limits.nestingDepth, 5, 'after --, not a flag');
    assert.equal(r.limits.heapMb, DEFAULT_RENDER_LIMITS.heapMb);
  });

  test('a bad value is a usage error that names the flag, not the value', async () => {
    const r = await cli(['envs', 'app', '--max-output-bytes', 'lots'], { cwd: mkdtempSync(join(tmpdir(), 'strata-')) });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'strata envs: --max-output-bytes must be a positive whole number\n');
    const missing = await cli(['envs', '--max-output-bytes'], { cwd: mkdtempSync(join(tmpdir(), 'strata-')) });
    assert.equal(missing.code, 2);
  });

  test('--max-file-bytes reaches -f reads', async () => {
    const root = makeRepo({ ...minimalApp(), 'extra.yaml': `name: ${'x'.repeat(500)}\n` });
    const ok = await cli(['render', 'app', '--env', 'stg', '-f', 'extra.yaml'], { cwd: root });
    assert.equal(ok.code, 0, ok.stderr);
    const r = await cli(['render', 'app', '--env', 'stg', '--max-file-bytes', '100', '-f', 'extra.yaml'], {
      cwd: root,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /extra\.yaml: file is 507 bytes, over the 100-byte limit/);
  });
});

describe('the compile cache is bounded', () => {
  test('a process that writes many entries keeps the folder within a quarter over the cap', () => {
    const base = join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'c');
    const store = diskStore({ STRATA_CACHE_DIR: base }, 'ns', 10_000)!;
    const size = (): number =>
      readdirSync(join(base, 'ns')).reduce((n, f) => n + statSync(join(base, 'ns', f)).size, 0);
    let max = 0;
    for (let i = 0; i < 60; i++) {
      store.set(`k${i}`, String(i % 10).repeat(1000));
      max = Math.max(max, size());
    }
    assert.ok(max <= 12_500 + 1000, `the folder reached ${max} bytes`);
    assert.ok(size() <= 12_500, `the folder ends at ${size()} bytes`);
    assert.equal(store.get('k59'), '9'.repeat(1000), 'the newest entry stays');
  });

  test('least recently used files go first, down to 3/4 of the cap', () => {
    const base = join(mkdtempSync(join(tmpdir(), 'strata-store-')), 'c');
    const store = diskStore({ STRATA_CACHE_DIR: base }, 'ns', 10_000)!;
    // Older builds' namespaces and V8's cache count too.
    mkdirSync(join(base, 'v8', 'abc'), { recursive: true });
    writeFileSync(join(base, 'v8', 'abc', 'blob'), 'v'.repeat(3000));
    mkdirSync(join(base, 'old-build'));
    writeFileSync(join(base, 'old-build', 'hbs-x.js'), 'o'.repeat(3000));
    const old = new Date(Date.now() - 3600_000);
    utimesSync(join(base, 'v8', 'abc', 'blob'), old, old);
    utimesSync(join(base, 'old-build', 'hbs-x.js'), old, old);
    for (let i = 0; i < 6; i++) {
      store.set(`k${i}`, String(i).repeat(1000));
      const t = new Date(Date.now() - (600 - i) * 1000);
      utimesSync(join(base, 'ns', `k${i}.js`), t, t);
    }
    assert.equal(store.get('k0'), '0'.repeat(1000)); // a hit makes k0 the most recently used
    store.set('k6', '6'.repeat(4500));
    const size = (d: string): number =>
      readdirSync(d, { withFileTypes: true }).reduce(
        (n, e) => n + (e.isDirectory() ? size(join(d, e.name)) : statSync(join(d, e.name)).size),
        0,
      );
    assert.ok(size(base) <= 7500, `folder is ${size(base)} bytes`);
    assert.equal(store.get('k6'), '6'.repeat(4500), 'the newest entry stays');
    assert.equal(store.get('k0'), '0'.repeat(1000), 'a recently read entry stays');
    assert.equal(store.get('k1'), undefined, 'the least recently used entry went');
    assert.deepEqual(readdirSync(join(base, 'old-build')), []);
    assert.equal(enforceCacheBudget(base, 1_000_000), 0);
  });
});

describe('symlink loops in batch walks', () => {
  test('render --all and lint --all skip them with a warning', async () => {
    const root = makeRepo({ ...minimalApp(), 'other/readme.txt': 'x' });
    symlinkSync('self', join(root, 'other', 'self'));
    symlinkSync('b', join(root, 'other', 'a'));
    symlinkSync('a', join(root, 'other', 'b'));
    symlinkSync('..', join(root, 'other', 'up')); // back to the root: would walk forever, or find app twice
    const r = await cli(['render', '--all', '--env', 'stg', '.'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.match(/kind: ConfigMap/g) ?? []).length, 1, 'the app once');
    assert.match(r.stderr, /warning: skipped other\/self: symlink loop/);
    assert.match(r.stderr, /warning: skipped other\/up: same directory as \. through a symlink/);
    const l = await cli(['lint', '--all', '--env', 'stg', '.'], { cwd: root });
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stderr, /warning: skipped other\/a: symlink loop/);
  });
});

describe('bin/strata starts Node with the heap ceiling', () => {
  // A stand-in `node` first on PATH prints the arguments it was given: the launcher's logic without a Node start.
  const fake = mkdtempSync(join(tmpdir(), 'strata-fake-node-'));
  writeFileSync(join(fake, 'node'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
  chmodSync(join(fake, 'node'), 0o755);
  const link = join(fake, 'strata');
  symlinkSync(join(REPO, 'bin', 'strata'), link);
  const launch = (args: string[], env: Record<string, string> = {}): string[] =>
    spawnSync(link, args, { env: { PATH: `${fake}:/usr/bin:/bin`, ...env }, encoding: 'utf8' })
      .stdout.trim()
      .split('\n');

  test('default, variable, flag (both spellings, flag wins), after --, bad values', () => {
    const [flag, script, ...rest] = launch(['render', 'app']);
    assert.equal(flag, '--max-old-space-size=1024');
    assert.equal(script, `${REPO}/bin/../dist/strata.js`, 'found through the symlink');
    assert.deepEqual(rest, ['render', 'app'], 'arguments passed on unchanged');
    assert.equal(launch([], { STRATA_MAX_HEAP_MB: '300' })[0], '--max-old-space-size=300');
    assert.equal(
      launch(['render', '--max-heap-mb', '200'], { STRATA_MAX_HEAP_MB: '300' })[0],
      '--max-old-space-size=200',
    );
    assert.equal(launch(['render', '--max-heap-mb=150'])[0], '--max-old-space-size=150');
    assert.equal(launch(['render', '--', '--max-heap-mb', '5'])[0], '--max-old-space-size=1024');
    assert.equal(
      launch(['render', '--max-heap-mb', '1; touch x'])[0],
      '--max-old-space-size=1024',
      'strata itself reports the bad value',
    );
    assert.equal(launch([], { STRATA_MAX_HEAP_MB: '999999999999' })[0], '--max-old-space-size=1024');
  });
});

describe('DiskFs lookups of missing, dangling, looping and escaping paths', () => {
  const root = mkdtempSync(join(tmpdir(), 'strata-diskfs-'));
  mkdirSync(join(root, 'dir'));
  writeFileSync(join(root, 'dir', 'file.yaml'), 'a: 1\n');
  symlinkSync('nowhere.yaml', join(root, 'dangling.yaml'));
  symlinkSync('loop', join(root, 'loop'));
  symlinkSync('/etc', join(root, 'out'));

  test('each answer, with the immutable memo and without', () => {
    for (const immutable of [false, true]) {
      const fs = new DiskFs(root, { immutable });
      assert.equal(fs.stat('dir/file.yaml'), 'file');
      assert.equal(fs.stat('dir/missing.yaml'), undefined);
      assert.equal(fs.stat('missing/deeper/file.yaml'), undefined);
      assert.equal(fs.stat('dir/file.yaml/below'), undefined, 'a file used as a folder (ENOTDIR) is missing');
      assert.throws(() => fs.stat('dangling.yaml'), /symlink points to nothing/);
      assert.throws(() => fs.stat('loop'), /symlink loop/);
      assert.throws(() => fs.stat('loop/below.yaml'), /symlink loop/);
      assert.throws(() => fs.stat('out/hostname'), /resolves outside the repository root/);
      assert.equal(fs.stat('out/no-such-file'), undefined, 'a missing path behind an escaping link reads nothing');
    }
  });
});
