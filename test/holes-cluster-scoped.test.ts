// Issue 21 §5: for a cluster-scoped kind the namespace is not part of the object's identity in the cluster, so
// two ClusterRoles with one name are one object however their metadata.namespace differs; and a namespace on a
// cluster-scoped object is itself an error (Kubernetes ignores it; it only hides such duplicates).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { objectId, objectKey } from '../src/core/kinds.js';
import { checkDuplicates, checkShape } from '../src/core/structure.js';
import type { K8sObject, RenderedObject } from '../src/core/types.js';
import { cli, makeRepo, minimalApp } from './helpers.js';

const clusterRole = (namespace?: string): K8sObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'admin-ish', ...(namespace === undefined ? {} : { namespace }) },
});
const at = (object: K8sObject, template: string, doc = 0): RenderedObject => ({ object, template, doc });

describe('identity of cluster-scoped objects', () => {
  test('objectKey and objectId leave the namespace out for a cluster-scoped kind, keep it for a namespaced one', () => {
    assert.equal(objectKey(clusterRole('bogus')), objectKey(clusterRole()));
    assert.equal(objectId(clusterRole('bogus')), 'ClusterRole/admin-ish');
    const role = (namespace: string): K8sObject => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'r', namespace },
    });
    assert.notEqual(objectKey(role('a')), objectKey(role('b')));
    assert.equal(objectId(role('a')), 'Role/a/r');
  });

  test('checkDuplicates: two ClusterRoles of one name are one object, whatever namespace either claims', () => {
    assert.throws(
      () => checkDuplicates([at(clusterRole(), 't/a.yaml.hbs'), at(clusterRole('bogus'), 't/b.yaml.hbs')]),
      /ClusterRole "admin-ish" is rendered twice: by t\/a\.yaml\.hbs \(document 1\) and by t\/b\.yaml\.hbs \(document 1\)/,
    );
  });

  test('checkDuplicates: a kind made cluster-scoped by a CRD rendered beside it', () => {
    const crd: K8sObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.x.io' },
      spec: { group: 'x.io', scope: 'Cluster', names: { kind: 'Widget' } },
    };
    const widget = (namespace: string): K8sObject => ({
      apiVersion: 'x.io/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace },
    });
    assert.throws(
      () =>
        checkDuplicates([at(crd, 't/crd.yaml'), at(widget('a'), 't/w.yaml.hbs'), at(widget('b'), 't/w.yaml.hbs', 1)]),
      /Widget "w" is rendered twice/,
    );
    const namespacedCrd = { ...crd, spec: { ...(crd.spec as object), scope: 'Namespaced' } };
    assert.doesNotThrow(() =>
      checkDuplicates([
        at(namespacedCrd, 't/crd.yaml'),
        at(widget('a'), 't/w.yaml.hbs'),
        at(widget('b'), 't/w.yaml.hbs', 1),
      ]),
    );
  });

  test('checkShape: a namespace on a cluster-scoped object is an error naming the template, the document and the object', () => {
    assert.throws(
      () => checkShape([at(clusterRole('s3cret-ns'), 'app/templates/rbac.yaml.hbs', 2)]),
      (e: Error & { where?: { file?: string } }) => {
        assert.match(e.message, /ClusterRole "admin-ish" in document 3 is cluster-scoped but sets metadata\.namespace/);
        assert.equal(e.where?.file, 'app/templates/rbac.yaml.hbs');
        assert.ok(!e.message.includes('s3cret-ns'), 'the namespace value is not echoed');
        return true;
      },
    );
    assert.doesNotThrow(() => checkShape([at(clusterRole(), 'x'), at(clusterRole(''), 'y')]));
  });
});

describe('render refuses the reproduction', () => {
  const twoRoles = (ns: string): string =>
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: admin-ish\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: admin-ish\n  namespace: ${ns}\nrules: []\n`;
  test('two ClusterRoles of one name, one with a bogus metadata.namespace', async () => {
    const root = makeRepo(minimalApp({ 'app/templates/rbac.yaml.hbs': twoRoles('bogus') }));
    const r = await cli(['render', 'app', '--env', 'prod'], { cwd: root });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^strata: error: app\/templates\/rbac\.yaml\.hbs: ClusterRole "admin-ish" in document 2 is cluster-scoped but sets metadata\.namespace/,
    );
  });
});

describe('namespace injection and cluster-scoped CRDs', () => {
  test('an instance of a cluster-scoped CRD rendered beside it gets no default namespace', async () => {
    const { MemoryFs } = await import('../src/core/fs.js');
    const { render } = await import('../src/core/render.js');
    const fs = new MemoryFs({
      'app/strata.yaml':
        'apiVersion: strata.dev/v1\nkind: App\nmetadata: {name: a}\nspec: {environments: [dev], layers: [values.yaml], templates: t, namespace: team-a}\n',
      'app/values.yaml': 'a: 1\n',
      'app/t/crd.yaml':
        'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.x.io}\nspec:\n  group: x.io\n  scope: Cluster\n  names: {kind: Widget, plural: widgets}\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]\n',
      'app/t/w.yaml': 'apiVersion: x.io/v1\nkind: Widget\nmetadata: {name: w}\n',
      'app/t/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
    });
    const { objects } = render({ fs, appDir: 'app', env: 'dev', checks: [] });
    const meta = (kind: string): Record<string, unknown> =>
      objects.find((o) => o.object.kind === kind)!.object.metadata as Record<string, unknown>;
    assert.equal(meta('Widget').namespace, undefined);
    assert.equal(meta('ConfigMap').namespace, 'team-a');
  });
});
