// The platform policy (issue 23 §3, docs/policy.md "Platform policy"): a Policy file the sidecar's operator
// names with STRATA_PLATFORM_POLICY, outside the repository, that no repository can relax.
// Run: node --import tsx --test test/platform-policy.test.ts
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { cli, makeRepo } from './helpers.js';

const APP = [
  'apiVersion: strata.dev/v1',
  'kind: App',
  'spec:',
  '  environments: [stg, prod]',
  '  namespace: team-a',
  '',
].join('\n');

/** Every repository policy rule off: what a repository that wants to relax everything writes. */
const REPO_ALL_OFF = [
  'apiVersion: strata.dev/v1',
  'kind: Policy',
  'spec:',
  '  severity: "off"',
  '  rules: { image-tag-pinned: "off", container-resources: "off", min-replicas: "off", probes: "off", pod-security: "off", ingress-tls: "off", image-registry: "off" }',
  '',
].join('\n');

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n';

// The four objects of the reproduction in issue 23: an app whose destination is team-a.
const CRB = [
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: ClusterRoleBinding',
  'metadata:',
  '  name: team-a-admin',
  'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }',
  'subjects: [{ kind: ServiceAccount, name: default, namespace: team-a }]',
  '',
].join('\n');
const SECRET =
  'apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\n  namespace: kube-system\nstringData:\n  k: v\n';
const PROJECT =
  'apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: default\n  namespace: argocd\nspec:\n  sourceRepos: ["*"]\n';
const APPLICATION = [
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Application',
  'metadata:',
  '  name: escalate',
  '  namespace: argocd',
  'spec:',
  '  project: default',
  '  destination: { server: "https://kubernetes.default.svc", namespace: kube-system }',
  '  source: { repoURL: "https://example.com/r.git", path: x }',
  '',
].join('\n');

const DEPLOYMENT = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  'spec:',
  '  replicas: 2',
  '  selector: { matchLabels: { app: web } }',
  '  template:',
  '    metadata: { labels: { app: web } }',
  '    spec:',
  '      containers:',
  '        - { name: web, image: "registry.example.com/web:{{values.tag}}" }',
  '',
].join('\n');

const PLATFORM = [
  'apiVersion: strata.dev/v1',
  'kind: Policy',
  'spec:',
  '  platform:',
  '    denyKinds: [ClusterRoleBinding, AppProject]',
  '    namespaces: destination',
  '  rules: { image-tag-pinned: error }',
  '',
].join('\n');

function platformFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-platform-'));
  const file = join(dir, 'platform-policy.yaml');
  writeFileSync(file, text);
  return file;
}

function repoWith(templates: Record<string, string>, extra: Record<string, string> = {}): string {
  const files: Record<string, string> = {
    'app/strata.yaml': APP,
    'app/values.yaml': 'tag: "1.0"\n',
    'strata-policy.yaml': REPO_ALL_OFF,
    ...extra,
  };
  for (const [name, text] of Object.entries(templates)) files[`app/templates/${name}`] = text;
  return makeRepo(files);
}

/** `strata generate` as Argo CD runs it for an Application of project `project` with destination `namespace`. */
function generate(
  root: string,
  policyFile: string | undefined,
  over: Record<string, string> = {},
): ReturnType<typeof cli> {
  return cli(['generate'], {
    cwd: join(root, 'app'),
    env: {
      ARGOCD_APP_NAME: 'team-a-web',
      ARGOCD_APP_NAMESPACE: 'team-a',
      ARGOCD_APP_PROJECT_NAME: 'team-a',
      ARGOCD_APP_SOURCE_PATH: 'app',
      ARGOCD_APP_PARAMETERS: '[{"name":"env","string":"prod"}]',
      STRATA_CACHE_DIR: 'off',
      ...(policyFile !== undefined ? { STRATA_PLATFORM_POLICY: policyFile } : {}),
      ...over,
    },
  });
}

describe('platform policy: the four objects of the issue 23 reproduction', () => {
  const cases: [string, string, RegExp][] = [
    [
      'crb.yaml',
      CRB,
      /error platform-kinds ClusterRoleBinding\/team-a-admin .*app\/templates\/crb\.yaml.*: platform policy \(.*platform-policy\.yaml\): kind ClusterRoleBinding is not allowed .*ask your platform team/,
    ],
    [
      'secret.yaml',
      SECRET,
      /error platform-namespaces Secret\/kube-system\/stolen \.metadata\.namespace .*app\/templates\/secret\.yaml.*: platform policy \(.*\): namespace "kube-system" is not allowed .*team-a/,
    ],
    [
      'project.yaml',
      PROJECT,
      /error platform-kinds AppProject\/argocd\/default .*: platform policy \(.*\): kind AppProject is not allowed/,
    ],
    [
      'application.yaml',
      APPLICATION,
      /error platform-namespaces Application\/argocd\/escalate \.metadata\.namespace .*: platform policy \(.*\): namespace "argocd" is not allowed/,
    ],
  ];
  for (const [name, text, expected] of cases) {
    test(`${name}: renders today without a platform policy, fails under one with a one-line error naming it`, async () => {
      const root = repoWith({ 'cm.yaml': CM, [name]: text });
      const open = await generate(root, undefined);
      assert.equal(open.code, 0, open.stderr);
      const r = await generate(root, platformFile(PLATFORM));
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, expected);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }

  test('all four at once: four errors, each on its own line, nothing on stdout', async () => {
    const root = repoWith({
      'crb.yaml': CRB,
      'secret.yaml': SECRET,
      'project.yaml': PROJECT,
      'application.yaml': APPLICATION,
    });
    const r = await generate(root, platformFile(PLATFORM));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /4 errors found/);
    for (const id of [
      'ClusterRoleBinding/team-a-admin',
      'Secret/kube-system/stolen',
      'AppProject/argocd/default',
      'Application/argocd/escalate',
    ])
      assert.match(r.stderr, new RegExp(`platform-\\w+ ${id}`));
  });

  test('a cluster-scoped kind is refused under `namespaces` unless allowClusterKinds lists it', async () => {
    const role = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\nrules: []\n';
    const root = repoWith({ 'cm.yaml': CM, 'role.yaml': role });
    const denied = await generate(root, platformFile(PLATFORM));
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /platform-namespaces ClusterRole\/reader .*ClusterRole is cluster-scoped/);
    const allowed = await generate(
      root,
      platformFile(
        PLATFORM.replace(
          '    namespaces: destination',
          '    namespaces: destination\n    allowClusterKinds: [ClusterRole]',
        ),
      ),
    );
    assert.equal(allowed.code, 0, allowed.stderr);
  });

  test('objects in the destination (given or defaulted) and in listed namespaces pass', async () => {
    const inList = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: team-a-shared\n';
    const root = repoWith({ 'cm.yaml': CM, 'shared.yaml': inList });
    assert.equal((await generate(root, platformFile(PLATFORM))).code, 1);
    const listed = PLATFORM.replace('namespaces: destination', 'namespaces: [team-a, team-a-shared]');
    const r = await generate(root, platformFile(listed));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /namespace: team-a-shared/);
  });
});

describe('platform policy: a repository cannot relax it', () => {
  test('image-tag-pinned: error holds though strata-policy.yaml and strata.yaml turn it off, with a warning naming the relaxation', async () => {
    const app = APP + '  policy:\n    rules: { image-tag-pinned: "off" }\n';
    const root = repoWith(
      { 'deploy.yaml.hbs': DEPLOYMENT },
      { 'app/strata.yaml': app, 'app/values.yaml': 'tag: latest\n' },
    );
    assert.equal((await generate(root, undefined)).code, 0);
    const r = await generate(root, platformFile(PLATFORM));
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /error image-tag-pinned Deployment\/team-a\/web \.spec\.template\.spec\.containers\[0\]\.image .*set at app\/values\.yaml:1:\d+.*: platform policy \(.*\): image .* uses the tag "latest"/,
    );
    // With a pinned tag the render passes and says that the repository's "off" does not apply.
    const pinned = repoWith({ 'deploy.yaml.hbs': DEPLOYMENT }, { 'app/strata.yaml': app });
    const ok = await generate(pinned, platformFile(PLATFORM));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stderr,
      /warn platform-policy .*image-tag-pinned is "off" in the repository's policy, below the platform policy's "error" \(.*platform-policy\.yaml\); the platform's applies/,
    );
  });

  test('every built-in rule the platform sets is enforced whatever the repository says', async () => {
    const rules = ['container-resources', 'min-replicas', 'probes', 'pod-security'];
    const root = repoWith({ 'deploy.yaml.hbs': DEPLOYMENT.replace('replicas: 2', 'replicas: 1') });
    for (const rule of rules) {
      const text = PLATFORM.replace('rules: { image-tag-pinned: error }', `rules: { ${rule}: error }`);
      const r = await generate(root, platformFile(text));
      assert.equal(r.code, 1, `${rule}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`error ${rule} Deployment/team-a/web .*platform policy`), rule);
    }
    const registry = PLATFORM.replace(
      'rules: { image-tag-pinned: error }',
      'rules: { image-registry: { severity: error, allow: [ghcr.io/acme] } }',
    );
    const r = await generate(root, platformFile(registry));
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /error image-registry Deployment\/team-a\/web .*platform policy .*registry\.example\.com, which is not allowed \(allowed: ghcr\.io\/acme\)/,
    );
  });

  test('a repository rule stricter than the platform still applies (tightening), and a finding both report is listed once', async () => {
    const tighter = REPO_ALL_OFF.replace(
      'image-tag-pinned: "off"',
      'image-tag-pinned: { severity: error, requireDigest: true }',
    );
    const root = repoWith({ 'deploy.yaml.hbs': DEPLOYMENT }, { 'strata-policy.yaml': tighter });
    const r = await generate(root, platformFile(PLATFORM));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error image-tag-pinned .*is not pinned by digest/);
    const both = repoWith(
      { 'deploy.yaml.hbs': DEPLOYMENT },
      {
        'strata-policy.yaml': REPO_ALL_OFF.replace('image-tag-pinned: "off"', 'image-tag-pinned: error'),
        'app/values.yaml': 'tag: latest\n',
      },
    );
    const once = await generate(both, platformFile(PLATFORM));
    assert.equal(once.code, 1);
    assert.equal(once.stderr.match(/uses the tag "latest"/g)?.length, 1, once.stderr);
    assert.match(once.stderr, /platform policy/);
  });

  test('a repository cannot unlist a denied kind: the repository policy has no platform section', async () => {
    const sneaky = REPO_ALL_OFF.replace('spec:\n', 'spec:\n  platform: { denyKinds: [] }\n');
    const root = repoWith({ 'crb.yaml': CRB }, { 'strata-policy.yaml': sneaky });
    const r = await generate(root, platformFile(PLATFORM));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /strata-policy\.yaml:\d+:\d+ \.spec\.platform: unknown field "platform"/);
  });

  test('a platform custom (CEL) rule cannot be switched off by a repository', async () => {
    const custom = [
      PLATFORM.trimEnd(),
      '  custom:',
      '    - name: team-label',
      '      match: { kinds: [ConfigMap] }',
      '      expression: "has(object.metadata.labels) && \'team\' in object.metadata.labels"',
      '      message: every ConfigMap names its team',
      '      severity: error',
      '',
    ].join('\n');
    const off = REPO_ALL_OFF.replace('image-registry: "off" }', 'image-registry: "off", team-label: "off" }');
    const root = repoWith({ 'cm.yaml': CM }, { 'strata-policy.yaml': off });
    const r = await generate(root, platformFile(custom));
    assert.equal(r.code, 1);
    // The repository's policy does not know the platform's rule: naming it is an error at its line.
    assert.match(r.stderr, /strata-policy\.yaml:\d+:\d+ \.spec\.rules\.team-label: unknown field "team-label"/);
    const plain = repoWith({ 'cm.yaml': CM });
    const r2 = await generate(plain, platformFile(custom));
    assert.equal(r2.code, 1);
    assert.match(
      r2.stderr,
      /error team-label ConfigMap\/team-a\/settings .*platform policy \(.*\): every ConfigMap names its team/,
    );
  });
});

describe('platform policy: per AppProject sections', () => {
  const PER_PROJECT = [
    PLATFORM.trimEnd(),
    '  projects:',
    '    platform-team:',
    '      platform:',
    '        denyKinds: [AppProject]',
    '        namespaces: [team-a, kube-system]',
    '        allowClusterKinds: [ClusterRoleBinding]',
    '      rules: { image-tag-pinned: "off" }',
    '    strict:',
    '      rules: { min-replicas: { severity: error, min: 3 } }',
    '',
  ].join('\n');

  test('ARGOCD_APP_PROJECT_NAME picks the section merged over the defaults; other projects get the defaults', async () => {
    const root = repoWith(
      { 'crb.yaml': CRB, 'secret.yaml': SECRET, 'deploy.yaml.hbs': DEPLOYMENT },
      { 'app/values.yaml': 'tag: latest\n' },
    );
    const file = platformFile(PER_PROJECT);
    const teamA = await generate(root, file);
    assert.equal(teamA.code, 1);
    assert.match(teamA.stderr, /3 errors found/);
    const platformTeam = await generate(root, file, { ARGOCD_APP_PROJECT_NAME: 'platform-team' });
    assert.equal(platformTeam.code, 0, platformTeam.stderr);
    const strict = await generate(repoWith({ 'deploy.yaml.hbs': DEPLOYMENT }), file, {
      ARGOCD_APP_PROJECT_NAME: 'strict',
    });
    assert.equal(strict.code, 1);
    assert.match(
      strict.stderr,
      /error min-replicas Deployment\/team-a\/web .*platform policy .*2 replicas; at least 3 required/,
    );
  });
});

describe('platform policy: fails closed', () => {
  test('a malformed platform file: one line naming the file and the path, nothing rendered', async () => {
    const root = repoWith({ 'cm.yaml': CM });
    const bad: [string, RegExp][] = [
      [
        PLATFORM.replace('denyKinds: [ClusterRoleBinding, AppProject]', 'denyKinds: ClusterRoleBinding'),
        /platform-policy\.yaml:5:\d+ \.spec\.platform\.denyKinds: platform policy: expected a list/,
      ],
      [
        PLATFORM.replace('namespaces: destination', 'namespaces: destinatoin'),
        /\.spec\.platform\.namespaces: platform policy: expected "destination" or a list of namespaces/,
      ],
      [
        PLATFORM.replace('image-tag-pinned: error', 'image-tag-pined: error'),
        /\.spec\.rules\.image-tag-pined: platform policy: unknown field/,
      ],
      [
        PLATFORM.replace('kind: Policy', 'kind: App'),
        /platform-policy\.yaml:2:\d+ \.kind: platform policy: expected "Policy"/,
      ],
      ['spec: [\n', /platform-policy\.yaml.*platform policy/],
      ['', /platform-policy\.yaml.*platform policy: .*empty/],
    ];
    for (const [text, expected] of bad) {
      const r = await generate(root, platformFile(text));
      assert.equal(r.code, 1, text);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, expected);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  test('STRATA_PLATFORM_POLICY set but the file missing, relative, empty or not a file: the render fails naming it', async () => {
    const root = repoWith({ 'cm.yaml': CM });
    const cases: [string, RegExp][] = [
      [
        '/nonexistent/platform-policy.yaml',
        /^strata: error: \/nonexistent\/platform-policy\.yaml: cannot read the platform policy \(STRATA_PLATFORM_POLICY\): ENOENT; strata does not render without it$/,
      ],
      ['platform-policy.yaml', /STRATA_PLATFORM_POLICY must be an absolute path/],
      ['', /STRATA_PLATFORM_POLICY is set but empty/],
      ['/dev/zero', /\/dev\/zero: cannot read the platform policy .*character device/],
      [tmpdir(), /cannot read the platform policy .*directory/],
    ];
    for (const [value, expected] of cases) {
      const r = await generate(root, value);
      assert.equal(r.code, 1, value);
      assert.equal(r.stdout, '');
      assert.match(r.stderr.trim(), expected);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  test('an Application with no destination namespace under `namespaces: destination` fails, naming why', async () => {
    const root = repoWith({ 'cm.yaml': CM });
    const r = await generate(root, platformFile(PLATFORM), { ARGOCD_APP_NAMESPACE: '' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the Application names no destination namespace/);
  });
});

describe('platform policy: lint and render show it', () => {
  test('lint lists platform findings and fails; render does too', async () => {
    const root = repoWith({ 'crb.yaml': CRB, 'cm.yaml': CM });
    const env = {
      STRATA_PLATFORM_POLICY: platformFile(PLATFORM),
      ARGOCD_APP_PROJECT_NAME: 'team-a',
      STRATA_CACHE_DIR: 'off',
    };
    const lint = await cli(['lint', 'app', '--env', 'prod'], { cwd: root, env });
    assert.equal(lint.code, 1, lint.stdout + lint.stderr);
    assert.match(lint.stdout, /error platform-kinds ClusterRoleBinding\/team-a-admin .*platform policy/);
    assert.match(lint.stdout, /1 error, /);
    const render = await cli(['render', 'app', '--env', 'prod'], { cwd: root, env });
    assert.equal(render.code, 1);
    assert.equal(render.stdout, '');
    assert.match(render.stderr, /platform-kinds ClusterRoleBinding/);
    const without = await cli(['lint', 'app', '--env', 'prod'], { cwd: root, env: { STRATA_CACHE_DIR: 'off' } });
    assert.equal(without.code, 0, without.stdout);
  });
});

describe('platform policy: the documented example', () => {
  test("docs/policy.md's example parses, and holds team-a and platform-team apart", async () => {
    const { readFileSync } = await import('node:fs');
    const { REPO } = await import('./helpers.js');
    const doc = readFileSync(join(REPO, 'docs', 'policy.md'), 'utf8');
    const example = /```yaml\n# \/etc\/strata\/(?:platform\/)?platform-policy\.yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(example, 'the example is in docs/policy.md');
    const file = platformFile(example);
    const hostPath = DEPLOYMENT.replace(
      '      containers:',
      '      volumes: [{ name: h, hostPath: { path: /var/run } }]\n      containers:',
    );
    const root = repoWith({ 'deploy.yaml.hbs': hostPath, 'crb.yaml': CRB });
    const teamA = await generate(root, file);
    assert.equal(teamA.code, 1);
    assert.match(
      teamA.stderr,
      /error no-host-path Deployment\/team-a\/web .*platform policy .*hostPath volumes are not allowed/,
    );
    assert.match(teamA.stderr, /error platform-kinds ClusterRoleBinding/);
    const platformTeam = await generate(root, file, { ARGOCD_APP_PROJECT_NAME: 'platform-team' });
    assert.equal(platformTeam.code, 1);
    assert.doesNotMatch(platformTeam.stderr, /ClusterRoleBinding/);
    assert.match(platformTeam.stderr, /1 error found: error no-host-path/);
  });

  test('allowKinds: only the listed kinds may be emitted', async () => {
    const root = repoWith({ 'cm.yaml': CM, 'secret.yaml': SECRET.replace('  namespace: kube-system\n', '') });
    const r = await generate(
      root,
      platformFile(
        PLATFORM.replace(
          'denyKinds: [ClusterRoleBinding, AppProject]',
          'allowKinds: [v1/ConfigMap, apps/v1/Deployment]',
        ),
      ),
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /1 error found: error platform-kinds Secret\/team-a\/stolen \.kind .*kind Secret is not allowed for this app \(allowed: v1\/ConfigMap, apps\/v1\/Deployment\)/,
    );
  });
});

describe('every local entry point applies the platform policy', () => {
  const platformFile = (): string => {
    const f = join(mkdtempSync(join(tmpdir(), 'strata-platform-')), 'platform.yaml');
    writeFileSync(
      f,
      'apiVersion: strata.dev/v1\nkind: Policy\nspec:\n  platform:\n    denyKinds: [ClusterRoleBinding]\n',
    );
    return f;
  };

  test('render --output-dir', async () => {
    const root = makeRepo({ 'app/strata.yaml': APP, 'app/values.yaml': 'a: 1\n', 'app/templates/crb.yaml': CRB });
    const out = join(root, 'out');
    const r = await cli(['render', '--all', '--env', 'stg', '--output-dir', out, root], {
      cwd: root,
      env: { STRATA_PLATFORM_POLICY: platformFile() },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /platform policy .*kind ClusterRoleBinding is not allowed/);
  });

  test('render --application takes STRATA_PLATFORM_POLICY from the sidecar environment, not from the Application', async () => {
    const root = makeRepo({ 'app/strata.yaml': APP, 'app/values.yaml': 'a: 1\n', 'app/templates/crb.yaml': CRB });
    const appFile = join(root, 'application.yaml');
    writeFileSync(
      appFile,
      [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Application',
        'metadata: { name: team-a-app, namespace: argocd }',
        'spec:',
        '  project: default',
        '  destination: { server: "https://kubernetes.default.svc", namespace: team-a }',
        '  source: { repoURL: "https://example.com/r.git", path: app, targetRevision: HEAD, plugin: { name: strata-v1, env: [{ name: STRATA_ENV, value: stg }] } }',
        '',
      ].join('\n'),
    );
    const r = await cli(['render', '--application', appFile, '--repo-root', root], {
      cwd: root,
      env: { STRATA_PLATFORM_POLICY: platformFile() },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /kind ClusterRoleBinding is not allowed/);
  });
});
