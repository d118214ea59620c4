// Custom policy rules in CEL (spec.custom) and the HPA-aware min-replicas rule.
// Run: node --import tsx --test test/policy-custom.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { standardChecks } from '../src/checks/index.js';
import { FindingsError, UserError } from '../src/core/errors.js';
import { MemoryFs } from '../src/core/fs.js';
import { render } from '../src/core/render.js';
import { parseSetExpression } from '../src/core/set-parser.js';
import { compileCel, CostMeter, isCompileError, toCel } from '../src/cel/cel.js';
import { parseKind } from '../src/policy/custom.js';
import { lintApp } from '../src/checks/lint.js';

const APP = [
  'apiVersion: strata.dev/v1',
  'kind: App',
  'spec:',
  '  environments: [dev, prod]',
  '  namespace: ns',
  '',
].join('\n');

// A Deployment whose `team` label comes from values.team (absent unless a layer sets it).
const DEPLOYMENT = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  '  labels:',
  '{{#if values.team}}',
  '    team: {{values.team}}',
  '{{/if}}',
  '    tier: web',
  'spec:',
  '  replicas: {{values.replicas}}',
  '  selector: { matchLabels: { app: web } }',
  '  template:',
  '    metadata: { labels: { app: web } }',
  '    spec:',
  '      containers:',
  '        - { name: web, image: "registry.example.com/web:{{values.tag}}" }',
  '',
].join('\n');

const TEAM_RULE = [
  '    - name: team-label',
  '      description: every Deployment names its owning team',
  '      match:',
  '        kinds: [Deployment, apps/v1/StatefulSet]',
  '      expression: "has(object.metadata.labels) && \'team\' in object.metadata.labels"',
  '      message: Deployments need a team label',
  '      severity: error',
].join('\n');

/** Built-in rules off, so findings are only the custom ones (a block's severity would reach custom rules too). */
const BUILTINS_OFF =
  '  rules: { image-tag-pinned: "off", container-resources: "off", min-replicas: "off", probes: "off", pod-security: "off", ingress-tls: "off" }';

function policy(custom: string, extra = ''): string {
  return ['apiVersion: strata.dev/v1', 'kind: Policy', 'spec:', BUILTINS_OFF, '  custom:', custom, extra, ''].join(
    '\n',
  );
}

function repo(files: Record<string, string> = {}): MemoryFs {
  return new MemoryFs({
    'strata-policy.yaml': policy(TEAM_RULE, '  environments:\n    dev:\n      rules:\n        team-label: warn'),
    'apps/web/strata.yaml': APP,
    'apps/web/values.yaml': 'replicas: 2\ntag: "1.0"\n',
    'apps/web/templates/deployment.yaml.hbs': DEPLOYMENT,
    ...files,
  });
}

const summary = (fs: MemoryFs, env: string): string[] =>
  lintApp({ fs, appDir: 'apps/web', env }).map((f) => `${f.severity} ${f.rule} ${f.object}: ${f.message}`);

describe('custom rules', () => {
  test('fails as an error in prod, warns in dev, passes once fixed', () => {
    const fs = repo();
    assert.deepEqual(summary(fs, 'prod'), ['error team-label Deployment/ns/web: Deployments need a team label']);
    assert.throws(
      () => render({ fs, appDir: 'apps/web', env: 'prod', checks: standardChecks() }),
      (e: unknown) => e instanceof FindingsError && /team-label/.test(String(e)),
    );
    const dev = render({ fs, appDir: 'apps/web', env: 'dev', checks: standardChecks() });
    assert.deepEqual(
      dev.findings.map((f) => `${f.severity} ${f.rule}`),
      ['warn team-label'],
    );
    const fixed = repo({ 'apps/web/values.yaml': 'replicas: 2\ntag: "1.0"\nteam: payments\n' });
    assert.deepEqual(summary(fixed, 'prod'), []);
    assert.deepEqual(summary(fixed, 'dev'), []);
  });

  test('a CEL syntax error is a UserError at the policy file line', () => {
    const bad = TEAM_RULE.replace(
      `"has(object.metadata.labels) && 'team' in object.metadata.labels"`,
      '"object.metadata.labels &&& true"',
    );
    const fs = repo({ 'strata-policy.yaml': policy(bad) });
    assert.throws(
      () => lintApp({ fs, appDir: 'apps/web', env: 'prod' }),
      (e: unknown) =>
        e instanceof UserError &&
        /^strata-policy\.yaml:10:\d+ \.spec\.custom\[0\]\.expression: CEL: .*\(column \d+ of the expression\)/.test(
          e.toString(),
        ),
    );
  });

  test('unknown functions, variables and fields are errors at their line', () => {
    const cases: [string, RegExp][] = [
      [
        TEAM_RULE.replace(
          `"has(object.metadata.labels) && 'team' in object.metadata.labels"`,
          '"object.metadata.labels.sortBy(1)"',
        ),
        /:10:\d+ \.spec\.custom\[0\]\.expression: CEL: unknown function "sortBy"/,
      ],
      [
        TEAM_RULE.replace(`"has(object.metadata.labels) && 'team' in object.metadata.labels"`, '"request.user == 1"'),
        /:10:\d+ .*undeclared reference to "request"/,
      ],
      [
        TEAM_RULE.replace('      severity: error', '      severty: error'),
        /:12:7 \.spec\.custom\[0\]\.severty: unknown field "severty"/,
      ],
      [
        TEAM_RULE.replace('[Deployment, apps/v1/StatefulSet]', '[apps//Deployment]'),
        /:9:\d+ \.spec\.custom\[0\]\.match\.kinds\[0\]: expected Kind/,
      ],
      [
        TEAM_RULE.replace('team-label', 'probes'),
        /:6:\d+ \.spec\.custom\[0\]\.name: a rule named "probes" already exists/,
      ],
    ];
    for (const [rule, re] of cases) {
      assert.throws(
        () => lintApp({ fs: repo({ 'strata-policy.yaml': policy(rule) }), appDir: 'apps/web', env: 'prod' }),
        (e: unknown) => e instanceof UserError && re.test(e.toString()),
        re.source,
      );
    }
  });

  test('a severity for an undefined custom rule is an unknown field; a rule defined in strata.yaml is known to the repo file', () => {
    const fs = repo({
      'strata-policy.yaml': policy(TEAM_RULE, '  environments:\n    prod:\n      rules:\n        team-labels: warn'),
    });
    assert.throws(
      () => lintApp({ fs, appDir: 'apps/web', env: 'prod' }),
      /\.spec\.environments\.prod\.rules\.team-labels: unknown field/,
    );
    const inApp = repo({
      'strata-policy.yaml':
        'apiVersion: strata.dev/v1\nkind: Policy\nspec:\n' +
        BUILTINS_OFF +
        '\n  environments:\n    prod:\n      rules:\n        tier-label: warn\n',
      'apps/web/strata.yaml':
        APP +
        "  policy:\n    custom:\n      - name: tier-label\n        match: { kinds: ['*'] }\n        expression: \"object.metadata.labels.tier == 'api'\"\n        severity: error\n",
    });
    assert.deepEqual(summary(inApp, 'prod'), ['warn tier-label Deployment/ns/web: fails the rule']);
  });

  test('an evaluation error is a finding with the CEL message, never a pass', () => {
    const rule = TEAM_RULE.replace(
      `"has(object.metadata.labels) && 'team' in object.metadata.labels"`,
      '"object.spec.strategy.type == \'RollingUpdate\'"',
    );
    const out = summary(repo({ 'strata-policy.yaml': policy(rule) }), 'prod');
    assert.equal(out.length, 1);
    assert.match(
      out[0],
      /^error team-label Deployment\/ns\/web: cannot evaluate the rule: .*strategy.* \(strata-policy\.yaml\)$/,
    );
    const notBool = TEAM_RULE.replace(
      `"has(object.metadata.labels) && 'team' in object.metadata.labels"`,
      '"object.metadata.name"',
    );
    assert.match(
      summary(repo({ 'strata-policy.yaml': policy(notBool) }), 'prod')[0],
      /expression returned web, expected true or false/,
    );
  });

  test('variables: values, env, app; messageExpression; fieldPath names the values origin', () => {
    const rule = [
      '    - name: replicas-by-env',
      '      match: { kinds: [Deployment], namespaces: [ns] }',
      "      expression: \"env != 'prod' || object.spec.replicas >= values.minimum && app.name == 'web' && app.namespace == 'ns'\"",
      "      messageExpression: \"'only ' + string(object.spec.replicas) + ' replicas in ' + env\"",
      '      fieldPath: .spec.replicas',
      '      severity: error',
    ].join('\n');
    const fs = repo({
      'strata-policy.yaml': policy(rule),
      'apps/web/values.yaml': 'replicas: 2\nminimum: 3\ntag: "1.0"\n',
    });
    const f = lintApp({ fs, appDir: 'apps/web', env: 'prod' });
    assert.deepEqual(
      f.map((x) => `${x.rule} ${x.path} ${x.message}`),
      ['replicas-by-env .spec.replicas only 2 replicas in prod'],
    );
    assert.deepEqual(JSON.parse(JSON.stringify(f[0].origin)), { file: 'apps/web/values.yaml', line: 1, column: 1 });
    assert.deepEqual(summary(fs, 'dev'), []);
    const otherNs = repo({
      'strata-policy.yaml': policy(rule.replace('namespaces: [ns]', 'namespaces: [other]')),
      'apps/web/values.yaml': 'replicas: 2\nminimum: 3\ntag: "1.0"\n',
    });
    assert.deepEqual(summary(otherNs, 'prod'), []);
  });

  test('hostile expressions stop at the cost budget or the deadline, as a finding', () => {
    const list = JSON.stringify(Array.from({ length: 3000 }, (_, i) => i));
    const rule = TEAM_RULE.replace(
      `"has(object.metadata.labels) && 'team' in object.metadata.labels"`,
      '"values.l.all(x, values.l.all(y, x + y >= 0))"',
    );
    const fs = repo({
      'strata-policy.yaml': policy(rule),
      'apps/web/values.yaml': `replicas: 2\ntag: "1.0"\nl: ${list}\n`,
    });
    // The rule holds for every pair: the one finding can only come from the budget or the deadline stopping it.
    const out = summary(fs, 'prod');
    assert.equal(out.length, 1);
    assert.match(out[0], /cannot evaluate the rule: (exceeded the cost budget|took over \d+ ms)/);
    // Nesting is refused before anything runs.
    const deep = TEAM_RULE.replace(
      `"has(object.metadata.labels) && 'team' in object.metadata.labels"`,
      '"values.l.all(a, values.l.all(b, values.l.all(c, values.l.all(d, true))))"',
    );
    assert.throws(
      () => lintApp({ fs: repo({ 'strata-policy.yaml': policy(deep) }), appDir: 'apps/web', env: 'prod' }),
      /nest more than 3 deep/,
    );
  });
});

describe('CEL engine', () => {
  const run = (src: string, vars: Record<string, unknown> = {}, m = new CostMeter()) => {
    const p = compileCel(src, ['x']);
    if (isCompileError(p)) throw new Error(p.message);
    return p.run(toCel(vars) as Record<string, unknown>, m);
  };
  test('standard macros, strings, regex and the Kubernetes list/regex functions', () => {
    const cases: [string, unknown][] = [
      [
        'x.all(i, i > 0) && x.exists(i, i == 2) && x.exists_one(i, i == 3) && x.map(i, i * 2)[2] == 6 && x.filter(i, i > 1).size() == 2',
        [1, 2, 3],
      ],
      ["'a-b-c'.split('-').join('+') == 'a+b+c' && 'Hi'.lowerAscii() == 'hi' && 'abc'.matches('^a.c$')", null],
      [
        "'ab12cd345'.findAll('[0-9]+') == ['12', '345'] && 'ab12'.find('[0-9]+') == '12' && 'ab'.find('[0-9]') == ''",
        null,
      ],
      [
        'x.isSorted() && x.sum() == 6 && x.min() == 1 && x.max() == 3 && x.indexOf(2) == 1 && x.lastIndexOf(9) == -1',
        [1, 2, 3],
      ],
      ['type(x[0]) == int && x[0] + 1 == 2', [1]],
    ];
    for (const [src, x] of cases) assert.deepEqual(run(src, { x }), { value: true }, src);
  });
  test('the cost meter counts iterations and built strings', () => {
    const m = new CostMeter(100);
    const r = run('x.all(i, true)', { x: Array.from({ length: 500 }, () => 1) }, m);
    assert.ok('error' in r && /cost budget/.test(r.error), JSON.stringify(r));
    const big = run('x.map(i, x[0]).join("")', { x: Array.from({ length: 2000 }, () => 'a'.repeat(1000)) });
    assert.ok('error' in big && /would build a string/.test(big.error), JSON.stringify(big).slice(0, 200));
  });
  test('kinds: Kind, version/Kind, group/version/Kind', () => {
    assert.deepEqual(parseKind('Deployment'), { kind: 'Deployment' });
    assert.deepEqual(parseKind('v1/ConfigMap'), { apiVersion: 'v1', kind: 'ConfigMap' });
    assert.deepEqual(parseKind('apps/v1/Deployment'), { apiVersion: 'apps/v1', kind: 'Deployment' });
    assert.equal(parseKind('a/b/c/D'), undefined);
    assert.equal(parseKind('apps/v1/'), undefined);
  });
});

describe('min-replicas and HPAs', () => {
  const hpa = (min: string) =>
    [
      '---',
      'apiVersion: autoscaling/v2',
      'kind: HorizontalPodAutoscaler',
      'metadata: { name: web }',
      'spec:',
      `  ${min}`,
      '  maxReplicas: 10',
      '  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }',
      '',
    ].join('\n');
  const fs = (extra: Record<string, string>) =>
    repo({
      'strata-policy.yaml':
        'apiVersion: strata.dev/v1\nkind: Policy\nspec:\n  severity: "off"\n  rules:\n    min-replicas: { severity: error, min: 2 }\n',
      'apps/web/templates/deployment.yaml.hbs': DEPLOYMENT.replace(
        '  replicas: {{values.replicas}}\n',
        '{{#if values.replicas}}\n  replicas: {{values.replicas}}\n{{/if}}\n',
      ),
      ...extra,
    });
  test('a Deployment scaled by an HPA is checked on minReplicas, and may leave replicas out', () => {
    const ok = fs({
      'apps/web/values.yaml': 'tag: "1.0"\nminReplicas: 3\n',
      'apps/web/templates/hpa.yaml.hbs': hpa('minReplicas: {{values.minReplicas}}'),
    });
    assert.deepEqual(summary(ok, 'prod'), []);
    const low = fs({
      'apps/web/values.yaml': 'tag: "1.0"\nreplicas: 5\nminReplicas: 1\n',
      'apps/web/templates/hpa.yaml.hbs': hpa('minReplicas: {{values.minReplicas}}'),
    });
    const f = lintApp({ fs: low, appDir: 'apps/web', env: 'prod' });
    assert.deepEqual(
      f.map((x) => `${x.rule} ${x.object} ${x.path} ${x.template}: ${x.message}`),
      [
        'min-replicas HorizontalPodAutoscaler/ns/web .spec.minReplicas apps/web/templates/hpa.yaml.hbs: scales Deployment/web down to 1 replica; at least 2 required',
      ],
    );
    assert.equal(f[0].origin?.file, 'apps/web/values.yaml');
    // minReplicas left out defaults to 1 (Kubernetes' default).
    assert.equal(
      summary(fs({ 'apps/web/values.yaml': 'tag: "1.0"\n', 'apps/web/templates/hpa.yaml.hbs': hpa('') }), 'prod')
        .length,
      1,
    );
  });
  test('an HPA for another Deployment does not excuse this one', () => {
    const other = fs({
      'apps/web/values.yaml': 'tag: "1.0"\n',
      'apps/web/templates/hpa.yaml.hbs': hpa('minReplicas: 3').replace(
        'kind: Deployment, name: web }',
        'kind: Deployment, name: api }',
      ),
    });
    assert.deepEqual(summary(other, 'prod'), ['error min-replicas Deployment/ns/web: 1 replica; at least 2 required']);
  });
});

describe('Kubernetes schema errors on printed values', () => {
  test('a number where a string belongs names its origin and suggests quote', () => {
    const fs = repo({
      'strata-policy.yaml': 'apiVersion: strata.dev/v1\nkind: Policy\nspec:\n  severity: "off"\n',
      'apps/web/templates/cm.yaml.hbs':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg }\ndata:\n  version: {{values.version}}\n',
    });
    const overrides = [
      {
        kind: 'set' as const,
        assignments: parseSetExpression('version=1.20', 'set', '--set'),
        origin: { flag: '--set version=1.20' },
      },
    ];
    const f = lintApp({ fs, appDir: 'apps/web', env: 'prod', overrides }).filter((x) => x.rule === 'kube-schema');
    assert.equal(f.length, 1, JSON.stringify(f));
    assert.equal(f[0].path, '.data.version');
    assert.match(f[0].message, /must be string, found a number: .*\{\{quote \.\.\.\}\}/);
    assert.equal(f[0].origin?.flag, '--set version=1.20');
    assert.throws(
      () => render({ fs, appDir: 'apps/web', env: 'prod', overrides, checks: standardChecks() }),
      /set at --set version=…\): must be string/,
    );
  });
});
