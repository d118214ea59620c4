// Each built-in policy rule with a failing and a passing case, and the policy config format (layering,
// file:line errors). Run: node --import tsx --test test/policy-rules.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { standardChecks } from '../src/checks/index.js';
import { UserError } from '../src/core/errors.js';
import { MemoryFs } from '../src/core/fs.js';
import { render } from '../src/core/render.js';
import type { K8sObject, RenderedObject } from '../src/core/types.js';
import { defaultPolicy } from '../src/policy/config.js';
import { ruleContext } from '../src/policy/check.js';
import { lintApp } from '../src/checks/lint.js';
import { RULES, type Options } from '../src/policy/rules.js';

function deployment(
  container: Record<string, unknown>,
  extra: { replicas?: number; podSc?: Record<string, unknown> } = {},
): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns' },
    spec: {
      ...(extra.replicas !== undefined ? { replicas: extra.replicas } : {}),
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { ...(extra.podSc ? { securityContext: extra.podSc } : {}), containers: [{ name: 'web', ...container }] },
      },
    },
  };
}

const GOOD = {
  image: 'registry.example.com/web:1.2.3',
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
  livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
  readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
  securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
};

function run(ruleId: string, object: K8sObject, options: Partial<Options> = {}): string[] {
  const rule = RULES.get(ruleId)!;
  const opts = { ...defaultPolicy().get(ruleId)!.options, ...options } as Options;
  const ro: RenderedObject = { object, template: 't.yaml.hbs', doc: 0 };
  return rule.check(ro, opts, ruleContext([ro])).map((h) => `${h.path}: ${h.message}`);
}

const ingress = (tlsHosts: string[]): K8sObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'ns' },
  spec: { tls: tlsHosts.length ? [{ hosts: tlsHosts, secretName: 's' }] : [], rules: [{ host: 'app.example.com' }] },
});

// name, rule, options, failing object, passing object, expected text in the failure
const CASES: [string, string, Partial<Options>, K8sObject, K8sObject, RegExp][] = [
  [
    'latest tag',
    'image-tag-pinned',
    {},
    deployment({ ...GOOD, image: 'registry.example.com/web:latest' }),
    deployment(GOOD),
    /tag "latest"/,
  ],
  [
    'missing tag',
    'image-tag-pinned',
    {},
    deployment({ ...GOOD, image: 'registry.example.com:5000/web' }),
    deployment(GOOD),
    /has no tag/,
  ],
  [
    'digest required',
    'image-tag-pinned',
    { requireDigest: true },
    deployment(GOOD),
    deployment({ ...GOOD, image: 'registry.example.com/web:1.2.3@sha256:' + 'a'.repeat(64) }),
    /not pinned by digest/,
  ],
  [
    'malformed digest',
    'image-tag-pinned',
    {},
    deployment({ ...GOOD, image: 'registry.example.com/web:1@sha256:abc' }),
    deployment({ ...GOOD, image: 'registry.example.com/web@sha256:' + 'b'.repeat(64) }),
    /malformed digest/,
  ],
  [
    'a digest named latest is no digest',
    'image-tag-pinned',
    { requireDigest: true },
    deployment({ ...GOOD, image: 'registry.example.com/web@latest' }),
    deployment({ ...GOOD, image: 'registry.example.com/web@sha256:' + 'c'.repeat(64) }),
    /malformed digest/,
  ],
  [
    'resources',
    'container-resources',
    {},
    deployment({ ...GOOD, resources: { requests: { cpu: '1' } } }),
    deployment(GOOD),
    /requests.memory, limits.cpu, limits.memory/,
  ],
  [
    'resources (requests only)',
    'container-resources',
    { require: ['requests.cpu', 'requests.memory'] },
    deployment({ ...GOOD, resources: { limits: { cpu: '1' } } }),
    deployment({ ...GOOD, resources: { requests: { cpu: '1', memory: '1Gi' } } }),
    /requests.cpu/,
  ],
  [
    'min replicas',
    'min-replicas',
    { min: 3 },
    deployment(GOOD, { replicas: 2 }),
    deployment(GOOD, { replicas: 3 }),
    /2 replicas; at least 3/,
  ],
  [
    'min replicas (unset means 1)',
    'min-replicas',
    {},
    deployment(GOOD),
    deployment(GOOD, { replicas: 2 }),
    /1 replica;/,
  ],
  ['probes', 'probes', {}, deployment({ ...GOOD, readinessProbe: undefined }), deployment(GOOD), /no readinessProbe/],
  [
    'registry allow-list',
    'image-registry',
    { allow: ['registry.example.com'] },
    deployment({ ...GOOD, image: 'docker.io/library/nginx:1.27' }),
    deployment(GOOD),
    /from docker.io, which is not allowed/,
  ],
  [
    'registry path prefix',
    'image-registry',
    { allow: ['ghcr.io/acme'] },
    deployment({ ...GOOD, image: 'ghcr.io/other/web:1' }),
    deployment({ ...GOOD, image: 'ghcr.io/acme/web:1' }),
    /ghcr.io/,
  ],
  [
    'runAsNonRoot',
    'pod-security',
    {},
    deployment({ ...GOOD, securityContext: { ...GOOD.securityContext, runAsNonRoot: undefined } }),
    deployment(
      { ...GOOD, securityContext: { ...GOOD.securityContext, runAsNonRoot: undefined } },
      { podSc: { runAsNonRoot: true } },
    ),
    /may run as root/,
  ],
  [
    'privileged',
    'pod-security',
    {},
    deployment({ ...GOOD, securityContext: { ...GOOD.securityContext, privileged: true } }),
    deployment(GOOD),
    /is privileged/,
  ],
  [
    'privilege escalation',
    'pod-security',
    {},
    deployment({ ...GOOD, securityContext: { ...GOOD.securityContext, allowPrivilegeEscalation: true } }),
    deployment(GOOD),
    /allowPrivilegeEscalation: false/,
  ],
  [
    'capabilities',
    'pod-security',
    {},
    deployment({ ...GOOD, securityContext: { ...GOOD.securityContext, capabilities: { drop: ['NET_RAW'] } } }),
    deployment(GOOD),
    /drop ALL/,
  ],
  ['ingress tls', 'ingress-tls', {}, ingress([]), ingress(['app.example.com']), /served without TLS/],
  ['ingress tls wildcard', 'ingress-tls', {}, ingress(['*.other.com']), ingress(['*.example.com']), /app.example.com/],
];

describe('policy rules: one failing and one passing case each', () => {
  for (const [name, rule, options, bad, good, expected] of CASES) {
    test(name, () => {
      const hits = run(rule, bad, options);
      assert.equal(hits.length, 1, hits.join('\n'));
      assert.match(hits[0], expected);
      assert.deepEqual(run(rule, good, options), []);
    });
  }

  test('probes are not required of Jobs', () => {
    const job: K8sObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: { template: { spec: { containers: [{ name: 'j', image: 'x:1' }] } } },
    };
    assert.deepEqual(run('probes', job), []);
    const pod: K8sObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'p', image: 'x:1' }] },
    };
    assert.equal(run('probes', pod).length, 1);
  });
});

// A small app in memory: prod values with `latest`, a repo policy file and spec.policy overrides.
function app(extra: Record<string, string> = {}): MemoryFs {
  return new MemoryFs({
    'strata-policy.yaml': [
      'apiVersion: strata.dev/v1',
      'kind: Policy',
      'spec:',
      '  severity: error',
      '  rules:',
      '    image-registry: { severity: error, allow: [registry.example.com] }',
      '  environments:',
      '    stg:',
      '      severity: warn',
      '',
    ].join('\n'),
    'apps/web/strata.yaml':
      'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg, prod]\n  namespace: ns\n',
    'apps/web/values.yaml': 'replicas: 2\nimage:\n  tag: "1.0"\n',
    'apps/web/values-prod.yaml': '# prod\nimage:\n  tag: latest\n',
    'apps/web/templates/deploy.yaml.hbs': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      'spec:',
      '  replicas: {{values.replicas}}',
      '  selector: { matchLabels: { app: web } }',
      '  template:',
      '    metadata: { labels: { app: web } }',
      '    spec:',
      '      securityContext: { runAsNonRoot: true }',
      '      containers:',
      '        - name: web',
      '          image: "registry.example.com/web:{{values.image.tag}}"',
      '          resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { cpu: 200m, memory: 128Mi } }',
      '          livenessProbe: { tcpSocket: { port: 80 } }',
      '          readinessProbe: { tcpSocket: { port: 80 } }',
      '          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }',
      '',
    ].join('\n'),
    ...extra,
  });
}

describe('policy config', () => {
  test('prod enforces as errors: latest is reported at the values file:line of the tag, and render fails', () => {
    const findings = lintApp({ fs: app(), appDir: 'apps/web', env: 'prod' });
    assert.equal(findings.length, 1, JSON.stringify(findings));
    assert.equal(findings[0].rule, 'image-tag-pinned');
    assert.equal(findings[0].severity, 'error');
    assert.equal(findings[0].object, 'Deployment/ns/web');
    assert.deepEqual(JSON.parse(JSON.stringify(findings[0].origin)), {
      file: 'apps/web/values-prod.yaml',
      line: 3,
      column: 3,
    });
    assert.throws(
      () => render({ fs: app(), appDir: 'apps/web', env: 'prod', checks: standardChecks() }),
      /values-prod\.yaml:3:3/,
    );
  });

  test('stg: the environment block turns every rule into a warning; render succeeds with it', () => {
    const fs = app({ 'apps/web/values-stg.yaml': 'image:\n  tag: latest\n' });
    const r = render({ fs, appDir: 'apps/web', env: 'stg', checks: standardChecks() });
    assert.deepEqual(
      r.findings.map((f) => `${f.severity} ${f.rule}`),
      ['warn image-tag-pinned'],
    );
  });

  test('spec.policy in strata.yaml overrides the repo file per environment', () => {
    const fs = app({
      'apps/web/strata.yaml': [
        'apiVersion: strata.dev/v1',
        'kind: App',
        'spec:',
        '  environments: [stg, prod]',
        '  namespace: ns',
        '  policy:',
        '    environments:',
        '      prod:',
        '        rules:',
        '          image-tag-pinned: "off"',
        '          min-replicas: { min: 3 }',
        '',
      ].join('\n'),
    });
    const findings = lintApp({ fs, appDir: 'apps/web', env: 'prod' });
    assert.deepEqual(
      findings.map((f) => `${f.severity} ${f.rule} ${f.path}`),
      ['error min-replicas .spec.replicas'],
    );
    assert.equal(findings[0].origin?.file, 'apps/web/values.yaml');
  });

  test('an unknown rule is a UserError at strata.yaml:line', () => {
    const fs = app({
      'apps/web/strata.yaml':
        'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg, prod]\n  policy:\n    rules:\n      image-tag-pined: error\n',
    });
    assert.throws(
      () => lintApp({ fs, appDir: 'apps/web', env: 'prod' }),
      (e: unknown) =>
        e instanceof UserError &&
        /strata\.yaml:7:7 \.spec\.policy\.rules\.image-tag-pined: unknown field/.test(e.toString()),
    );
  });

  test('an unknown option or a bad severity is a UserError at the file:line', () => {
    const fs = app({
      'apps/web/strata.yaml':
        'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg, prod]\n  policy:\n    rules:\n      min-replicas: { minimum: 2 }\n',
    });
    assert.throws(
      () => lintApp({ fs, appDir: 'apps/web', env: 'prod' }),
      (e: unknown) =>
        e instanceof UserError && /strata\.yaml:7:23 \.spec\.policy\.rules\.min-replicas\.minimum/.test(e.toString()),
    );
    const fs2 = app({
      'strata-policy.yaml': 'apiVersion: strata.dev/v1\nkind: Policy\nspec:\n  rules:\n    probes: fatal\n',
    });
    assert.throws(
      () => lintApp({ fs: fs2, appDir: 'apps/web', env: 'prod' }),
      (e: unknown) =>
        e instanceof UserError &&
        /^strata-policy\.yaml:5:\d+ \.spec\.rules\.probes: expected one of error, warn, off/.test(e.toString()),
    );
  });

  test('an environment the app does not declare is refused in spec.policy', () => {
    const fs = app({
      'apps/web/strata.yaml':
        'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg, prod]\n  policy:\n    environments:\n      production: { severity: warn }\n',
    });
    assert.throws(
      () => lintApp({ fs, appDir: 'apps/web', env: 'prod' }),
      /\.spec\.policy\.environments\.production: unknown field/,
    );
  });
});
