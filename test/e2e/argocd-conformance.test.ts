// The conformance harness (test/argocd/harness.ts) over every example app x env, every Application spec the
// repo contains or renders, and the failure cases. Needs `npm run build` first.
// Run: node --import tsx --test test/e2e/argocd-conformance.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { validateApplication } from '../../src/argocd/application-schema.js';
import {
  applicationEnv,
  pickApplication,
  renderApplication,
  type ApplicationDoc,
} from '../../src/argocd/application.js';
import { loadAppConfig } from '../../src/core/config.js';
import { discoverApps } from '../../src/core/discover.js';
import { DiskFs } from '../../src/io/disk-fs.js';
import {
  cmpServer,
  extractCopy,
  REPO,
  runCommand,
  strataBin,
  strataBundle,
  type CmpServer,
  writeApplication,
} from '../argocd/harness.js';

const REV = '0123456789abcdef0123456789abcdef01234567';
const KUBE = {
  kubeVersion: '1.30.11',
  apiVersions: [
    'v1',
    'apps/v1',
    'apps/v1/Deployment',
    'networking.k8s.io/v1',
    'policy/v1',
    'autoscaling/v2',
    'cert-manager.io/v1',
    'argoproj.io/v1alpha1',
  ],
};

let root: string; // an extracted copy of the repo's plugin.yaml + examples/
let cmp: CmpServer;

before(async () => {
  root = extractCopy(['plugin.yaml', 'examples']);
  cmp = cmpServer(root, strataBin(await strataBundle()));
});

/** Argo CD's environment for an Application document (the same builder `render --application` uses). */
function envFor(app: ApplicationDoc, in_ = root): { env: Record<string, string>; appDir: string } {
  const { env, sourcePath } = applicationEnv(app, 'test', { revision: REV, ...KUBE });
  return { env, appDir: join(in_, sourcePath) };
}

function applicationFor(
  path: string,
  env: string,
  params: unknown[] = [{ name: 'env', string: env }],
  namespace = 'test-ns',
): ApplicationDoc {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: `${path.split('/').pop()}-${env}`, namespace: 'argocd' },
    spec: {
      project: 'default',
      destination: { server: 'https://kubernetes.default.svc', namespace },
      source: {
        repoURL: 'https://git.example.com/r.git',
        path,
        targetRevision: 'HEAD',
        plugin: { name: 'strata-v1', parameters: params as never },
      },
    },
  };
}

const writeApp = (doc: unknown, name: string): string => writeApplication(root, doc, name);

/** Through the harness and through render --application: same bytes, valid manifests. */
async function conforms(file: string, name?: string): Promise<{ text: string; count: number }> {
  const app = pickApplication(readFileSync(file, 'utf8'), file, name);
  assert.deepEqual(validateApplication(app), [], `${file}${name ? ` (${name})` : ''} must be a valid Application`);
  const { env, appDir } = envFor(app);
  const r = await cmp.generate(appDir, env);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.manifests!.length > 0, 'some manifests');
  const local = renderApplication({
    appFile: file,
    ...(name ? { name } : {}),
    repoRoot: root,
    revision: REV,
    ...KUBE,
    processEnv: process.env,
  });
  assert.equal(local.text, r.stdout.toString('utf8'), 'render --application matches generate byte for byte');
  return { text: local.text, count: r.manifests!.length };
}

describe('plugin.yaml', () => {
  test('CMP v2 shape: no shell, no discover rule (Applications name strata-v1)', () => {
    assert.equal(cmp.plugin.apiVersion, 'argoproj.io/v1alpha1');
    assert.equal(`${cmp.plugin.metadata.name}-${cmp.plugin.spec.version}`, 'strata-v1');
    assert.deepEqual(cmp.plugin.spec.generate.command, ['strata', 'generate']);
    assert.deepEqual(cmp.plugin.spec.parameters?.dynamic?.command, ['strata', 'parameters']);
    assert.equal(
      cmp.plugin.spec.discover,
      undefined,
      'a discover rule streams the repository for every match (util/app/discovery/discovery.go)',
    );
    const argvs = [cmp.plugin.spec.generate.command, cmp.plugin.spec.parameters.dynamic.command].flat();
    assert.ok(!argvs.some((a) => /^(sh|bash)$|^-c$/.test(a)), 'no shell');
    const names = [...((cmp.plugin.spec.parameters?.static ?? []) as { name: string }[]).map((p) => p.name)];
    assert.equal(new Set(names).size, names.length);
  });
});

describe('every example app x env through generate and parameters.dynamic', { concurrency: 6 }, () => {
  const fs = new DiskFs(REPO);
  const apps = discoverApps(fs, 'examples');
  test('the examples hold the apps we expect', () =>
    assert.deepEqual(apps, [
      'examples/plate/environments/argocd/apps',
      'examples/plate/helm/applications/plate-api',
      'examples/plate/helm/applications/plate-cache',
      'examples/plate/helm/applications/plate-llm',
      'examples/plate/helm/applications/plate-web',
      'examples/plate/helm/ingress',
      'examples/podinfo',
    ]));
  for (const dir of apps) {
    const config = loadAppConfig(fs, dir);
    for (const env of config.environments) {
      test(`${dir} --env ${env}`, async () => {
        const app = applicationFor(dir, env);
        const { env: vars, appDir } = envFor(app);
        const r = await cmp.generate(appDir, vars);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.manifests!.length > 0, 'the loop below checks something');
        for (const m of r.manifests!) {
          const meta = m.metadata as Record<string, any>;
          assert.equal(meta.labels['strata.dev/environment'], env);
          assert.equal(meta.annotations?.['strata.dev/source'], `https://git.example.com/r.git/${dir}`);
          assert.equal(meta.annotations?.['strata.dev/revision'], REV, 'no .git in the tarball: ARGOCD_APP_REVISION');
        }
        const local = renderApplication({
          appFile: writeApp(app, `${config.name}-${env}`),
          repoRoot: root,
          revision: REV,
          ...KUBE,
          processEnv: process.env,
        });
        assert.equal(local.text, r.stdout.toString('utf8'));
      });
    }
    test(`${dir}: parameters.dynamic prints only a JSON array, with the reduced environment`, async () => {
      const reduced = {
        ARGOCD_APP_NAME: 'x',
        ARGOCD_APP_SOURCE_PATH: dir,
        ARGOCD_APP_SOURCE_REPO_URL: 'r',
        ARGOCD_APP_SOURCE_TARGET_REVISION: 'HEAD',
      };
      const r = await cmp.parameters(join(root, dir), reduced);
      assert.equal(r.code, 0, r.stderr);
      const names = (r.announcements as { name: string; collectionType: string }[]).map(
        (a) => `${a.name}:${a.collectionType}`,
      );
      assert.deepEqual(names, ['env:string', 'valueFiles:array', 'values:string', 'set:map', 'setString:map']);
      const envA = r.announcements![0] as { string: string; tooltip: string };
      assert.equal(envA.string, config.defaultEnvironment ?? '');
      for (const e of config.environments) assert.ok(envA.tooltip.includes(e));
    });
  }
});

describe('Application specs', { concurrency: 4 }, () => {
  const handWritten = readdirSync(join(REPO, 'examples/plate/apps'))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  test('the hand-written specs are the ones we expect', () =>
    assert.deepEqual(handWritten, ['plate-api-prod.yaml', 'plate-llm-stg.yaml', 'plate-web-prod.yaml']));
  for (const f of handWritten) {
    test(`examples/plate/apps/${f}`, async () => {
      await conforms(join(root, 'examples/plate/apps', f));
    });
  }
  test('plate-api-prod: plugin.env interpolated, parameters applied', async () => {
    const file = join(root, 'examples/plate/apps/plate-api-prod.yaml');
    const { env } = envFor(pickApplication(readFileSync(file, 'utf8'), file));
    assert.equal(env.ARGOCD_ENV_DEPLOYED_FROM, `plate-api-prod@${REV.slice(0, 7)}`);
    assert.equal(env.PARAM_SET_IMAGE_TAG, '2.14.4');
    const { text } = await conforms(file);
    assert.match(text, /image: registry\.plate\.example\.com\/plate\/api:2\.14\.4/);
    assert.match(text, /replicas: 4/);
    assert.match(text, /FEATURE_FLAGS: search,recommendations,checkout-v2/);
  });
  test('plate-llm-stg: ns_name app name, destination namespace wins', async () => {
    const file = join(root, 'examples/plate/apps/plate-llm-stg.yaml');
    const { env } = envFor(pickApplication(readFileSync(file, 'utf8'), file));
    assert.equal(env.ARGOCD_APP_NAME, 'team-llm_plate-llm-stg');
    const { text } = await conforms(file);
    assert.match(text, /namespace: plate-llm-preview/);
    assert.doesNotMatch(text, /namespace: plate\n/);
  });

  for (const env of ['stg', 'prod']) {
    test(`app-of-apps ${env}: root Application, then every child it renders`, async () => {
      const file = join(root, 'examples/plate/environments/argocd/app-of-apps.yaml');
      const { text } = await conforms(file, `plate-apps-${env}`);
      const children = parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>);
      const names = children.map((c) => c.metadata.name).sort();
      const services =
        env === 'prod'
          ? ['ingress', 'plate-api', 'plate-cache', 'plate-web']
          : ['ingress', 'plate-api', 'plate-cache', 'plate-llm', 'plate-web'];
      assert.deepEqual(names, [...services, 'cert-manager', 'jenkins', 'metallb'].map((n) => `${n}-${env}`).sort());
      for (const c of children) {
        assert.deepEqual(validateApplication(c), [], `${c.metadata.name} is a valid Application`);
        assert.equal(c.metadata.namespace, 'argocd');
        const wave = Number(c.metadata.annotations['argocd.argoproj.io/sync-wave']);
        if (c.spec.source.chart) {
          assert.ok(wave < 0, 'libraries sync before the services');
          assert.match(c.spec.source.targetRevision, /^v?\d+\.\d+\.\d+$/, 'pinned chart version');
          assert.ok(c.spec.syncPolicy.syncOptions.includes('CreateNamespace=true'));
        } else {
          assert.equal(wave, 0);
          assert.equal(c.spec.source.plugin.name, 'strata-v1');
          assert.deepEqual(c.spec.source.plugin.parameters, [{ name: 'env', string: env }]);
          assert.equal(c.spec.syncPolicy.retry.limit, env === 'prod' ? 3 : 10);
          const f = writeApp(c, `child-${c.metadata.name}`);
          await conforms(f);
        }
      }
    });
  }
});

describe('failures: non-zero exit, nothing on stdout, the reason on stderr', { concurrency: 6 }, () => {
  const api = 'examples/plate/helm/applications/plate-api';
  const fails = async (app: ApplicationDoc, re: RegExp, extra = {}): Promise<void> => {
    const { env, appDir } = envFor(app);
    const r = await cmp.generate(appDir, env, extra);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout.length, 0, 'nothing on stdout');
    assert.match(r.stderr, re);
    assert.ok(r.stderr.length < 2000, 'a short reason');
  };
  test('bad env', () => fails(applicationFor(api, 'qa'), /unknown environment "qa": this app declares stg, prod/));
  test('unknown parameter', () =>
    fails(applicationFor(api, 'prod', [{ name: 'image', string: 'x' }]), /unknown parameter "image"/));
  test('parameter of the wrong collection type', () =>
    fails(
      applicationFor(api, 'prod', [{ name: 'valueFiles', string: 'x.yaml' }]),
      /parameter "valueFiles" .*\(collectionType array\), found string/,
    ));
  test('valueFiles escaping the repository', () =>
    fails(
      applicationFor(api, 'prod', [{ name: 'valueFiles', array: ['../../../../../../etc/passwd'] }]),
      /leaves the repository root/,
    ));
  test('no environment anywhere', () =>
    fails(
      applicationFor('examples/plate/environments/argocd/apps', 'x', []),
      /no environment: set the Application's plugin parameter "env"/,
    ));
  test('broken layer', async () => {
    const copy = extractCopy(['plugin.yaml', 'examples']);
    writeFileSync(join(copy, api, 'values-prod.yaml'), 'image:\n  tag: [unclosed\n');
    const r = await cmpServer(copy, cmp.bin).generate(join(copy, api), envFor(applicationFor(api, 'prod')).env);
    assert.equal(r.code, 1);
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /values-prod\.yaml:\d+:\d+: invalid YAML/);
  });
  test('timeout: the deadline during a slow render', async () => {
    const { env, appDir } = envFor(applicationFor(api, 'prod'));
    // Argo CD SIGKILLs the command at its deadline and SIGTERMs its group (cmpserver/plugin/plugin.go:108-129):
    // strata dies from a signal, mid-render, with nothing on stdout, and no exit status.
    const started = Date.now();
    const r = await cmp.generate(
      appDir,
      { ...env, STRATA_WARM: 'off', STRATA_TEST_ONLY_GENERATE_DELAY_MS: '20000' },
      { deadlineMs: 1000 },
    );
    assert.equal(r.code, null, 'no exit status');
    assert.ok(
      r.signal === 'SIGKILL' || r.signal === 'SIGTERM',
      `ended by the signal (${r.signal}), not after the render`,
    );
    assert.equal(r.stdout.length, 0);
    assert.ok(Date.now() - started < 15_000, 'did not wait for the 20 s render');
  });
});

describe('output size and pipes', () => {
  test('a 5 MiB render arrives whole through a slow pipe', async () => {
    const copy = extractCopy(['plugin.yaml', 'examples']);
    const api = 'examples/plate/helm/applications/plate-api';
    // ConfigMap data from a values file: ~5.5 MiB of output in two layers (each under the 4 MiB file cap).
    const line = 'x'.repeat(1000);
    for (const part of [0, 1]) {
      const body = Array.from({ length: 2800 }, (_, i) => `  K${part}_${String(i).padStart(5, '0')}: "${line}"`).join(
        '\n',
      );
      writeFileSync(join(copy, api, `big-${part}.yaml`), `config:\n${body}\n`);
    }
    const { env, appDir } = envFor(
      applicationFor(api, 'prod', [
        { name: 'env', string: 'prod' },
        { name: 'valueFiles', array: ['big-0.yaml', 'big-1.yaml'] },
      ]),
      copy,
    );
    const r = await cmpServer(copy, cmp.bin).generate(appDir, env, { slowReader: true, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.length > 5 * 1024 * 1024, `output is ${r.stdout.length} bytes`);
    assert.ok(r.stdout.toString('utf8').endsWith('\n'));
    const cm = r.manifests!.find((m) => m.kind === 'ConfigMap')! as { data: Record<string, string> };
    assert.equal(Object.keys(cm.data).filter((k) => /^K[01]_/.test(k)).length, 5600, 'every key arrived');
    assert.equal(cm.data.K1_02799, line);
  });
});

describe('revision annotation', () => {
  let repo: string;
  let first: string;
  const git = (args: string[]): string =>
    execFileSync('git', args, {
      cwd: repo,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH!,
        HOME: repo,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@e',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@e',
        GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
        GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
      },
    }).trim();
  before(() => {
    repo = extractCopy(['plugin.yaml', 'examples']);
    git(['init', '-q', '-b', 'main']);
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'one']);
    first = git(['rev-parse', 'HEAD']);
    writeFileSync(
      join(repo, 'examples/plate/helm/applications/plate-web/values.yaml'),
      readFileSync(join(repo, 'examples/plate/helm/applications/plate-web/values.yaml'), 'utf8') + '\n# touched\n',
    );
    git(['commit', '-q', '-am', 'two: plate-web only']);
  });
  after(() => undefined);
  const revisionOf = async (app: string): Promise<string | undefined> => {
    const { env, appDir } = envFor(applicationFor(app, 'prod'), repo);
    const r = await cmpServer(repo, cmp.bin).generate(appDir, {
      ...env,
      ARGOCD_APP_REVISION: git(['rev-parse', 'HEAD']),
    });
    assert.equal(r.code, 0, r.stderr);
    return (r.manifests![0].metadata as any).annotations?.['strata.dev/revision'];
  };
  test("app mode: the last commit that changed this app's inputs, when .git is there", async () => {
    assert.equal(
      await revisionOf('examples/plate/helm/applications/plate-api'),
      first,
      'plate-api did not change in commit two',
    );
    assert.equal(await revisionOf('examples/plate/helm/applications/plate-web'), git(['rev-parse', 'HEAD']));
  });
  test('without git on PATH: falls back to ARGOCD_APP_REVISION', async () => {
    const api = 'examples/plate/helm/applications/plate-api';
    const { env, appDir } = envFor(applicationFor(api, 'prod'), repo);
    const head = git(['rev-parse', 'HEAD']);
    // PATH holds only the strata shim (its shebang names node by absolute path): no git to be found.
    const r = await runCommand(['strata', 'generate'], {
      cwd: appDir,
      env: { PATH: cmp.bin, HOME: repo, ...env, ARGOCD_APP_REVISION: head },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString('utf8'), new RegExp(`strata.dev/revision: "?${head}"?\n`));
    assert.notEqual(head, first);
  });
  test('spec.metadata.revision: repo annotates ARGOCD_APP_REVISION, off annotates nothing', async () => {
    const web = 'examples/plate/helm/applications/plate-web';
    const file = join(repo, web, 'strata.yaml');
    const original = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, original.replace(/^spec:\n/m, 'spec:\n  metadata:\n    revision: repo\n'));
      assert.equal(await revisionOf('examples/plate/helm/applications/plate-api'), first);
      writeFileSync(
        join(repo, 'examples/plate/helm/applications/plate-api/strata.yaml'),
        readFileSync(join(repo, 'examples/plate/helm/applications/plate-api/strata.yaml'), 'utf8').replace(
          /^spec:\n/m,
          'spec:\n  metadata:\n    revision: repo\n',
        ),
      );
      assert.equal(await revisionOf('examples/plate/helm/applications/plate-api'), git(['rev-parse', 'HEAD']));
      writeFileSync(file, original.replace(/^spec:\n/m, 'spec:\n  metadata:\n    revision: "off"\n'));
      assert.equal(await revisionOf(web), undefined);
    } finally {
      writeFileSync(file, original);
    }
  });
});
