// Unknown fields of built-in kinds are errors, as at sync (issue 23 §1): src/validate/strict-fields.ts.
// Run: node --import tsx --test test/strict-fields.test.ts
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { MemoryFs } from '../src/core/fs.js';
import { render } from '../src/core/render.js';
import { kubeSchemaCheck } from '../src/validate/kube-schema.js';
import { hasStrictFields } from '../src/validate/strict-fields.js';
import { KIND_SCHEMAS } from '../src/validate/kube-kinds.js';
import { REPO } from './helpers.js';

// What the example apps render: test/golden.test.ts holds every example's render equal to its file in test/golden/
// (rendering them again here cost a second of npm test).
const GOLDEN = join(REPO, 'test/golden');

const STRATA = 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [prod]\n  namespace: ns\n';

const DEPLOYMENT = (spec: string, meta = '  labels:\n    app: demo\n'): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: demo\n${meta}spec:\n  selector:\n    matchLabels: {app: demo}\n${spec}  template:\n    metadata:\n      labels: {app: demo}\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n          resources:\n            limits: {cpu: 100m}\n`;

function findings(template: string) {
  const fs = new MemoryFs({
    'app/strata.yaml': STRATA,
    'app/values.yaml': 'name: demo\n',
    'app/templates/deploy.yaml.hbs': template,
  });
  return render({ fs, appDir: 'app', env: 'prod', checks: [kubeSchemaCheck()], failOnFindings: false }).findings;
}
const show = (f: ReturnType<typeof findings>) =>
  f.map((x) => `${x.severity} ${x.rule} ${x.template} ${x.path}: ${x.message}`);

describe('unknown fields of built-in kinds', () => {
  test('a valid Deployment has no finding', () => {
    assert.deepEqual(show(findings(DEPLOYMENT('  minReadySeconds: 5\n'))), []);
  });

  test('a misspelt spec field is an error with the template, the path and a did-you-mean', () => {
    assert.deepEqual(show(findings(DEPLOYMENT('  minReadySecond: 5\n'))), [
      'error kube-schema app/templates/deploy.yaml.hbs .spec.minReadySecond: unknown field "minReadySecond" (did you mean "minReadySeconds"?): the API server refuses it at sync (strict field validation)',
    ]);
  });

  test('`resource:` for `resources:` in a container (the limits would be dropped)', () => {
    const t = DEPLOYMENT('').replace('          resources:', '          resource:');
    const f = findings(t);
    assert.equal(f.length, 1, show(f).join('\n'));
    assert.equal(f[0].path, '.spec.template.spec.containers[0].resource');
    assert.match(f[0].message, /unknown field "resource" \(did you mean "resources"\?\)/);
    assert.equal(f[0].severity, 'error');
  });

  test('labels indented one level too little land under metadata', () => {
    const f = findings(DEPLOYMENT('', '  labels:\n  app: demo\n'));
    assert.deepEqual(
      f.map((x) => `${x.severity} ${x.path}`),
      ['error .metadata.app'],
    );
  });

  test('pod template metadata, nested lists and maps are walked', () => {
    const t = DEPLOYMENT('')
      .replace('      labels: {app: demo}\n', '      labels: {app: demo}\n      annotation: {a: b}\n')
      .replace(
        '          image: nginx:1.27\n',
        '          image: nginx:1.27\n          ports:\n            - containerPort: 80\n              protcol: TCP\n',
      );
    assert.deepEqual(
      findings(t).map((x) => x.path),
      ['.spec.template.metadata.annotation', '.spec.template.spec.containers[0].ports[0].protcol'],
    );
  });

  test('fields that keep unknown fields (FieldsV1) and maps (labels, limits) accept any key', () => {
    const meta =
      '  labels:\n    any-key: x\n  managedFields:\n    - manager: m\n      fieldsV1: {"f:metadata": {"f:labels": {}}}\n';
    assert.deepEqual(
      show(findings(DEPLOYMENT('', meta).replace('limits: {cpu: 100m}', 'limits: {cpu: 100m, example.com/gpu: 1}'))),
      [],
    );
    const wrong = '  managedFields:\n    - manager: m\n      fieldsv1: {}\n';
    assert.deepEqual(
      findings(DEPLOYMENT('', wrong)).map((x) => x.path),
      ['.metadata.managedFields[0].fieldsv1'],
    );
  });

  test('RawExtension keeps any field (ControllerRevision.data); a kind added with the list is strict too', () => {
    const cr =
      'apiVersion: apps/v1\nkind: ControllerRevision\nmetadata:\n  name: r\nrevision: 1\ndata: {spec: {anything: [1, {deep: true}]}}\n';
    assert.deepEqual(show(findings(cr)), []);
    assert.deepEqual(
      findings(cr.replace('revision: 1', 'revison: 1'))
        .filter((x) => /unknown field/.test(x.message))
        .map((x) => `${x.path} ${/did you mean "revision"/.test(x.message)}`),
      ['.revison true'],
    );
  });

  test('an object type written inline in a definition (StatefulSet volumeClaimTemplates: PersistentVolumeClaims) has its own fields', () => {
    const sts = (claimSpec: string) =>
      `apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s\nspec:\n  serviceName: s\n  selector:\n    matchLabels: {app: s}\n  template:\n    metadata:\n      labels: {app: s}\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n  volumeClaimTemplates:\n    - metadata:\n        name: data\n        labels: {foo: bar}\n      spec:\n${claimSpec}`;
    const unknown = (t: string) =>
      findings(t)
        .filter((x) => /unknown field/.test(x.message))
        .map((x) => x.path);
    assert.deepEqual(
      unknown(sts('        accessModes: [ReadWriteOnce]\n        resources: {requests: {storage: 1Gi}}\n')),
      [],
    );
    assert.deepEqual(unknown(sts('        accessModes: [ReadWriteOnce]\n        storageClass: fast\n')), [
      '.spec.volumeClaimTemplates[0].spec.storageClass',
    ]);
  });

  test('argocd.argoproj.io/sync-options Validate=false makes it a warning', () => {
    const meta = '  annotations:\n    argocd.argoproj.io/sync-options: ServerSideApply=true, Validate=false\n';
    const f = findings(DEPLOYMENT('  minReadySecond: 5\n', meta));
    assert.deepEqual(
      f.map((x) => `${x.severity} ${x.path}`),
      ['warn .spec.minReadySecond'],
    );
    assert.match(f[0].message, /drops it/);
    // Another option alone keeps the error.
    assert.equal(
      findings(
        DEPLOYMENT('  minReadySecond: 5\n', '  annotations:\n    argocd.argoproj.io/sync-options: Validate=true\n'),
      )[0].severity,
      'error',
    );
  });

  test('render fails on an unknown field, naming the file and path on one line', () => {
    const fs = new MemoryFs({
      'app/strata.yaml': STRATA,
      'app/values.yaml': 'name: demo\n',
      'app/templates/deploy.yaml.hbs': DEPLOYMENT('  minReadySecond: 5\n'),
    });
    assert.throws(
      () => render({ fs, appDir: 'app', env: 'prod', checks: [kubeSchemaCheck()] }),
      (e: Error) => /deploy\.yaml\.hbs/.test(e.message) && /\.spec\.minReadySecond/.test(e.message),
    );
  });

  test('every kind with a schema has its fields (test/e2e/strict-fields-generated.test.ts: the file is what the generator makes)', () => {
    for (const key of KIND_SCHEMAS.keys()) assert.ok(hasStrictFields(key), key);
  });

  test('every kind the examples render is checked strictly (built-in fields or a CRD schema)', () => {
    const seen = new Set<string>();
    const files = readdirSync(GOLDEN).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 10, 'the golden renders are there');
    for (const f of files)
      for (const o of loadAll(readFileSync(join(GOLDEN, f), 'utf8')) as { apiVersion: string; kind: string }[])
        seen.add(`${o.apiVersion}/${o.kind}`);
    // cert-manager's kinds are validated against examples/plate/crds/cert-manager.yaml (unknown fields are errors
    // there).
    const viaCrd = [...seen].filter((k) => !hasStrictFields(k)).sort();
    assert.deepEqual(viaCrd, ['cert-manager.io/v1/Certificate', 'cert-manager.io/v1/ClusterIssuer']);
    assert.ok(seen.has('apps/v1/Deployment') && seen.has('v1/Service'));
  });
});
