// Nothing is silently lost or turned into text (issue 23 §2): static manifests with template syntax, missing
// optional layers, and what `values --explain` shows about deletions and replaced lists.
// Run: node --import tsx --test test/strict-inputs.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { UserError } from '../src/core/errors.js';
import { MemoryFs } from '../src/core/fs.js';
import { render, resolveValues } from '../src/core/render.js';
import { explainValues, formatExplain } from '../src/core/explain.js';
import { loadApp } from '../src/core/app.js';

const STRATA = 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [prod]\n  namespace: ns\n';
const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n';

function renderApp(files: Record<string, string>) {
  const fs = new MemoryFs({ 'app/strata.yaml': STRATA, 'app/values.yaml': 'replicas: 2\n', ...files });
  return render({ fs, appDir: 'app', env: 'prod', checks: [] });
}

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserError, String(e));
    return e;
  }
  return assert.fail('no error');
}

describe('static manifests with template syntax', () => {
  test('a plain .yaml with {{ is an error naming the file and line and saying to rename it', () => {
    const e = errorOf(() =>
      renderApp({
        'app/templates/deploy.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  replicas: {{ .Values.replicas }}\n',
      }),
    );
    assert.equal(e.where?.file, 'app/templates/deploy.yaml');
    assert.equal(e.where?.line, 6);
    assert.match(e.message, /rename it to deploy\.yaml\.hbs/);
    assert.doesNotMatch(e.message, /Values|\n/);
  });

  test('.yml too, in a sub-folder', () => {
    const e = errorOf(() => renderApp({ 'app/templates/sub/cm.yml': '{{ template "x" }}\n' }));
    assert.equal(e.where?.file, 'app/templates/sub/cm.yml');
    assert.match(e.message, /rename it to cm\.yaml\.hbs/);
  });

  test('the `# strata: static` first line keeps it as it is; a file without {{ needs nothing', () => {
    const alert =
      '# strata: static\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alerts\ndata:\n  tmpl: "{{ .Labels.job }}"\n';
    const r = renderApp({ 'app/templates/alerts.yaml': alert, 'app/templates/cm.yaml': CM });
    const cm = r.objects.find((o) => (o.object.metadata as { name?: string }).name === 'alerts')!;
    assert.equal((cm.object.data as Record<string, string>).tmpl, '{{ .Labels.job }}');
    // The marker must be the first line.
    assert.throws(() => renderApp({ 'app/templates/alerts.yaml': '\n' + alert }), /strata: static/);
  });
});

describe('missing optional layers', () => {
  const CONFIG =
    'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg, prod]\n  layers:\n    - values.yaml\n    - path: values-{env}.yaml\n      optional: true\n    - path: secrets.yaml\n      optional: true\n';
  function layerLog(files: Record<string, string>, env: string) {
    const fs = new MemoryFs({
      'app/strata.yaml': CONFIG,
      'app/values.yaml': 'a: 1\n',
      'app/templates/cm.yaml': CM,
      ...files,
    });
    const debug: string[] = [];
    const warn: string[] = [];
    const app = loadApp(fs, 'app', undefined, { debug: (m) => debug.push(m), warn: (m) => warn.push(m) });
    const files_ = app.layerFiles(env);
    return { files: files_, debug, warn };
  }

  test('a missing optional layer is a debug line naming the layer', () => {
    const r = layerLog({}, 'prod');
    assert.deepEqual(r.files, ['app/values.yaml']);
    assert.equal(r.debug.length, 2);
    assert.match(
      r.debug[0],
      /optional layer app\/values-prod\.yaml is absent for environment "prod".*app\/strata\.yaml \.spec\.layers\[1\]/,
    );
    assert.deepEqual(r.warn, []);
  });

  test('a warning when a sibling has a near name (values-production.yaml for values-prod.yaml)', () => {
    const r = layerLog({ 'app/values-production.yaml': 'a: 2\n', 'app/values-stg.yaml': 'a: 3\n' }, 'prod');
    assert.equal(r.warn.length, 1, r.warn.join('\n'));
    assert.match(r.warn[0], /app\/values-prod\.yaml does not exist, but app\/values-production\.yaml does/);
    // Another environment's file is no misspelling; neither is the present file itself.
    assert.deepEqual(layerLog({ 'app/values-prod.yaml': 'a: 2\n', 'app/secrets.yaml': 'b: 1\n' }, 'stg').warn, []);
  });

  test('the other YAML extension, and a name two edits away for a layer without {env}', () => {
    const r = layerLog({ 'app/values-prod.yml': 'a: 2\n', 'app/secret.yaml': 'b: 1\n' }, 'prod');
    assert.equal(r.warn.length, 2, r.warn.join('\n'));
    assert.match(r.warn[0], /but app\/values-prod\.yml does/);
    assert.match(r.warn[1], /app\/secrets\.yaml does not exist, but app\/secret\.yaml does/);
  });
});

describe('values --explain: deletions and replaced lists', () => {
  const fs = new MemoryFs({
    'app/strata.yaml':
      'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [prod]\n  layers: [values.yaml, values-prod.yaml]\n  merge:\n    lists:\n      - {path: .extra, strategy: append}\n',
    'app/values.yaml': 'a:\n  b: 1\n  c: 2\nhosts: [a.example, b.example]\nextra: [one]\ngone:\n  deep: 1\n',
    'app/values-prod.yaml': 'a:\n  b: null\nhosts: [c.example]\nextra: [two]\ngone: null\n',
  });
  const { merged, config } = resolveValues({ fs, appDir: 'app', env: 'prod' });
  const text = formatExplain(explainValues(merged, config.listRules));

  test('keys set to null are shown as deleted, with who deleted them and what was there', () => {
    assert.match(
      text,
      /^\.a\.b \(deleted\)\n {4}deleted at app\/values-prod\.yaml:2:3\n {4}overrode 1 from app\/values\.yaml:2:3$/m,
    );
    assert.match(
      text,
      /^\.gone \(deleted\)\n {4}deleted at app\/values-prod\.yaml:5:1\n {4}overrode a map from app\/values\.yaml:6:1$/m,
    );
  });

  test('a list a later layer replaced names the layer that replaced it and the one it replaced', () => {
    assert.match(
      text,
      /^\.hosts \(a list of 1 item\)\n {4}set at app\/values-prod\.yaml:3:1\n {4}replaced the list from app\/values\.yaml:4:1$/m,
    );
    assert.match(
      text,
      /^\.extra \(a list of 2 items\)\n {4}set at app\/values-prod\.yaml:4:1\n {4}appended to the list from app\/values\.yaml:5:1$/m,
    );
    // A list only one layer set has no such row.
    assert.doesNotMatch(fmtOnly({ 'app/values-prod.yaml': 'a: {c: 3}\n' }), /\(a list of/);
  });

  function fmtOnly(files: Record<string, string>): string {
    const f2 = new MemoryFs({
      'app/strata.yaml':
        'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [prod]\n  layers: [values.yaml, values-prod.yaml]\n',
      'app/values.yaml': 'hosts: [a]\n',
      ...files,
    });
    return formatExplain(explainValues(resolveValues({ fs: f2, appDir: 'app', env: 'prod' }).merged));
  }
});

describe('a misspelled optional layer reaches the person running the command', () => {
  const files = {
    'app/strata.yaml':
      'apiVersion: strata.dev/v1\nkind: App\nmetadata: {name: a}\nspec:\n  environments: [prod]\n  layers: [values.yaml, {path: "values-{env}.yaml", optional: true}]\n  templates: t\n',
    'app/values.yaml': 'a: 1\n',
    'app/values-production.yaml': 'a: 2\n',
    'app/t/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "{{values.a}}"}\n',
  };
  test('render warns on stderr, stdout keeps the manifests', async () => {
    const { cli, makeRepo } = await import('./helpers.js');
    const root = makeRepo(files);
    const r = await cli(['render', 'app', '--env', 'prod'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^strata: warning: .*values-prod\.yaml does not exist, but .*values-production\.yaml does/m);
    assert.match(r.stdout, /kind: ConfigMap/);
  });
  test('generate (Argo CD) warns on stderr too', async () => {
    const { cli, makeRepo } = await import('./helpers.js');
    const root = makeRepo(files);
    const r = await cli(['generate'], {
      cwd: `${root}/app`,
      env: {
        ARGOCD_APP_NAME: 'a-prod',
        ARGOCD_APP_SOURCE_PATH: 'app',
        ARGOCD_APP_PARAMETERS: '[{"name":"env","string":"prod"}]',
      },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: .*values-prod\.yaml does not exist, but .*values-production\.yaml does/);
  });
});
