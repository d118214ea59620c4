import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../src/cli/main.js';
import { codeNamespace, diskStore } from '../src/io/compile-store.js';
import { parseIdentities } from '../src/secrets/age.js';
import { encryptSops } from '../src/secrets/sops-encrypt.js';
import { Capture, makeRepo } from './helpers.js';

// A canary secret through every command and error path: it may appear only in the manifests a render was
// asked for (render, generate), and nowhere else: not in `values`, `values --explain`, `diff`, `lint`, any
// stderr line, any error, or the compile cache folder afterwards.

const CANARY = 'CANARY-7f3a9c-do-not-print';
const FORMS = [CANARY, Buffer.from(CANARY).toString('base64')];
// Test keys made for this test only (age-keygen format): project "team-a" may decrypt, "team-b" may not.
const KEY_A = 'AGE-SECRET-KEY-1RH87A5Z54ZGUR9S0AS3R6WHFSEFNPLYMAKF5Z2CEU7R06VRJ0A3Q7242AM';
const KEY_B = 'AGE-SECRET-KEY-10U7MAELH09KZU63F65P2TYLN7TQM5X6GSDDCQ4YMUGDS3DS6XZMSTYY2PN';
const A = parseIdentities(KEY_A, 'a')[0];

const cacheDir = mkdtempSync(join(tmpdir(), 'strata-canary-cache-'));
const keysDir = mkdtempSync(join(tmpdir(), 'strata-canary-keys-'));
writeFileSync(join(keysDir, 'team-a.txt'), `# test key\n${KEY_A}\n`);
writeFileSync(join(keysDir, 'team-b.txt'), `${KEY_B}\n`);
const keyFile = join(keysDir, 'team-a.txt');

function secretLayer(password: string): string {
  return encryptSops({ db: { password } }, { recipients: [A.recipient], lastModified: '2026-01-02T03:04:05Z' });
}

const APP = {
  'app/strata.yaml': [
    'apiVersion: strata.dev/v1',
    'kind: App',
    'spec:',
    '  environments: [stg, prod]',
    '  namespace: demo',
    '  layers:',
    '    - values.yaml',
    '    - path: secrets-{env}.enc.yaml',
    '      optional: true',
    '',
  ].join('\n'),
  'app/values.yaml': 'db:\n  host: db.internal\n  password: ""\n',
  'app/secrets-prod.enc.yaml': secretLayer(CANARY),
  'app/templates/secret.yaml.hbs':
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {{quote values.db.password}}\n',
  'app/templates/cm.yaml.hbs':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\ndata:\n  host: {{quote values.db.host}}\n',
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  const stdout = new Capture();
  const stderr = new Capture();
  const fullEnv = {
    PATH: process.env.PATH ?? '',
    STRATA_CACHE_DIR: cacheDir,
    XDG_CONFIG_HOME: join(keysDir, 'none'),
    HOME: keysDir,
    ...env,
  };
  const code = await main({
    argv,
    env: fullEnv,
    cwd,
    stdout,
    stderr,
    openStore: (l) => diskStore(fullEnv, codeNamespace([__filename]), l.cacheBytes),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function leaks(text: string): boolean {
  return FORMS.some((f) => text.includes(f));
}

function assertClean(what: string, r: Run, { stdoutMayHold = false } = {}): void {
  assert.ok(!leaks(r.stderr), `${what}: stderr holds the secret: ${r.stderr}`);
  if (!stdoutMayHold) assert.ok(!leaks(r.stdout), `${what}: stdout holds the secret`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test('the canary shows only in the manifests asked for', async () => {
  const root = makeRepo(APP);
  const local = { SOPS_AGE_KEY_FILE: keyFile };

  const rendered = await run(['render', 'app', '--env', 'prod'], root, local);
  assert.equal(rendered.code, 0, rendered.stderr);
  assert.ok(rendered.stdout.includes(CANARY), 'render prints the Secret it was asked for');
  assertClean('render', rendered, { stdoutMayHold: true });

  for (const argv of [[], ['-o', 'json'], ['--explain'], ['--explain', '-o', 'json']]) {
    const r = await run(['values', 'app', '--env', 'prod', ...argv], root, local);
    assert.equal(r.code, 0, r.stderr);
    assertClean(`values ${argv.join(' ')}`, r);
    assert.match(r.stdout, /\+{8}/, 'the masked value is shown as a mask');
  }
  const shown = await run(['values', 'app', '--env', 'prod', '--show-secrets'], root, local);
  assert.ok(shown.stdout.includes(CANARY), '--show-secrets shows it (the test can fail)');

  const diff = await run(['diff', 'app', '--env', 'prod', '--against', 'stg'], root, local);
  assert.equal(diff.code, 1, diff.stderr);
  assertClean('diff', diff);
  assert.match(diff.stdout, /Secret/);

  const lint = await run(['lint', 'app', '--env', 'prod'], root, local);
  assertClean('lint', lint);

  // Argo CD: the sidecar with per-project key files.
  const argo = (project: string) => ({
    ARGOCD_APP_SOURCE_PATH: 'app',
    ARGOCD_APP_NAME: 'demo',
    ARGOCD_APP_PROJECT_NAME: project,
    STRATA_AGE_KEYS_DIR: keysDir,
    STRATA_ENV: 'prod',
    ARGOCD_ENV_STRATA_ENV: 'prod',
  });
  const gen = await run(['generate'], join(root, 'app'), argo('team-a'));
  assert.equal(gen.code, 0, gen.stderr);
  assert.ok(gen.stdout.includes(CANARY));
  assertClean('generate', gen, { stdoutMayHold: true });

  const other = await run(['generate'], join(root, 'app'), { ...argo('team-b'), SOPS_AGE_KEY: KEY_A });
  assert.equal(other.code, 1);
  assert.equal(other.stdout, '');
  assert.match(
    other.stderr.trim(),
    /^strata: error: app\/secrets-prod\.enc\.yaml: no age key for any recipient of this SOPS file \(recipients: age1\S+; keys tried: 1 from STRATA_AGE_KEYS_DIR\/team-b\.txt\)$/,
  );
  assertClean('generate, other project', other);

  const none = await run(['generate'], join(root, 'app'), argo('team-c'));
  assert.equal(none.code, 1);
  assert.match(
    none.stderr,
    /AppProject "team-c" has no key file \(STRATA_AGE_KEYS_DIR\/team-c\.txt\): a project without a key file cannot decrypt anything/,
  );
  assert.equal(none.stderr.trim().split('\n').length, 1);

  const traversal = await run(['generate'], join(root, 'app'), argo('../team-a'));
  assert.equal(traversal.code, 1);
  assert.match(traversal.stderr, /not a valid AppProject name/);
});

test('error paths after decryption never print the canary', async () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    // A values schema that refuses the decrypted value.
    [
      'schema',
      {
        'app/values.schema.json': JSON.stringify({
          type: 'object',
          properties: { db: { type: 'object', properties: { password: { type: 'string', maxLength: 5 } } } },
        }),
      },
      /values-schema|schema/,
    ],
    // A template that fails while the secret is in scope.
    [
      'template',
      {
        'app/templates/bad.yaml.hbs':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.db.password.nope}}\n',
      },
      /bad\.yaml\.hbs/,
    ],
    // The secret printed where YAML cannot parse it.
    [
      'bad yaml',
      { 'app/templates/bad.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {{values.db.password}}: [\n' },
      /bad\.yaml\.hbs/,
    ],
    // The MAC broken: a value edited by hand.
    [
      'tampered',
      {
        'app/secrets-prod.enc.yaml': APP['app/secrets-prod.enc.yaml'].replace(
          /data:[A-Za-z0-9+/]/,
          (m) => m.slice(0, -1) + (m.endsWith('A') ? 'B' : 'A'),
        ),
      },
      /SOPS value does not decrypt/,
    ],
  ];
  for (const [name, files, expected] of cases) {
    const root = makeRepo({ ...APP, ...files });
    const r = await run(['render', 'app', '--env', 'prod'], root, { SOPS_AGE_KEY_FILE: keyFile });
    assert.notEqual(r.code, 0, name);
    assert.equal(r.stdout, '', name);
    assert.match(r.stderr, expected, name);
    assertClean(name, r);
  }
  // The policy rule: the secret rendered into a ConfigMap warns, naming the field and the file, not the text.
  const root = makeRepo({
    ...APP,
    'app/templates/cm.yaml.hbs':
      APP['app/templates/cm.yaml.hbs'] + '  url: "postgres://app:{{values.db.password}}@db"\n',
  });
  const r = await run(['render', 'app', '--env', 'prod'], root, { SOPS_AGE_KEY_FILE: keyFile });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warn.*secrets-in-secrets.*\.data\.url of a ConfigMap/);
  assert.match(r.stderr, /secrets-prod\.enc\.yaml/);
  assertClean('policy warning', r, { stdoutMayHold: true });
  const lint = await run(['lint', 'app', '--env', 'prod'], root, { SOPS_AGE_KEY_FILE: keyFile });
  assert.match(lint.stdout + lint.stderr, /secrets-in-secrets/);
  assertClean('lint warning', lint, { stdoutMayHold: false });
});

test('the compile cache folder holds no decrypted value afterwards', () => {
  mkdirSync(cacheDir, { recursive: true });
  const files = filesUnder(cacheDir);
  assert.ok(files.length > 0, 'the runs above used the cache (a scan of nothing proves nothing)');
  for (const f of files) assert.ok(!leaks(readFileSync(f, 'latin1')), `${f} holds the secret`);
});

test('the plate example: its prod secret layer decrypts with the committed TEST key, given with -f', async () => {
  const repo = join(__dirname, '..');
  const dir = 'examples/plate/helm/applications/plate-api';
  const args = ['render', dir, '--env', 'prod', '-f', `${dir}/secrets-prod.enc.yaml`, '-o', 'json'];
  const r = await run(args, repo, { SOPS_AGE_KEY_FILE: join(repo, 'examples/plate/keys/TEST-ONLY-age-key.txt') });
  assert.equal(r.code, 0, r.stderr);
  const items = (JSON.parse(r.stdout) as { items: Record<string, any>[] }).items;
  assert.deepEqual(items.find((o) => o.kind === 'Secret')?.stringData, { DB_PASSWORD: 'plate-demo-password-not-real' });
  const dep = items.find((o) => o.kind === 'Deployment')!;
  assert.deepEqual(dep.spec.template.spec.containers[0].envFrom[1], { secretRef: { name: 'plate-api-secrets' } });
  const noKey = await run(args, repo);
  assert.equal(noKey.code, 1);
  assert.match(
    noKey.stderr,
    /secrets-prod\.enc\.yaml: cannot decrypt SOPS file for age recipients age13k44cx5y39n5hmgdynxqv62p85xypnnqn37msgfg78aeuttk6f4sk2l0rj: no age keys/,
  );
});
