// `strata diff --against-manifests FILE|-`: the app's render against a manifest stream (helm template output).
// Run: node --import tsx --test test/helmdiff-against-manifests.test.ts
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { diffAgainstManifests, readManifestStream } from '../src/diff/manifests.js';
import { DEFAULT_LABELS } from '../src/core/config.js';
import { cli, makeRepo } from './helpers.js';

const APP = {
  'app/strata.yaml': `apiVersion: strata.dev/v1
kind: App
metadata:
  name: web
spec:
  environments: [dev, prod]
  defaultEnvironment: dev
  namespace: shop
`,
  'app/values.yaml': 'replicas: 2\nimage: web:1\npassword: hunter2\n',
  'app/values-prod.yaml': 'replicas: 3\n',
  'app/templates/deployment.yaml.hbs': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: {{values.replicas}}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: {{quote values.image}}
`,
  'app/templates/secret.yaml.hbs': `apiVersion: v1
kind: Secret
metadata:
  name: web
stringData:
  password: {{quote values.password}}
`,
  'app/templates/role.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: web-reader
rules: []
`,
};

/** What `helm template web ./chart --namespace shop` prints for the same app (the chart's labels, `# Source:` comments). */
const HELM_SAME = `---
# Source: web/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: web
  labels:
    helm.sh/chart: web-0.1.0
    app.kubernetes.io/managed-by: Helm
stringData:
  password: "hunter2"
---
# Source: web/templates/role.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: web-reader
  labels:
    helm.sh/chart: web-0.1.0
rules: []
---
# Source: web/templates/empty.yaml
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
    helm.sh/chart: web-0.1.0
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: "web:1"
`;

function repoWith(stream: string): string {
  const root = makeRepo(APP);
  writeFileSync(join(root, 'helm.yaml'), stream);
  return root;
}

describe('diff --against-manifests', () => {
  test('a helm template stream of the same objects is the same: exit 0, Helm and strata bookkeeping ignored, namespace filled as Argo CD does', async () => {
    const root = repoWith(HELM_SAME);
    const r = await cli(['diff', 'app', '--env', 'dev', '--against-manifests', 'helm.yaml'], { cwd: root });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '');
    assert.equal(r.code, 0);
  });

  test('stdin (-) is read like a file', async () => {
    const root = makeRepo(APP);
    const r = await cli(['diff', 'app', '--env', 'dev', '--against-manifests', '-', '-o', 'json'], {
      cwd: root,
      stdin: HELM_SAME,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { before: '<stdin>', after: 'strata/dev', same: true, diffs: [] });
  });

  test('spec.defaultEnvironment is used without --env (and said on stderr)', async () => {
    const root = repoWith(HELM_SAME);
    const r = await cli(['diff', 'app', '--against-manifests', 'helm.yaml'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /rendered environment "dev" \(spec\.defaultEnvironment/);
  });

  test('differences: a changed field, a Secret value (masked), an object on one side only; exit 1', async () => {
    const stream =
      HELM_SAME.replace('replicas: 2', 'replicas: 1').replace('"hunter2"', '"s3cret-old"') +
      '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\ndata:\n  a: "1"\n';
    const root = repoWith(stream);
    const text = await cli(['diff', 'app', '--env', 'dev', '--against-manifests', 'helm.yaml'], { cwd: root });
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /^--- helm\.yaml\/ConfigMap\/shop\/legacy \(v1\)\n\+\+\+ \/dev\/null$/m);
    assert.match(text.stdout, /@@ \.spec\.replicas @@\n-1\n\+2\n/);
    assert.match(text.stdout, /@@ \.stringData\.password @@\n-\+{8}\n\+\+{9}\n/);
    assert.doesNotMatch(text.stdout, /hunter2|s3cret-old/);
    assert.doesNotMatch(text.stdout, /helm\.sh\/chart|managed-by/);

    const json = await cli(['diff', 'app', '--env', 'dev', '--against-manifests', 'helm.yaml', '-o', 'json'], {
      cwd: root,
    });
    assert.equal(json.code, 1);
    const out = JSON.parse(json.stdout) as { same: boolean; diffs: { id: string; status: string }[] };
    assert.equal(out.same, false);
    assert.deepEqual(
      out.diffs.map((d) => `${d.status} ${d.id}`),
      ['changed Secret/shop/web', 'removed ConfigMap/shop/legacy', 'changed Deployment/shop/web'],
    );
    assert.doesNotMatch(json.stdout, /hunter2|s3cret-old/);

    const md = await cli(['diff', 'app', '--env', 'dev', '--against-manifests', 'helm.yaml', '-o', 'markdown'], {
      cwd: root,
    });
    assert.equal(md.code, 1);
    assert.match(
      md.stdout,
      /^<!-- strata-diff -->\n### strata diff: helm\.yaml \(before\) against strata\/dev \(after\)\n\n0 added, 1 removed, 2 changed\n/,
    );
    assert.match(md.stdout, /```diff\n--- helm\.yaml\/Secret\/shop\/web/);
    assert.doesNotMatch(md.stdout, /hunter2|s3cret-old/);
  });

  test('--compare-all compares the bookkeeping and namespaces as given', async () => {
    const root = repoWith(HELM_SAME);
    const r = await cli(
      ['diff', 'app', '--env', 'dev', '--against-manifests', 'helm.yaml', '--compare-all', '-o', 'json'],
      { cwd: root },
    );
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { diffs: { id: string; status: string; changes: { path: string }[] }[] };
    const role = out.diffs.find((d) => d.id === 'ClusterRole/web-reader')!;
    assert.deepEqual(
      role.changes.map((c) => c.path),
      [
        '.metadata.labels["app.kubernetes.io/managed-by"]',
        '.metadata.labels["app.kubernetes.io/name"]',
        '.metadata.labels["helm.sh/chart"]',
        '.metadata.labels["strata.dev/environment"]',
      ],
    );
    // Namespaces as given: the stream's objects have none, the render's are in `shop`, so they are other objects.
    assert.ok(out.diffs.some((d) => d.id === 'Deployment/web' && d.status === 'removed'));
    assert.ok(out.diffs.some((d) => d.id === 'Deployment/shop/web' && d.status === 'added'));
  });

  test('a v1 List is its items', async () => {
    const list = `apiVersion: v1
kind: List
items:
${HELM_SAME.split(/^---$/m)
  .map((d) => d.trim())
  .filter((d) => d.includes('kind:'))
  .map((d) =>
    d
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l, i) => (i === 0 ? `  - ${l}` : `    ${l}`))
      .join('\n'),
  )
  .join('\n')}
`;
    const root = repoWith(list);
    const r = await cli(['diff', 'app', '--env', 'dev', '--against-manifests', 'helm.yaml'], { cwd: root });
    assert.equal(r.stdout, '');
    assert.equal(r.code, 0, r.stderr);
  });

  test('errors exit 2 with one line and nothing on stdout', async () => {
    const root = repoWith('kind: ConfigMap\nmetadata: {name: x}\n');
    const cases: [string[], RegExp, string?][] = [
      [['--against-manifests', 'missing.yaml'], /missing\.yaml: cannot read the manifest stream: ENOENT/],
      [
        ['--against-manifests', 'helm.yaml'],
        /helm\.yaml: document 1 is not a Kubernetes object: it needs apiVersion, kind and metadata\.name/,
      ],
      [['--against-manifests', '-'], /<stdin>: rendered output is not valid YAML/, 'a: [\n'],
      [
        ['--against-manifests', '-'],
        /<stdin>: documents 1 and 2 are the same object \(ConfigMap\/x\)/,
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
      ],
      [
        ['--against-manifests', 'helm.yaml', '--against', 'prod'],
        /give exactly one of --against ENV, --against-ref REV and --against-manifests/,
      ],
      [['--against', 'prod', '--compare-all'], /--compare-all goes with --against-manifests/],
    ];
    for (const [flags, message, stdin] of cases) {
      const r = await cli(['diff', 'app', '--env', 'dev', ...flags], { cwd: root, stdin });
      assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
    }
    // No stdin given to main (the warm renderer): a usage error, not a hang.
    const none = await cli(['diff', 'app', '--env', 'dev', '--against-manifests', '-'], { cwd: root });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no standard input/);
  });

  test('standard input over the output cap is refused without reading it all', async () => {
    const root = makeRepo(APP);
    let pulled = 0;
    const chunks = (function* () {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield Buffer.alloc(1024, 0x20);
      }
    })();
    const { code, stderr } = await cli(
      ['diff', 'app', '--env', 'dev', '--against-manifests', '-', '--max-output-bytes', '10240'],
      { cwd: root, stdin: chunks },
    );
    assert.equal(code, 2);
    assert.match(stderr, /standard input is over the 10240-byte limit/);
    assert.ok(pulled < 100, `read ${pulled} chunks`);
  });
});

describe('diffAgainstManifests (pure)', () => {
  const injected = { labels: DEFAULT_LABELS, app: 'web', env: 'dev', namespace: 'shop' };
  test('a label strata would inject but with another value still shows', () => {
    const helm = readManifestStream(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    app.kubernetes.io/name: other\n',
      'h.yaml',
    );
    const ours = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'c',
          namespace: 'shop',
          labels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/managed-by': 'strata' },
        },
      },
    ];
    const d = diffAgainstManifests(helm, ours, { injected });
    // Ours is left with no labels at all (both were strata's), so the stream's whole labels map shows.
    assert.deepEqual(
      d.flatMap((x) => x.changes.map((c) => [`${c.op} ${c.path}`, c.before])),
      [['remove .metadata.labels', { 'app.kubernetes.io/name': 'other' }]],
    );
  });

  test("Helm's managed-by label is left out when the app gives strata other label keys", () => {
    const keys = { managedBy: 'example.com/managed-by', name: 'example.com/app', environment: 'example.com/env' };
    const helm = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'Helm' } },
      },
    ];
    const ours = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'c',
          namespace: 'shop',
          labels: { 'example.com/managed-by': 'strata', 'example.com/app': 'web', 'example.com/env': 'dev' },
        },
      },
    ];
    assert.deepEqual(diffAgainstManifests(helm, ours, { injected: { ...injected, labels: keys } }), []);
  });

  test('a CRD-declared cluster-scoped kind is keyed without a namespace on both sides', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Cluster', names: { kind: 'Widget' } },
    };
    const helm = [crd, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }];
    const ours = [crd, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }];
    assert.deepEqual(diffAgainstManifests(helm, ours, { injected }), []);
  });
});
