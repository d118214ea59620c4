// `render --all --output-dir DIR [--check]`: deterministic files, stale removal limited to what strata
// recorded, symlinks never followed, paths confined to DIR. Run: node --import tsx --test test/diff-output-dir.test.ts
import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { manifestPath, RECORD_FILE } from '../src/cli/output-dir.js';
import { cli, makeRepo } from './helpers.js';

const APP = (envs: string) =>
  `apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [${envs}]\n  namespace: demo\n  layers: [values.yaml]\n  templates: ../../templates\n`;
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{app.name}}\ndata:\n  v: {{quote values.v}}\n';

const temps: string[] = [];
after(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function repo(): string {
  const root = makeRepo({
    'templates/cm.yaml.hbs': CM,
    'apps/a/strata.yaml': APP('stg, prod'),
    'apps/a/values.yaml': 'v: a\n',
    'apps/b/strata.yaml': APP('prod'),
    'apps/b/values.yaml': 'v: b\n',
  });
  temps.push(root);
  return root;
}

describe('render --all --output-dir', () => {
  test('writes DIR/<env>/<app dir>/manifests.yaml, byte-identical to render, and again is a no-op', async () => {
    const root = repo();
    const r = await cli(['render', '--all', '--output-dir', 'out'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /3 manifests in .*out: 3 written, 0 stale removed/);
    for (const [env, app] of [
      ['stg', 'apps/a'],
      ['prod', 'apps/a'],
      ['prod', 'apps/b'],
    ] as const) {
      const single = await cli(['render', app, '--env', env], { cwd: root });
      assert.equal(readFileSync(join(root, 'out', env, app, 'manifests.yaml'), 'utf8'), single.stdout);
    }
    assert.equal(
      readFileSync(join(root, 'out', RECORD_FILE), 'utf8'),
      'prod/apps/a/manifests.yaml\nprod/apps/b/manifests.yaml\nstg/apps/a/manifests.yaml\n',
    );
    const again = await cli(['render', '--all', '--output-dir', 'out'], { cwd: root });
    assert.match(again.stderr, /0 written, 0 stale removed/);
    assert.deepEqual(await cli(['render', '--all', '--output-dir', 'out', '--check'], { cwd: root }), {
      code: 0,
      stdout: '',
      stderr: '',
    });
  });

  test('--check lists missing, different and stale files and exits 1; writes nothing', async () => {
    const root = repo();
    await cli(['render', '--all', '--output-dir', 'out'], { cwd: root });
    writeFileSync(join(root, 'apps/a/values.yaml'), 'v: changed\n');
    rmSync(join(root, 'apps/b'), { recursive: true });
    writeFileSync(join(root, 'apps/a/strata.yaml'), APP('stg, prod, qa'));
    const before = readFileSync(join(root, 'out/prod/apps/a/manifests.yaml'), 'utf8');
    const r = await cli(['render', '--all', '--output-dir', 'out', '--check'], { cwd: root });
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      'prod/apps/a/manifests.yaml\nprod/apps/b/manifests.yaml\nqa/apps/a/manifests.yaml\nstg/apps/a/manifests.yaml\n',
    );
    assert.equal(readFileSync(join(root, 'out/prod/apps/a/manifests.yaml'), 'utf8'), before);
    assert.equal(existsSync(join(root, 'out/qa')), false);
    assert.equal((await cli(['render', '--all', '--output-dir', 'missing-dir', '--check'], { cwd: root })).code, 1);
    assert.equal(existsSync(join(root, 'missing-dir')), false);
  });

  test('stale files strata wrote are removed (and the folders that emptied); anything else stays', async () => {
    const root = repo();
    await cli(['render', '--all', '--output-dir', 'out'], { cwd: root });
    writeFileSync(join(root, 'out/prod/apps/b/notes.txt'), 'mine');
    mkdirSync(join(root, 'out/prod/apps/hand'), { recursive: true });
    writeFileSync(join(root, 'out/prod/apps/hand/manifests.yaml'), 'hand-written, never recorded');
    rmSync(join(root, 'apps/b'), { recursive: true });
    writeFileSync(join(root, 'apps/a/strata.yaml'), APP('prod'));
    const r = await cli(['render', '--all', '--output-dir', 'out'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /1 manifests in .*: 0 written, 2 stale removed/);
    assert.equal(existsSync(join(root, 'out/prod/apps/b/manifests.yaml')), false);
    assert.equal(readFileSync(join(root, 'out/prod/apps/b/notes.txt'), 'utf8'), 'mine'); // its folder is not empty: kept
    assert.equal(existsSync(join(root, 'out/stg')), false); // emptied by the removal
    assert.equal(readFileSync(join(root, 'out/prod/apps/hand/manifests.yaml'), 'utf8'), 'hand-written, never recorded');
  });

  test('--env and ROOT limit what counts as stale to their environments and folder', async () => {
    const root = repo();
    await cli(['render', '--all', '--output-dir', 'out'], { cwd: root });
    writeFileSync(join(root, 'apps/b/strata.yaml'), APP('stg'));
    const r = await cli(['render', '--all', '--env', 'stg', '--output-dir', 'out'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(root, 'out/prod/apps/b/manifests.yaml'))); // prod was not part of this run
    assert.ok(existsSync(join(root, 'out/stg/apps/b/manifests.yaml')));
    const sub = await cli(['render', '--all', '--env', 'prod', '--output-dir', 'out', 'apps/a'], { cwd: root });
    assert.equal(sub.code, 0, sub.stderr);
    assert.ok(existsSync(join(root, 'out/prod/apps/b/manifests.yaml'))); // outside ROOT apps/a: not this run's
  });

  test('a failing render writes nothing', async () => {
    const root = repo();
    writeFileSync(join(root, 'apps/b/values.yaml'), 'other: 1\n');
    const r = await cli(['render', '--all', '--output-dir', 'out'], { cwd: root });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /a render failed; nothing written: apps\/b \(prod\)/);
    assert.equal(existsSync(join(root, 'out')), false);
  });
});

// DIR is outside the repository here: inside it, a link out of the root already stops discovery (DiskFs).
function outDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'strata-out-'));
  temps.push(d);
  return join(d, 'out');
}

describe('render --output-dir: hostile folders', () => {
  test('a symlink inside DIR where a folder goes is refused; nothing is written through it', async () => {
    const root = repo();
    const out = outDir();
    const outside = mkdtempSync(join(tmpdir(), 'strata-outside-'));
    temps.push(outside);
    mkdirSync(out);
    symlinkSync(outside, join(out, 'prod'));
    const r = await cli(['render', '--all', '--output-dir', out], { cwd: root });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /out\/prod is a symlink; refusing to write through it/);
    assert.equal(r.stdout, '');
    assert.equal(existsSync(join(outside, 'apps')), false);
  });

  test('a symlinked manifest is not replaced, a recorded path through a link or with .. is never removed', async () => {
    const root = repo();
    const out = outDir();
    const outside = mkdtempSync(join(tmpdir(), 'strata-outside-'));
    temps.push(outside);
    writeFileSync(join(outside, 'manifests.yaml'), 'precious');
    mkdirSync(join(out, 'stg/apps/a'), { recursive: true });
    symlinkSync(join(outside, 'manifests.yaml'), join(out, 'stg/apps/a/manifests.yaml'));
    const r = await cli(['render', '--all', '--output-dir', out], { cwd: root });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not a regular file \(a symlink or folder\); refusing to replace it/);
    assert.equal(readFileSync(join(outside, 'manifests.yaml'), 'utf8'), 'precious');

    rmSync(out, { recursive: true });
    mkdirSync(join(out, 'prod'), { recursive: true });
    symlinkSync(outside, join(out, 'prod/link'));
    writeFileSync(
      join(out, RECORD_FILE),
      `prod/link/manifests.yaml\nprod/../../${outside.slice(1)}/manifests.yaml\n../manifests.yaml\n`,
    );
    writeFileSync(join(out, '..', 'manifests.yaml'), 'beside DIR');
    const ok = await cli(['render', '--all', '--env', 'stg', '--output-dir', out], { cwd: root });
    assert.equal(ok.code, 0, ok.stderr);
    const ok2 = await cli(['render', '--all', '--output-dir', out], { cwd: root });
    assert.equal(ok2.code, 0, ok2.stderr);
    assert.equal(readFileSync(join(outside, 'manifests.yaml'), 'utf8'), 'precious');
    assert.equal(readFileSync(join(out, '..', 'manifests.yaml'), 'utf8'), 'beside DIR');
    assert.ok(lstatSync(join(out, 'prod/link')).isSymbolicLink());
  });

  test('names that cannot be a folder under DIR are refused', () => {
    assert.deepEqual(manifestPath('prod', 'apps/a'), ['prod', 'apps', 'a', 'manifests.yaml']);
    assert.deepEqual(manifestPath('prod', ''), ['prod', 'manifests.yaml']);
    for (const [env, app] of [
      ['prod', 'apps/../../x'],
      ['..', 'a'],
      ['prod', 'a//b'],
      ['prod', 'a/./b'],
      ['prod', 'a\\..\\b'],
      ['prod', 'a/\nb'],
    ]) {
      assert.throws(() => manifestPath(env, app), /cannot name a folder under the output directory/);
    }
  });

  test('--check without --output-dir, --output-dir without --all: usage errors', async () => {
    const root = repo();
    assert.equal((await cli(['render', '--all', '--env', 'prod', '--check'], { cwd: root })).code, 2);
    assert.equal((await cli(['render', 'apps/a', '--env', 'prod', '--output-dir', 'out'], { cwd: root })).code, 2);
  });
});
