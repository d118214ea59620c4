// What a real cluster does that a plain harness run does not (issue 17): partial repositories
// (manifest-generate-paths), discovery cost, empty and misspelt environments, .argocd-source*.yaml, the
// controller namespace, and the ApplicationSet example. Needs `npm run build` first.
// Run: node --import tsx --test test/e2e/argocd-cluster.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import Ajv from 'ajv';
import { load as loadYaml } from 'js-yaml';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { applicationSchemaFromCrd, validateApplication } from '../../src/argocd/application-schema.js';
import {
  applicationEnv,
  pickApplication,
  renderApplication,
  type ApplicationDoc,
} from '../../src/argocd/application.js';
import {
  checkoutCopy,
  cmpServer,
  extractCopy,
  manifestGenerateRoot,
  REPO,
  strataBin,
  strataBundle,
  type CmpServer,
  writeApplication,
} from '../argocd/harness.js';

const REV = '89abcdef0123456789abcdef0123456789abcdef';
const KUBE = {
  kubeVersion: '1.30.11',
  apiVersions: [
    'v1',
    'apps/v1',
    'networking.k8s.io/v1',
    'policy/v1',
    'autoscaling/v2',
    'cert-manager.io/v1',
    'argoproj.io/v1alpha1',
  ],
};
const SHARED = join(REPO, '..', 'shared', 'fixtures', 'argocd');
const ANNOTATION = 'argocd.argoproj.io/manifest-generate-paths';

let root: string;
let bin: string;
let cmp: CmpServer;

before(async () => {
  root = extractCopy(['plugin.yaml', 'examples']);
  bin = strataBin(await strataBundle());
  cmp = cmpServer(root, bin);
});

const envOf = (app: ApplicationDoc, opts = {}) => applicationEnv(app, 'test', { revision: REV, ...KUBE, ...opts });
const sourceOf = (app: ApplicationDoc) => app.spec!.source!;
const annotationOf = (app: ApplicationDoc): string | undefined =>
  (app.metadata as { annotations?: Record<string, string> }).annotations?.[ANNOTATION];

const writeApp = (doc: unknown, name: string): string => writeApplication(root, doc, name);

/**
 * The partial tarball gives the bytes `render --application` gives for the whole repository (which
 * test/e2e/argocd-conformance.test.ts holds equal to generate on a whole tarball).
 */
async function partialConforms(app: ApplicationDoc): Promise<string> {
  assert.deepEqual(validateApplication(app), [], `${app.metadata?.name} is a valid Application`);
  const annotation = annotationOf(app);
  assert.ok(annotation, `${app.metadata?.name} carries ${ANNOTATION}`);
  const { env } = envOf(app);
  const path = sourceOf(app).path!;
  const partial = await cmp.generateFor(
    { path, manifestGeneratePaths: annotation, useManifestGeneratePaths: true },
    env,
  );
  assert.equal(partial.code, 0, `partial repository: ${partial.stderr}`);
  assert.ok(!partial.cwd.endsWith(path), `only the common parent was sent (cwd ${partial.cwd})`);
  const local = renderApplication({
    appFile: writeApp(app, app.metadata!.name!),
    repoRoot: root,
    revision: REV,
    ...KUBE,
    processEnv: process.env,
  });
  assert.equal(
    partial.stdout.toString('utf8'),
    local.text,
    'same manifests from the partial tarball as from the whole repository',
  );
  return local.text;
}

describe('partial repositories: reposerver.plugin.use.manifest.generate.paths', { concurrency: 4 }, () => {
  test('the common parent, as reposerver/repository/utils.go computes it', () => {
    const app = 'examples/plate/helm/applications/plate-api';
    const cases: [string | undefined, string][] = [
      [undefined, ''],
      ['.', app],
      ['.;../../templates/service', 'examples/plate/helm'],
      ['.;../../templates/service;../../../environments;../../../strata-policy.yaml', 'examples/plate'],
      ['.;/examples/plate/environments', 'examples/plate'],
      ['../../../../../../../..', ''],
      [';;.', app],
    ];
    for (const [annotation, want] of cases)
      assert.equal(manifestGenerateRoot(app, annotation), want, String(annotation));
  });

  for (const f of ['plate-api-prod', 'plate-web-prod', 'plate-llm-stg']) {
    test(`examples/plate/apps/${f}.yaml: its annotation sends examples/plate only, and it renders the same`, async () => {
      const file = join(root, 'examples/plate/apps', `${f}.yaml`);
      await partialConforms(pickApplication(readFileSync(file, 'utf8'), file));
    });
  }

  test('every service Application the app-of-apps renders, with its annotation', async () => {
    const file = join(root, 'examples/plate/environments/argocd/app-of-apps.yaml');
    const local = renderApplication({
      appFile: file,
      name: 'plate-apps-prod',
      repoRoot: root,
      revision: REV,
      ...KUBE,
      processEnv: process.env,
    });
    const children = parseAllDocuments(local.text)
      .map((d) => d.toJS() as ApplicationDoc)
      .filter((c) => c.spec?.source?.plugin);
    assert.equal(children.length, 4);
    await Promise.all(children.map(partialConforms));
  });

  test('an annotation too narrow for the layers fails loudly, naming the file, never renders less', async () => {
    const file = join(root, 'examples/plate/apps/plate-api-prod.yaml');
    const app = pickApplication(readFileSync(file, 'utf8'), file);
    const r = await cmp.generateFor(
      { path: sourceOf(app).path!, manifestGeneratePaths: '.', useManifestGeneratePaths: true },
      envOf(app).env,
    );
    assert.equal(r.code, 1);
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /strata\.yaml.*\.spec\.layers\[0\].*leaves the repository root/);
  });

  test('never climbs to an enclosing repository when the source path does not match', async () => {
    // A checkout inside another git repository: the working directory ends with no part of the source path.
    // Outside a cmp-server extraction folder (inside one, that folder is the root whatever the path: see
    // test/e2e/argocd-upstream.test.ts, symlinked source paths).
    const outer = checkoutCopy(['plugin.yaml', 'examples']);
    execFileSync('git', ['init', '-q'], { cwd: outer });
    const app = join(outer, 'examples/plate/helm/applications/plate-api');
    const r = await cmp.generate(app, {
      ...envOf(pickApplication(readFileSync(join(root, 'examples/plate/apps/plate-api-prod.yaml'), 'utf8'), 'f')).env,
      ARGOCD_APP_SOURCE_PATH: 'somewhere/else',
    });
    assert.equal(r.code, 1, 'the root is the app directory itself, so the shared layers are out of reach');
    assert.match(r.stderr, /leaves the repository root/);
  });
});

describe('discovery: no discover rule, so naming the plugin streams the repository once', () => {
  const api = 'examples/plate/helm/applications/plate-api';
  const env = { ARGOCD_APP_SOURCE_PATH: api, ARGOCD_APP_PARAMETERS: '[{"name":"env","string":"prod"}]' };
  test('plugin.yaml ships without discover; a named Application costs one stream per generate', async () => {
    assert.equal(cmp.plugin.spec.discover, undefined);
    const server = cmpServer(root, bin);
    const r = await server.generateFor({ path: api, named: true }, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.streams, 1);
    await assert.rejects(
      server.generateFor({ path: api, named: false }, env),
      /could not find cmp-server plugin/,
      'an unnamed plugin section matches nothing',
    );
  });
  test('the opt-in discover rule costs a second whole-repository stream even for a named Application', async () => {
    const copy = extractCopy(['plugin.yaml', 'examples']);
    writeFileSync(
      join(copy, 'plugin.yaml'),
      readFileSync(join(copy, 'plugin.yaml'), 'utf8').replace(
        /^ {2}generate:$/m,
        '  discover:\n    fileName: strata.yaml\n  generate:',
      ),
    );
    const server = cmpServer(copy, bin);
    const r = await server.generateFor({ path: api, named: true }, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.streams, 2);
  });
  test('render --application refuses an unnamed plugin section, saying why', () => {
    const file = join(root, 'examples/plate/apps/plate-web-prod.yaml');
    const app = pickApplication(readFileSync(file, 'utf8'), file);
    const { name: _n, ...plugin } = sourceOf(app).plugin!;
    const unnamed = { ...app, spec: { ...app.spec, source: { ...sourceOf(app), plugin } } };
    assert.throws(
      () => renderApplication({ appFile: writeApp(unnamed, 'unnamed'), repoRoot: root, processEnv: process.env }),
      /must be strata-v1.*matches no plugin, since strata ships no discover rule/,
    );
  });
});

describe('the environment: empty is an error, near misses warn', { concurrency: 4 }, () => {
  const api = 'examples/plate/helm/applications/plate-api';
  const base = { ARGOCD_APP_SOURCE_PATH: api, ARGOCD_APP_NAME: 'plate-api' };
  test('an env parameter set to "" (an ApplicationSet element without env) fails instead of rendering stg', async () => {
    const r = await cmp.generate(join(root, api), { ...base, ARGOCD_APP_PARAMETERS: '[{"name":"env","string":""}]' });
    assert.equal(r.code, 1);
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /parameter "env" is set but empty/);
  });
  test('plugin.env STRATA_ENV set to "" fails too', async () => {
    const r = await cmp.generate(join(root, api), { ...base, ARGOCD_ENV_STRATA_ENV: '' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /STRATA_ENV is set but empty/);
  });
  test('plugin.env strata_env / STRATA_ENVIRONMENT: rendered with the default, and a warning names them', async () => {
    const r = await cmp.generate(join(root, api), {
      ...base,
      ARGOCD_ENV_strata_env: 'prod',
      ARGOCD_ENV_STRATA_ENVIRONMENT: 'prod',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: plugin\.env "STRATA_ENVIRONMENT" is not STRATA_ENV.*environment "stg" is used/);
    assert.match(r.stderr, /warning: plugin\.env "strata_env" is not STRATA_ENV/);
    assert.doesNotMatch(r.stderr, /prod/, 'names only, never values');
    assert.match(r.stdout.toString('utf8'), /strata\.dev\/environment: stg/);
  });
});

describe('.argocd-source.yaml and .argocd-source-<app>.yaml (repository.go mergeSourceParameters)', () => {
  test('render --application applies them in order, as an Application carrying those parameters would render', async () => {
    const copy = extractCopy(['plugin.yaml', 'examples']);
    const dir = join(copy, 'examples/plate/helm/applications/plate-web');
    writeFileSync(
      join(dir, '.argocd-source.yaml'),
      'plugin:\n  parameters:\n    - name: env\n      string: stg\n    - name: set\n      map: {replicaCount: "7"}\n',
    );
    writeFileSync(
      join(dir, '.argocd-source-plate-web-prod.yaml'),
      'path: ../../elsewhere\nplugin:\n  parameters:\n    - name: env\n      string: prod\n    - name: set\n      map: {replicaCount: "9"}\n',
    );
    const file = join(copy, 'examples/plate/apps/plate-web-prod.yaml');
    const local = renderApplication({ appFile: file, repoRoot: copy, revision: REV, ...KUBE, processEnv: process.env });
    assert.deepEqual(local.sourceOverrides, [
      'examples/plate/helm/applications/plate-web/.argocd-source.yaml',
      'examples/plate/helm/applications/plate-web/.argocd-source-plate-web-prod.yaml',
    ]);
    assert.equal(
      local.env.ARGOCD_APP_PARAMETERS,
      '[{"name":"env","string":"prod"},{"map":{"replicaCount":"9"},"name":"set"}]',
      'lists replace: the inline values parameter is gone',
    );
    assert.equal(
      local.env.ARGOCD_APP_SOURCE_PATH,
      'examples/plate/helm/applications/plate-web',
      'path is not overridable',
    );
    // The same parameters written into the Application, through the sidecar stand-in.
    const app = pickApplication(readFileSync(file, 'utf8'), file);
    const inline = {
      ...app,
      spec: {
        ...app.spec,
        source: {
          ...sourceOf(app),
          plugin: {
            name: 'strata-v1',
            parameters: [
              { name: 'env', string: 'prod' },
              { name: 'set', map: { replicaCount: '9' } },
            ],
          },
        },
      },
    };
    const r = await cmpServer(copy, bin).generate(dir, envOf(inline).env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(local.text, r.stdout.toString('utf8'));
    assert.match(local.text, /replicas: 9/);
  });
});

describe('controller namespace and the reduced parameters environment', () => {
  test('--controller-namespace: the ns_name rule is relative to it', () => {
    const file = join(root, 'examples/plate/apps/plate-llm-stg.yaml');
    assert.equal(
      renderApplication({ appFile: file, repoRoot: root, processEnv: process.env }).env.ARGOCD_APP_NAME,
      'team-llm_plate-llm-stg',
    );
    assert.equal(
      renderApplication({ appFile: file, repoRoot: root, processEnv: process.env, controllerNamespace: 'team-llm' }).env
        .ARGOCD_APP_NAME,
      'plate-llm-stg',
    );
    const web = join(root, 'examples/plate/apps/plate-web-prod.yaml');
    const r = renderApplication({
      appFile: web,
      repoRoot: root,
      processEnv: process.env,
      controllerNamespace: 'gitops',
    });
    assert.equal(
      r.env.ARGOCD_APP_NAME,
      'argocd_plate-web-prod',
      'an Application in argocd is "outside" when the controller runs in gitops',
    );
  });
  test('parameters.dynamic: plugin.env expanded against the four variables Argo CD gives it', async () => {
    const file = join(root, 'examples/plate/apps/plate-api-prod.yaml');
    const app = pickApplication(readFileSync(file, 'utf8'), file);
    const { env, parametersEnv } = envOf(app);
    assert.equal(env.ARGOCD_ENV_DEPLOYED_FROM, `plate-api-prod@${REV.slice(0, 7)}`);
    assert.equal(parametersEnv.ARGOCD_ENV_DEPLOYED_FROM, 'plate-api-prod@', 'no revision in the parameters call');
    assert.equal(parametersEnv.ARGOCD_APP_REVISION, undefined);
    const r = await cmp.parameters(join(root, sourceOf(app).path!), parametersEnv);
    assert.equal(r.code, 0, r.stderr);
  });
});

describe('the ApplicationSet example', () => {
  const file = () => join(root, 'examples/plate/environments/argocd/applicationset.yaml');
  const crdFile = join(SHARED, 'applicationset-crd.yaml');
  test(
    'is valid against the upstream ApplicationSet CRD',
    { skip: !existsSync(crdFile) && 'no ../shared beside this clone' },
    () => {
      // js-yaml and shared subschemas: the yaml package and a naive compile take ~30 s on this 1.4 MB CRD.
      const schema = sharedSubschemas(applicationSchemaFromCrd(loadYaml(readFileSync(crdFile, 'utf8'))));
      const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
      const set = parseYaml(readFileSync(file(), 'utf8'));
      assert.ok(validate(set), JSON.stringify(validate.errors?.slice(0, 5)));
      const typo = structuredClone(set) as any;
      typo.spec.template.spec.syncPolicy.automated.selfheal = true;
      assert.ok(!validate(typo), 'a typo is caught by the same schema');
    },
  );
  test('every Application it generates is valid and renders through the sidecar, partial repository included', async () => {
    const set = parseYaml(readFileSync(file(), 'utf8'));
    const apps = expandApplicationSet(set);
    const names = apps.map((a) => a.metadata!.name).sort();
    const both = ['ingress', 'plate-api', 'plate-cache', 'plate-web'].flatMap((a) => [`${a}-prod`, `${a}-stg`]);
    assert.deepEqual(names, [...both, 'plate-llm-stg'].sort());
    await Promise.all(
      apps.map(async (app) => {
        const text = await partialConforms(app);
        const env = app.metadata!.name!.endsWith('-prod') ? 'prod' : 'stg';
        assert.match(text, new RegExp(`strata\\.dev/environment: ${env}\\n`));
      }),
    );
  });
});

/**
 * The same schema with every large subschema that occurs more than once (the Application template repeats in
 * every generator) moved to $defs and referenced: equivalent for validation (CRD schemas have no $id or
 * relative refs), and Ajv compiles each once.
 */
function sharedSubschemas(s: Record<string, unknown>): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const mapped = (k: string, x: unknown): unknown =>
      k === 'properties' ? Object.fromEntries(Object.entries(x as object).map(([pk, px]) => [pk, walk(px)])) : walk(x);
    const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapped(k, x)]));
    const text = JSON.stringify(o);
    if (text.length < 2000) return o;
    const id = createHash('sha256').update(text).digest('hex').slice(0, 16);
    defs[id] = o;
    return { $ref: `#/$defs/${id}` };
  };
  const { properties, ...rest } = s;
  return {
    ...rest,
    properties: Object.fromEntries(Object.entries(properties as object).map(([k, v]) => [k, walk(v)])),
    $defs: defs,
  };
}

/**
 * The ApplicationSet controller's work for the generators this example uses: `list` (elements are the
 * parameter sets) and `matrix` (every pair of its two children, params merged), one Application per set;
 * several generators add up (argo-cd applicationset/generators/list.go, matrix.go). The template is filled
 * like goTemplate with missingkey=error, for the `{{.key}}` fields used here (applicationset/utils/utils.go:
 * only string fields are templated).
 */
function expandApplicationSet(set: any): ApplicationDoc[] {
  const gen = (g: any): Record<string, string>[] => {
    if (g.list) return g.list.elements.map((e: Record<string, string>) => ({ ...e }));
    if (g.matrix) {
      const [a, b] = g.matrix.generators.map(gen) as [Record<string, string>[], Record<string, string>[]];
      return a.flatMap((x) => b.map((y) => ({ ...x, ...y })));
    }
    throw new Error(`generator not emulated: ${Object.keys(g).join(',')}`);
  };
  assert.equal(set.spec.goTemplate, true);
  assert.deepEqual(set.spec.goTemplateOptions, ['missingkey=error']);
  const fill = (v: unknown, p: Record<string, string>): unknown => {
    if (typeof v === 'string')
      return v.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m, k: string) => {
        if (!Object.hasOwn(p, k)) throw new Error(`map has no entry for key "${k}"`);
        return p[k];
      });
    if (Array.isArray(v)) return v.map((x) => fill(x, p));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, p)]));
    return v;
  };
  return set.spec.generators.flatMap(gen).map((p: Record<string, string>) => {
    const t = fill(set.spec.template, p) as { metadata: Record<string, unknown>; spec: unknown };
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { ...t.metadata, namespace: set.metadata.namespace },
      spec: t.spec,
    } as ApplicationDoc;
  });
}
