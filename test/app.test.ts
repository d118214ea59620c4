// The loaded App (src/core/app.ts): one load of strata.yaml, the one environment resolver, layer files per
// environment, the templates folder, the static inputs; and render() taking it without loading again.
// Run: node --import tsx --test test/app.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appOnFs, loadApp } from '../src/core/app.js';
import { UserError } from '../src/core/errors.js';
import { MemoryFs } from '../src/core/fs.js';
import { createCaches, render, resolveValues } from '../src/core/render.js';
import { RecordingFs } from '../src/io/recording-fs.js';

const CONFIG = [
  'apiVersion: strata.dev/v1',
  'kind: App',
  'metadata:',
  '  name: web',
  'spec:',
  '  environments: [stg, prod]',
  '  defaultEnvironment: stg',
  '  layers:',
  '    - values.yaml',
  '    - path: values-{env}.yaml',
  '      optional: true',
  '    - path: ../shared/{env}.yaml',
  '      optional: true',
  '',
].join('\n');

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.name}}\ndata:\n  tag: {{quote values.tag}}\n';

function repo(extra: Record<string, string> = {}): MemoryFs {
  return new MemoryFs({
    'apps/web/strata.yaml': CONFIG,
    'apps/web/values.yaml': 'name: web\ntag: v1\n',
    'apps/web/values-prod.yaml': 'tag: v2\n',
    'apps/shared/stg.yaml': 'tag: v0\n',
    'apps/web/templates/cm.yaml.hbs': CM,
    ...extra,
  });
}

/** Where a UserError points, and its message: what the CLI prints before and after the colon. */
function where(fn: () => unknown): { message: string; file?: string; line?: number; path?: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return { message: e.message, file: e.where?.file, line: e.where?.line, path: e.where?.path };
  }
  assert.fail('expected an error');
}

describe('loadApp', () => {
  test('holds the parsed strata.yaml and the file system it came from', () => {
    const fs = repo();
    const app = loadApp(fs, 'apps/web');
    assert.equal(app.fs, fs);
    assert.equal(app.config.name, 'web');
    assert.equal(app.config.file, 'apps/web/strata.yaml');
    assert.deepEqual(app.config.environments, ['stg', 'prod']);
  });

  test('a directory without strata.yaml is the usual error', () => {
    assert.deepEqual(
      where(() => loadApp(repo(), 'apps')),
      { message: 'no strata.yaml here: is this an app directory?', file: 'apps', line: undefined, path: undefined },
    );
  });

  test('through a parse cache, strata.yaml is parsed once for every load', () => {
    const fs = repo();
    const caches = createCaches({ immutable: true });
    assert.deepEqual(loadApp(fs, 'apps/web', caches.parsed).config, loadApp(fs, 'apps/web', caches.parsed).config);
    const rec = new RecordingFs(fs, () => 'x');
    loadApp(rec, 'apps/web', caches.parsed);
    assert.deepEqual(
      rec.reads.filter((r) => r.op === 'file'),
      [],
      'served from the cache',
    );
  });
});

describe('App.environment: the one resolver', () => {
  const app = loadApp(repo(), 'apps/web');

  test('the name asked for, else spec.defaultEnvironment', () => {
    assert.equal(app.environment('prod'), 'prod');
    assert.equal(app.environment(), 'stg');
    assert.equal(app.environment(undefined), 'stg');
  });

  test('an unknown name: one wording, at spec.environments in strata.yaml', () => {
    assert.deepEqual(
      where(() => app.environment('dev')),
      {
        message: 'unknown environment "dev": this app declares stg, prod',
        file: 'apps/web/strata.yaml',
        line: 6,
        path: '.spec.environments',
      },
    );
    // The same wording whichever entry point asks (howToGive only words the "no environment" case).
    assert.equal(
      where(() => app.environment('dev', 'pass ?env=')).message,
      'unknown environment "dev": this app declares stg, prod',
    );
  });

  test('no name and no default: says how this entry point takes one', () => {
    const bare = loadApp(
      repo({ 'apps/web/strata.yaml': CONFIG.replace('  defaultEnvironment: stg\n', '') }),
      'apps/web',
    );
    assert.equal(
      where(() => bare.environment()).message,
      'no environment: pass --env (one of stg, prod), or set spec.defaultEnvironment',
    );
    assert.equal(
      where(() => bare.environment(undefined, 'pass ?env=')).message,
      'no environment: pass ?env= (one of stg, prod), or set spec.defaultEnvironment',
    );
  });
});

describe('App.layerFiles', () => {
  test('{env} substituted, in merge order, missing optional layers dropped, paths above the app allowed', () => {
    const app = loadApp(repo(), 'apps/web');
    assert.deepEqual(app.layerFiles('stg'), ['apps/web/values.yaml', 'apps/shared/stg.yaml']);
    assert.deepEqual(app.layerFiles('prod'), ['apps/web/values.yaml', 'apps/web/values-prod.yaml']);
  });

  test('resolved once per environment: a second ask reads nothing', () => {
    const rec = new RecordingFs(repo(), () => 'x');
    const app = loadApp(rec, 'apps/web');
    const first = app.layerFiles('prod');
    const reads = rec.reads.length;
    assert.equal(app.layerFiles('prod'), first);
    assert.equal(rec.reads.length, reads);
    app.layerFiles('stg');
    assert.ok(rec.reads.length > reads, 'another environment is resolved on its own');
  });

  test('a missing required layer, a directory, a path out of the repository: errors at the layer', () => {
    const missing = loadApp(
      repo({ 'apps/web/strata.yaml': CONFIG.replace('    - values.yaml', '    - base.yaml') }),
      'apps/web',
    );
    assert.deepEqual(
      where(() => missing.layerFiles('stg')),
      {
        message: 'layer "base.yaml" (apps/web/base.yaml) does not exist; mark it `optional: true` if it may be absent',
        file: 'apps/web/strata.yaml',
        line: 9,
        path: '.spec.layers[0]',
      },
    );
    const dir = loadApp(
      repo({ 'apps/web/strata.yaml': CONFIG.replace('    - values.yaml', '    - templates') }),
      'apps/web',
    );
    assert.equal(
      where(() => dir.layerFiles('stg')).message,
      'layer "templates" is a directory, expected a values file',
    );
    const out = loadApp(
      repo({ 'apps/web/strata.yaml': CONFIG.replace('    - values.yaml', '    - ../../../x.yaml') }),
      'apps/web',
    );
    assert.deepEqual(
      where(() => out.layerFiles('stg')),
      {
        message: 'path "../../../x.yaml" leaves the repository root',
        file: 'apps/web/strata.yaml',
        line: 9,
        path: '.spec.layers[0]',
      },
    );
  });
});

describe('App.templatesDir and App.inputs', () => {
  test('the templates folder, and the static inputs of an environment', () => {
    const app = loadApp(repo(), 'apps/web');
    assert.equal(app.templatesDir(), 'apps/web/templates');
    assert.deepEqual(app.inputs('prod'), [
      'apps/web/strata.yaml',
      'apps/web/values.yaml',
      'apps/web/values-prod.yaml',
      'apps/web/templates',
    ]);
  });

  test('a templates path out of the repository: an error at .spec.templates, only when the folder is asked for', () => {
    const fs = repo({ 'apps/web/strata.yaml': CONFIG + '  templates: ../../../t\n' });
    const app = loadApp(fs, 'apps/web');
    assert.deepEqual(
      where(() => app.templatesDir()),
      {
        message: 'path "../../../t" leaves the repository root',
        file: 'apps/web/strata.yaml',
        line: 14,
        path: '.spec.templates',
      },
    );
    // Values need no templates: they still merge.
    assert.deepEqual(resolveValues({ app, env: 'prod' }).merged.values, { name: 'web', tag: 'v2' });
    assert.equal(where(() => render({ app, env: 'prod' })).path, '.spec.templates');
    assert.equal(where(() => app.inputs('prod')).path, '.spec.templates');
  });
});

describe('appOnFs', () => {
  test('the same strata.yaml read through another tree (diff --all): layers and templates come from that tree', () => {
    const now = loadApp(repo(), 'apps/web');
    const other = repo({ 'apps/web/values-stg.yaml': 'tag: v9\n' });
    const then = appOnFs(other, now.config);
    assert.equal(then.config, now.config);
    assert.equal(then.fs, other);
    assert.deepEqual(then.layerFiles('stg'), [
      'apps/web/values.yaml',
      'apps/web/values-stg.yaml',
      'apps/shared/stg.yaml',
    ]);
    assert.deepEqual(now.layerFiles('stg'), ['apps/web/values.yaml', 'apps/shared/stg.yaml']);
  });
});

describe('render takes a loaded App', () => {
  test('and reads strata.yaml and the layer list no second time', () => {
    const rec = new RecordingFs(repo(), () => 'x');
    const app = loadApp(rec, 'apps/web');
    const inputs = app.inputs('prod'); // what generate's revision lookup asks for first
    const before = rec.reads.length;
    const result = render({ app, env: 'prod' });
    const after = rec.reads.slice(before);
    assert.deepEqual(
      after.filter((r) => r.path === 'apps/web/strata.yaml' || r.path === 'apps/web/values-stg.yaml'),
      [],
      'no strata.yaml read, no layer resolved again',
    );
    assert.deepEqual(result.files, ['apps/web/values.yaml', 'apps/web/values-prod.yaml']);
    assert.deepEqual(inputs.slice(1, 3), result.files);
    assert.equal(result.config, app.config);
    assert.equal((result.objects[0].object.data as Record<string, string>).tag, 'v2');
  });

  test('gives the same result as a render that loads the app itself', () => {
    const fs = repo();
    const loaded = render({ app: loadApp(fs, 'apps/web'), env: 'stg' });
    const itself = render({ fs, appDir: 'apps/web', env: 'stg' });
    assert.deepEqual(
      loaded.objects.map((o) => o.object),
      itself.objects.map((o) => o.object),
    );
    assert.equal(itself.env, 'stg');
    assert.equal(
      render({ app: loadApp(fs, 'apps/web') }).env,
      'stg',
      'the default environment, through the same resolver',
    );
  });
});
