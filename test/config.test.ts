import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli, makeRepo, minimalApp } from './helpers.js';

// strata.yaml options, end to end through the CLI.

type Obj = {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
};

async function renderJson(files: Record<string, string>, args: string[] = []): Promise<Obj[]> {
  const r = await cli(['render', 'app', ...args, '-o', 'json'], { cwd: makeRepo(minimalApp(files)) });
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { items: Obj[] }).items;
}

const CONFIG =
  'apiVersion: strata.dev/v1\nkind: App\nmetadata:\n  name: demo\nspec:\n  environments: [stg, prod]\n  defaultEnvironment: stg\n  namespace: demo\n';

describe('strata.yaml options', () => {
  it('label keys are configurable', async () => {
    const [cm] = await renderJson({
      'app/strata.yaml':
        CONFIG + '  metadata:\n    labels:\n      environment: example.com/env\n      managedBy: example.com/by\n',
    });
    assert.equal(cm.metadata.labels!['example.com/env'], 'stg');
    assert.equal(cm.metadata.labels!['example.com/by'], 'strata');
    assert.equal(cm.metadata.labels!['strata.dev/environment'], undefined);
    assert.equal(cm.metadata.labels!['app.kubernetes.io/name'], 'demo');
  });

  it('defaultEnvironment is used when no --env is given', async () => {
    const [cm] = await renderJson({ 'app/strata.yaml': CONFIG });
    assert.equal(cm.metadata.labels!['strata.dev/environment'], 'stg');
  });

  it('--namespace wins over spec.namespace; an explicit namespace and cluster-scoped kinds are left alone', async () => {
    const objs = await renderJson(
      {
        'app/strata.yaml': CONFIG,
        'app/templates/more.yaml.hbs':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pinned\n  namespace: elsewhere\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n',
      },
      ['--namespace', 'override'],
    );
    const ns = Object.fromEntries(objs.map((o) => [o.metadata.name, o.metadata.namespace ?? null]));
    assert.deepEqual(ns, { demo: 'override', pinned: 'elsewhere', reader: null });
  });

  it('plain *.yaml files in the templates folder pass through; sub-folders are rendered too', async () => {
    const objs = await renderJson({
      'app/strata.yaml': CONFIG,
      // `{{` in a static file is an error unless the file says it is static on purpose (docs/templates.md).
      'app/templates/static.yaml':
        '# strata: static\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: static\ndata:\n  raw: "{{not a template}}"\n',
      'app/templates/sub/nested.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nested-{{env.name}}\n',
    });
    assert.deepEqual(objs.map((o) => o.metadata.name).sort(), ['demo', 'nested-stg', 'static']);
    assert.equal(objs.find((o) => o.metadata.name === 'static')!.data!.raw, '{{not a template}}');
  });

  it('spec.merge.lists appends a list instead of replacing it', async () => {
    const r = await cli(['values', 'app', '--env', 'prod', '-o', 'json'], {
      cwd: makeRepo(
        minimalApp({
          'app/strata.yaml': CONFIG + '  merge:\n    lists:\n      - path: extraEnv\n        strategy: append\n',
          'app/values.yaml': 'name: demo\nreplicas: 1\nextraEnv: [{name: A}]\n',
          'app/values-prod.yaml': 'extraEnv: [{name: B}]\n',
        }),
      ),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).extraEnv, [{ name: 'A' }, { name: 'B' }]);
  });

  it('allowEmpty: true lets an app render nothing on purpose', async () => {
    const files = {
      'app/strata.yaml': CONFIG + '  allowEmpty: true\n',
      'app/templates/cm.yaml.hbs': '{{#if values.never}}x: 1{{/if}}\n',
    };
    const r = await cli(['render', 'app'], { cwd: makeRepo(minimalApp(files)) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
  });
});
