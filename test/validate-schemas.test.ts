// Values schema (values.schema.json) and Kubernetes/Argo CD output schemas, on inline fixture trees.
// Run: node --import tsx --test test/validate-schemas.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { UserError } from '../src/core/errors.js';
import { MemoryFs } from '../src/core/fs.js';
import { render } from '../src/core/render.js';
import { kubeSchemaCheck } from '../src/validate/kube-schema.js';
import { valuesSchemaCheck } from '../src/validate/values-schema.js';

const STRATA = 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [prod]\n  namespace: ns\n';

function app(files: Record<string, string>): MemoryFs {
  return new MemoryFs({
    'app/strata.yaml': STRATA,
    'app/values.yaml': 'name: demo\nport: 80\n',
    'app/templates/cm.yaml.hbs':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.name}}\ndata:\n  port: {{quote values.port}}\n',
    ...files,
  });
}

const lint = (fs: MemoryFs, checks = [valuesSchemaCheck(), kubeSchemaCheck()], kubeVersion?: string) =>
  render({
    fs,
    appDir: 'app',
    env: 'prod',
    checks,
    failOnFindings: false,
    ...(kubeVersion ? { capabilities: { kubeVersion } } : {}),
  }).findings;

const STRICT_SCHEMA = JSON.stringify({
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    port: { type: 'integer', maximum: 65535 },
    image: { type: 'object', additionalProperties: false, properties: { tag: { type: 'string' } } },
  },
});

describe('values schema', () => {
  test('additionalProperties: false catches a typo at the file:line that wrote it', () => {
    const fs = app({
      'app/values.schema.json': STRICT_SCHEMA,
      'app/values-prod.yaml': 'image:\n  tga: "1.0"\nprot: 8080\n',
    });
    const f = lint(fs);
    assert.deepEqual(f.map((x) => `${x.rule} ${x.path} ${x.origin?.file}:${x.origin?.line}`).sort(), [
      'values-schema .image.tga app/values-prod.yaml:2',
      'values-schema .prot app/values-prod.yaml:3',
    ]);
    assert.match(f[0].message, /unknown field "(tga|prot)"/);
  });

  test('all errors at once, with value paths and origins; a valid document passes', () => {
    const fs = app({
      'app/values.schema.json': STRICT_SCHEMA,
      'app/values-prod.yaml': 'port: 99999\nimage: { tag: 5 }\n',
    });
    const f = lint(fs);
    assert.deepEqual(f.map((x) => `${x.path} ${x.origin?.line}`).sort(), ['.image.tag 2', '.port 1']);
    assert.deepEqual(lint(app({ 'app/values.schema.json': STRICT_SCHEMA })), []);
  });

  test('$schema picks the draft; remote $refs are never loaded', () => {
    const draft7 = JSON.stringify({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { port: { type: 'string' } },
    });
    assert.deepEqual(
      lint(app({ 'app/values.schema.json': draft7 })).map((x) => x.path),
      ['.port'],
    );
    const remote = JSON.stringify({ type: 'object', properties: { port: { $ref: 'https://example.com/port.json' } } });
    assert.throws(
      () => lint(app({ 'app/values.schema.json': remote })),
      (e: unknown) => e instanceof UserError && /remote and file \$refs are not loaded/.test(e.message),
    );
  });

  test('"http://json-schema.org/schema#" (charts write it) is the newest draft, as Helm reads it; other URIs are refused', () => {
    // 2020-12's prefixItems: a draft-07 reading would ignore it and pass.
    const schema = (uri: string) =>
      JSON.stringify({
        $schema: uri,
        type: 'object',
        properties: { hosts: { type: 'array', prefixItems: [{ type: 'string' }] } },
      });
    const bad = { 'app/values-prod.yaml': 'hosts: [5]\n' };
    for (const uri of ['http://json-schema.org/schema#', 'https://json-schema.org/schema'])
      assert.deepEqual(
        lint(app({ 'app/values.schema.json': schema(uri), ...bad })).map((x) => x.path),
        ['.hosts[0]'],
        uri,
      );
    assert.throws(
      () => lint(app({ 'app/values.schema.json': schema('http://json-schema.org/schema-x#') })),
      /unsupported \$schema/,
    );
  });

  test('render fails on a schema error', () => {
    const fs = app({ 'app/values.schema.json': STRICT_SCHEMA, 'app/values-prod.yaml': 'prot: 1\n' });
    assert.throws(
      () => render({ fs, appDir: 'app', env: 'prod', checks: [valuesSchemaCheck()] }),
      /values-prod\.yaml:1:1/,
    );
  });
});

describe('Kubernetes schemas', () => {
  const deploy = (replicas: string, extra = '') =>
    app({
      'app/templates/cm.yaml.hbs': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: web }',
        'spec:',
        `  replicas: ${replicas}`,
        '  selector: { matchLabels: { app: web } }',
        '  template:',
        '    metadata: { labels: { app: web } }',
        '    spec:',
        '      containers:',
        `        - { name: web, image: "nginx:1", imagePullPolicy: {{values.pull}}${extra} }`,
        '',
      ].join('\n'),
      'app/values.yaml': 'pull: Sometimes\n',
    });

  test('errors name the template, the object, the field path and the origin of a value', () => {
    const f = lint(deploy('"3"'));
    assert.deepEqual(
      f.map((x) => `${x.rule} ${x.object} ${x.path} ${x.template} ${x.origin?.file ?? '-'}`),
      [
        'kube-schema Deployment/ns/web .spec.replicas app/templates/cm.yaml.hbs -',
        'kube-schema Deployment/ns/web .spec.template.spec.containers[0].imagePullPolicy app/templates/cm.yaml.hbs app/values.yaml',
      ],
    );
    assert.match(f[1].message, /"Always", "IfNotPresent", "Never"/);
  });

  test('a valid object passes; unknown kinds pass with the structural check only (listed at debug)', () => {
    const ok = deploy('3').readFile('app/templates/cm.yaml.hbs');
    const text = new TextDecoder().decode(ok).replace('{{values.pull}}', 'IfNotPresent');
    const seen: string[] = [];
    const fs = app({
      'app/templates/cm.yaml.hbs':
        text + '---\napiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec: { anything: [1, 2] }\n',
    });
    assert.deepEqual(lint(fs, [kubeSchemaCheck({ debug: (m) => seen.push(m) })]), []);
    assert.equal(seen.length, 1);
    assert.match(seen[0], /Widget\/ns\/w/);
  });

  test('KUBE_VERSION decides which API versions exist', () => {
    const fs = app({
      'app/templates/cm.yaml.hbs':
        'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: { name: p }\nspec: { minAvailable: 1 }\n',
    });
    assert.match(lint(fs, [kubeSchemaCheck()], '1.31.0')[0].message, /not served since Kubernetes 1\.25/);
    assert.deepEqual(lint(fs, [kubeSchemaCheck()], '1.24.0'), []);
  });

  test('Argo CD Applications are validated against the CRD schema (unknown fields too)', () => {
    const appTpl = (field: string) =>
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: a }\nspec:\n  project: default\n  destination: { server: "https://kubernetes.default.svc", namespace: ns }\n  ${field}: { repoURL: "https://example.com/r.git", path: apps/a, targetRevision: main }\n`;
    const bad = lint(app({ 'app/templates/cm.yaml.hbs': appTpl('sourc') }), [kubeSchemaCheck()]);
    assert.deepEqual(
      bad.map((x) => `${x.object} ${x.path} ${x.message}`),
      ['Application/ns/a .spec.sourc unknown field "sourc"'],
    );
    assert.deepEqual(lint(app({ 'app/templates/cm.yaml.hbs': appTpl('source') }), [kubeSchemaCheck()]), []);
  });
});
