// Pure pieces of the Argo CD integration: named table tests. Run: node --import tsx --test test/argocd-unit.test.ts
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { applicationSchemaFromCrd, validateApplication } from '../src/argocd/application-schema.js';
import { pickApplication } from '../src/argocd/application.js';
import {
  appName,
  encodeParameters,
  escapeParamName,
  interpolate,
  paramVars,
  pluginCommandEnv,
  dynamicParametersEnv,
} from '../src/argocd/build-env.js';
import { mapEntryAssignment, parameterOverrides, parseParameters } from '../src/argocd/parameters.js';
import { lookupAppRevision } from '../src/argocd/app-revision.js';
import {
  capabilitiesFromEnv,
  chooseEnvironment,
  chooseRevision,
  cmpExtractDir,
  normalizeSourcePath,
  rootFromSourcePath,
  strataEnvNearMisses,
} from '../src/argocd/render-options.js';
import { applySourceOverrides, mergePatch } from '../src/argocd/source-overrides.js';
import { appOnFs } from '../src/core/app.js';
import type { AppConfig } from '../src/core/config.js';
import { MemoryFs } from '../src/core/fs.js';
import { UserError } from '../src/core/errors.js';
import { REPO } from './argocd/harness.js';

describe('plugin.env interpolation (Go os.Expand + $$)', () => {
  const vars = { ARGOCD_APP_NAME: 'web', ARGOCD_APP_REVISION: 'abc123' };
  const cases: [string, string, string][] = [
    ['plain', 'prod', 'prod'],
    ['$VAR', '$ARGOCD_APP_NAME', 'web'],
    ['${VAR}', 'x-${ARGOCD_APP_NAME}-y', 'x-web-y'],
    ['$$ is a literal $', 'cost$$5', 'cost$5'],
    ['unknown is empty', '$NOPE/${NOPE2}', '/'],
    ['name stops at a non-word char', '$ARGOCD_APP_NAME.v', 'web.v'],
    ['digit names are one char', '$1x', 'x'],
    ['unclosed ${ is eaten', 'a${b', 'ab'],
    ['lone $ at the end stays', 'a$', 'a$'],
    ['no recursion', '$ARGOCD_APP_REVISION', 'abc123'],
    ['${$} is a literal $ (os.Expand)', 'a${$}b', 'a$b'],
  ];
  for (const [name, input, want] of cases) test(name, () => assert.equal(interpolate(input, vars), want));
});

describe('PARAM_* escaping and the environment of a plugin source', () => {
  test('names are upper-cased, others become _', () => assert.equal(escapeParamName('image.tag-x/y'), 'IMAGE_TAG_X_Y'));
  test('upper-casing is per rune, like Go (ß stays, then becomes _)', () =>
    assert.equal(escapeParamName('straße'), 'STRA_E'));
  test('a rune outside the BMP is one _', () => assert.equal(escapeParamName('a😀b'), 'A_B'));
  test('string, array, map', () => {
    assert.deepEqual(
      paramVars([
        { name: 'env', string: 'prod' },
        { name: 'valueFiles', array: ['a.yaml', 'b.yaml'] },
        { name: 'set', map: { 'image.tag': '1' } },
      ]),
      {
        PARAM_ENV: 'prod',
        PARAM_VALUEFILES_0: 'a.yaml',
        PARAM_VALUEFILES_1: 'b.yaml',
        PARAM_SET_IMAGE_TAG: '1',
      },
    );
  });
  test('ARGOCD_APP_PARAMETERS: null without parameters, Go key order with', () => {
    assert.equal(encodeParameters(undefined), 'null');
    assert.equal(
      encodeParameters([
        { name: 'set', map: { b: '2', a: '1' } },
        { name: 'env', string: 'x' },
      ]),
      '[{"map":{"a":"1","b":"2"},"name":"set"},{"name":"env","string":"x"}]',
    );
  });
  test('no plugin section: no ARGOCD_ENV_*, no ARGOCD_APP_PARAMETERS', () => {
    const env = pluginCommandEnv({ ARGOCD_APP_NAME: 'a' }, undefined);
    assert.deepEqual(env, { ARGOCD_APP_NAME: 'a' });
  });
  test('plugin.env names kept verbatim, values interpolated, empty values kept', () => {
    const env = pluginCommandEnv(
      { ARGOCD_APP_NAME: 'a' },
      {
        env: [
          { name: 'strata_Env', value: '$ARGOCD_APP_NAME' },
          { name: 'EMPTY', value: '' },
        ],
      },
    );
    assert.equal(env.ARGOCD_ENV_strata_Env, 'a');
    assert.equal(env.ARGOCD_ENV_EMPTY, '');
    assert.equal(env.ARGOCD_APP_PARAMETERS, 'null');
  });
  test('dynamic parameters see no revision, namespace or KUBE_*, and plugin.env is expanded against that reduced set', () => {
    // argo-cd reposerver/repository/repository.go populatePluginAppDetails: four variables, then getPluginParamEnvs.
    const vars = {
      ARGOCD_APP_NAME: 'a',
      ARGOCD_APP_REVISION: 'x',
      ARGOCD_APP_NAMESPACE: 'n',
      KUBE_VERSION: '1',
      ARGOCD_APP_SOURCE_PATH: 'p',
    };
    const plugin = {
      env: [{ name: 'X', value: '$ARGOCD_APP_NAME@$ARGOCD_APP_REVISION/$ARGOCD_APP_NAMESPACE' }],
      parameters: [{ name: 'env', string: 'prod' }],
    };
    const d = dynamicParametersEnv(vars, plugin);
    assert.deepEqual(Object.keys(d).sort(), [
      'ARGOCD_APP_NAME',
      'ARGOCD_APP_PARAMETERS',
      'ARGOCD_APP_SOURCE_PATH',
      'ARGOCD_ENV_X',
      'PARAM_ENV',
    ]);
    assert.equal(d.ARGOCD_ENV_X, 'a@/', 'no revision or namespace to expand');
    assert.equal(pluginCommandEnv(vars, plugin).ARGOCD_ENV_X, 'a@x/n', 'generate gets them');
  });
  const names: [string, string | undefined, string][] = [
    ['control plane namespace', 'argocd', 'web'],
    ['no namespace', undefined, 'web'],
    ['apps in any namespace', 'team-a', 'team-a_web'],
  ];
  for (const [n, ns, want] of names) test(`app name: ${n}`, () => assert.equal(appName('web', ns), want));
  test('app name: relative to the controller namespace, not "argocd"', () => {
    assert.equal(appName('web', 'gitops', 'gitops'), 'web');
    assert.equal(appName('web', 'argocd', 'gitops'), 'argocd_web');
  });
});

describe('ARGOCD_APP_PARAMETERS parsing', () => {
  const P = (v: unknown) => ({ ARGOCD_APP_PARAMETERS: JSON.stringify(v) });
  test('absent, empty and null mean no parameters', () => {
    for (const env of [{}, { ARGOCD_APP_PARAMETERS: '' }, { ARGOCD_APP_PARAMETERS: 'null' }]) {
      assert.deepEqual(parseParameters(env), { valueFiles: [], set: [], setString: [] });
    }
  });
  test('all five', () => {
    const p = parseParameters(
      P([
        { name: 'env', string: 'prod' },
        { name: 'valueFiles', array: ['x.yaml', ''] },
        { name: 'values', string: 'a: 1' },
        { name: 'set', map: { b: '2', a: '1' } },
        { name: 'setString', map: { c: '3' } },
      ]),
    );
    assert.deepEqual(p, {
      env: 'prod',
      valueFiles: ['x.yaml'],
      values: 'a: 1',
      set: [
        ['a', '1'],
        ['b', '2'],
      ],
      setString: [['c', '3']],
    });
  });
  const bad: [string, unknown, RegExp][] = [
    ['unknown parameter', [{ name: 'image', string: 'x' }], /unknown parameter "image"/],
    ['wrong collection type', [{ name: 'set', array: ['a=1'] }], /parameter "set" must be a map.*found array/],
    ['env as a map', [{ name: 'env', map: {} }], /parameter "env" must be a string/],
    ['no name', [{ string: 'x' }], /needs a "name"/],
    [
      'twice',
      [
        { name: 'env', string: 'a' },
        { name: 'env', string: 'b' },
      ],
      /set twice/,
    ],
    ['not an array', { name: 'env' }, /JSON array/],
  ];
  for (const [name, v, re] of bad)
    test(`rejects: ${name}`, () =>
      assert.throws(
        () => parseParameters(P(v)),
        (e: unknown) => e instanceof UserError && re.test(String(e)),
      ));
  test('invalid JSON', () => assert.throws(() => parseParameters({ ARGOCD_APP_PARAMETERS: '[{' }), /not valid JSON/));
  test('an explicitly empty env parameter is an error, not the default environment', () => {
    for (const v of ['', '  '])
      assert.throws(
        () => parseParameters(P([{ name: 'env', string: v }])),
        (e: unknown) => e instanceof UserError && /"env" is set but empty/.test(String(e)),
      );
  });
});

describe('set / setString map entries', () => {
  const cases: [string, string, string, 'set' | 'setString', unknown[], unknown][] = [
    ['typed number', 'replicaCount', '3', 'set', ['replicaCount'], 3],
    ['commas stay in the value', 'config.FLAGS', 'a,b,c', 'set', ['config', 'FLAGS'], 'a,b,c'],
    ['backslashes stay in the value', 'path', 'C:\\x\\,y', 'set', ['path'], 'C:\\x\\,y'],
    ['{a,b} is a list, as Argo CD Helm', 'hosts', '{a,b}', 'set', ['hosts'], ['a', 'b']],
    ['setString keeps strings', 'tag', '0012', 'setString', ['tag'], '0012'],
    ['setString does not read lists', 'x', '{a,b}', 'setString', ['x'], '{a,b}'],
    ['escaped dot in key', 'annotations.a\\.b/c', 'v', 'set', ['annotations', 'a.b/c'], 'v'],
    ['index in key', 'env[1].value', 'true', 'set', ['env', 1, 'value'], true],
  ];
  for (const [name, key, raw, kind, segs, value] of cases) {
    test(name, () => assert.deepEqual(mapEntryAssignment(key, raw, kind), { segments: segs, value }));
  }
  test('a key holding "=" is refused, naming the parameter', () =>
    assert.throws(() => mapEntryAssignment('a=b', 'v', 'set'), /parameter set\[a=b\]/));
  test('a key holding "," is refused', () => assert.throws(() => mapEntryAssignment('a,b', 'v', 'set'), UserError));
  test('layer order: valueFiles, values, set, setString; valueFiles resolved in the app dir', () => {
    const o = parameterOverrides(
      { valueFiles: ['../x.yaml'], values: 'a: 1', set: [['s', '1']], setString: [['t', '2']] },
      'apps/web',
    );
    assert.deepEqual(
      o.map((x) => x.kind),
      ['file', 'yaml', 'set', 'set'],
    );
    assert.deepEqual(o[0], { kind: 'file', path: 'apps/x.yaml' });
    assert.equal(o[2].kind === 'set' && o[2].origin.flag, 'parameter set[s]');
  });
  test('valueFiles may not leave the repository', () =>
    assert.throws(
      () => parameterOverrides({ valueFiles: ['../../../etc/passwd'], set: [], setString: [] }, 'a/b'),
      /leaves the repository root/,
    ));
});

describe('build environment -> render inputs', () => {
  const roots: [string, string, string | undefined, string | undefined, string | undefined][] = [
    ['cwd ends with the path', '/tmp/x/apps/web', 'apps/web', undefined, '/tmp/x'],
    ['path with ./ and trailing /', '/tmp/x/apps/web', './apps/web/', undefined, '/tmp/x'],
    ['app at the root', '/tmp/x', '.', undefined, '/tmp/x'],
    // reposerver.plugin.use.manifest.generate.paths: only the common parent is sent (reposerver/repository/utils.go)
    [
      'partial repository: parent examples/plate sent',
      '/t/_cmp_server/u/helm/applications/plate-api',
      'examples/plate/helm/applications/plate-api',
      '/t/_cmp_server/u',
      '/t/_cmp_server/u',
    ],
    [
      'partial repository: only the app dir sent',
      '/t/_cmp_server/u/plate-api',
      'examples/plate/helm/applications/plate-api',
      '/t/_cmp_server/u',
      '/t/_cmp_server/u',
    ],
    [
      'no match at all: the working directory, never an enclosing repository',
      '/tmp/x/other',
      'apps/web',
      undefined,
      '/tmp/x/other',
    ],
    [
      'whole segments only: myapps is not apps, web is the tail that matches',
      '/tmp/x/myapps/web',
      'apps/web',
      undefined,
      '/tmp/x/myapps',
    ],
    ['a segment that only ends like the path is no match', '/tmp/x/myweb', 'apps/web', undefined, '/tmp/x/myweb'],
    [
      'a longer match above the checkout is skipped',
      '/home/u/repo/apps/web',
      'u/repo/apps/web',
      '/home/u/repo',
      '/home/u/repo',
    ],
    ['above the extraction folder is skipped', '/t/_cmp_server/u/web', 'u/web', '/t/_cmp_server/u', '/t/_cmp_server/u'],
    ['.. is cleaned as securejoin does', '/tmp/x/web', 'apps/../web', undefined, '/tmp/x'],
    ['above the root matches nothing', '/tmp/x/web', '../web', undefined, '/tmp/x/web'],
    ['not given: the caller looks for .git', '/tmp/x', undefined, undefined, undefined],
  ];
  for (const [name, cwd, p, ceiling, want] of roots)
    test(`repo root: ${name}`, () => assert.equal(rootFromSourcePath(cwd, p, ceiling), want));
  test('the cmp-server extraction folder', () => {
    assert.equal(cmpExtractDir('/tmp/_cmp_server/abc/examples/plate'), '/tmp/_cmp_server/abc');
    assert.equal(cmpExtractDir('/tmp/_cmp_server'), undefined);
    assert.equal(
      cmpExtractDir('/tmp/_cmp_server/abc/repo/_cmp_server/x/app'),
      '/tmp/_cmp_server/abc',
      'a folder of that name in the repository is not the bound',
    );
    assert.equal(cmpExtractDir('/home/u/repo'), undefined);
  });
  test('plugin.env near misses of STRATA_ENV are named, the real one and unrelated ones are not', () => {
    const env = {
      ARGOCD_ENV_STRATA_ENV: 'prod',
      ARGOCD_ENV_strata_env: 'a',
      ARGOCD_ENV_STRATA_ENVIRONMENT: 'b',
      ARGOCD_ENV_STRATA_ENV_: 'c',
      ARGOCD_ENV_STARTA_ENV: 'd',
      ARGOCD_ENV_ARGOCD_ENV_STRATA_ENV: 'e',
      ARGOCD_ENV_DEPLOYED_FROM: 'f',
      ARGOCD_ENV_ENV: 'g',
      STRATA_ENV: 'h',
    };
    assert.deepEqual(strataEnvNearMisses(env), [
      'ARGOCD_ENV_STRATA_ENV',
      'STARTA_ENV',
      'STRATA_ENVIRONMENT',
      'STRATA_ENV_',
      'strata_env',
    ]);
  });
  test('an explicitly empty plugin.env STRATA_ENV is an error; absent falls back to the default', () => {
    const config = {
      file: 'a/strata.yaml',
      environments: ['stg', 'prod'],
      defaultEnvironment: 'stg',
      positions: new Map(),
    } as unknown as AppConfig;
    const app = appOnFs(new MemoryFs(), config);
    const none = { valueFiles: [], set: [], setString: [] };
    assert.throws(() => chooseEnvironment(none, { ARGOCD_ENV_STRATA_ENV: '' }, app), /STRATA_ENV is set but empty/);
    assert.equal(chooseEnvironment(none, {}, app), 'stg');
    assert.equal(
      chooseEnvironment({ ...none, env: 'prod' }, { ARGOCD_ENV_STRATA_ENV: '' }, app),
      'prod',
      'the parameter wins',
    );
    // A name that is not the app's: the one resolver's wording, whichever way Argo CD gave it.
    assert.throws(() => chooseEnvironment(none, { ARGOCD_ENV_STRATA_ENV: 'dev' }, app), {
      message: 'unknown environment "dev": this app declares stg, prod',
    });
    assert.throws(() => chooseEnvironment({ ...none, env: 'dev' }, {}, app), {
      message: 'unknown environment "dev": this app declares stg, prod',
    });
    const noDefault = appOnFs(new MemoryFs(), { ...config, defaultEnvironment: undefined });
    assert.throws(() => chooseEnvironment(none, {}, noDefault), {
      message:
        'no environment: set the Application\'s plugin parameter "env" or plugin.env STRATA_ENV (one of stg, prod), or set spec.defaultEnvironment',
    });
  });
  test('app revision: a git timeout falls back to the repository revision, the same way every time, and says so', () => {
    const logs: string[] = [];
    let t = 0;
    const slow = (_r: string, _p: readonly string[], timeoutMs: number): string | undefined => {
      t += timeoutMs; // what execFileSync's timeout does: give up after timeoutMs
      return undefined;
    };
    const lookup = () =>
      lookupAppRevision({
        root: '/r',
        paths: ['a'],
        env: {},
        timeoutMs: 5000,
        lastCommit: slow,
        now: () => t,
        debug: (m) => logs.push(m),
      });
    const env = { ARGOCD_APP_REVISION: 'repo-sha' };
    assert.equal(chooseRevision('app', env, lookup), 'repo-sha');
    assert.equal(chooseRevision('app', env, lookup), 'repo-sha');
    assert.match(
      logs[0],
      /git timed out after 5000 ms \(limit gitMs: STRATA_GIT_TIMEOUT_MS \/ --git-timeout-ms\); annotating with the repository revision/,
    );
    assert.equal(logs[0], logs[1]);
    const noGit = lookupAppRevision({
      root: '/r',
      paths: ['a'],
      env: {},
      timeoutMs: 5000,
      lastCommit: () => undefined,
      now: () => 0,
      debug: (m) => logs.push(m),
    });
    assert.equal(noGit, undefined);
    assert.match(logs[2], /git gave no answer/);
    let asked = 0;
    assert.equal(
      lookupAppRevision({
        root: '/r',
        paths: ['a'],
        env: {},
        timeoutMs: 1234,
        lastCommit: (_r, _p, ms) => ((asked = ms), 'sha'),
      }),
      'sha',
    );
    assert.equal(asked, 1234, 'the timeout is limits.gitMs');
  });
  test('normalizeSourcePath', () => assert.equal(normalizeSourcePath('./a//b/'), 'a/b'));
  test('revision modes', () => {
    const env = { ARGOCD_APP_REVISION: 'repo-sha' };
    assert.equal(
      chooseRevision('off', env, () => 'x'),
      '',
    );
    assert.equal(
      chooseRevision('repo', env, () => 'x'),
      'repo-sha',
    );
    assert.equal(
      chooseRevision('app', env, () => 'app-sha'),
      'app-sha',
    );
    assert.equal(
      chooseRevision('app', env, () => undefined),
      'repo-sha',
      'falls back without git',
    );
  });
  test('capabilities', () => {
    assert.deepEqual(
      capabilitiesFromEnv({ KUBE_VERSION: 'v1.30.1', KUBE_API_VERSIONS: 'v1,apps/v1,apps/v1/Deployment' }),
      {
        kubeVersion: '1.30.1',
        apiVersions: ['v1', 'apps/v1', 'apps/v1/Deployment'],
      },
    );
    assert.deepEqual(capabilitiesFromEnv({}), { kubeVersion: '', apiVersions: [] });
  });
});

describe('.argocd-source.yaml overrides (JSON merge patch, as mergeSourceParameters)', () => {
  const cases: [string, unknown, unknown, unknown][] = [
    ['maps merge', { a: { b: 1, c: 2 } }, { a: { c: 3 } }, { a: { b: 1, c: 3 } }],
    ['lists replace', { l: [1, 2] }, { l: [3] }, { l: [3] }],
    ['null deletes', { a: 1, b: 2 }, { a: null }, { b: 2 }],
    ['a scalar replaces a map', { a: { b: 1 } }, { a: 'x' }, { a: 'x' }],
  ];
  for (const [n, t, p, want] of cases) test(n, () => assert.deepEqual(mergePatch(t, p), want));
  test('__proto__ is refused', () =>
    assert.throws(() => mergePatch({}, JSON.parse('{"__proto__": {"x": 1}}')), /not allowed/));
  const source = {
    repoURL: 'r',
    path: 'apps/web',
    targetRevision: 'HEAD',
    plugin: { name: 'strata-v1', parameters: [{ name: 'env', string: 'stg' }], env: [{ name: 'A', value: '1' }] },
  };
  test('.argocd-source.yaml then .argocd-source-<app>.yaml; repoURL, path and targetRevision stay', () => {
    const fs = new MemoryFs({
      'apps/web/.argocd-source.yaml':
        'path: elsewhere\nrepoURL: evil\nplugin:\n  parameters:\n    - name: env\n      string: prod\n    - name: set\n      map: {replicaCount: "2"}\n',
      'apps/web/.argocd-source-team_web.yaml':
        'plugin:\n  env: null\n  parameters:\n    - name: env\n      string: dev\n',
      'apps/web/.argocd-source-other.yaml': 'plugin: {name: nope}\n',
    });
    const r = applySourceOverrides(fs, 'apps/web', 'team_web', source);
    assert.deepEqual(r.applied, ['apps/web/.argocd-source.yaml', 'apps/web/.argocd-source-team_web.yaml']);
    assert.deepEqual(r.source, {
      repoURL: 'r',
      path: 'apps/web',
      targetRevision: 'HEAD',
      plugin: { name: 'strata-v1', parameters: [{ name: 'env', string: 'dev' }] },
    });
  });
  test('no files: the source unchanged', () =>
    assert.deepEqual(applySourceOverrides(new MemoryFs({}), 'apps/web', 'web', source), { source, applied: [] }));
  test('a list is no merge patch', () =>
    assert.throws(
      () => applySourceOverrides(new MemoryFs({ 'apps/web/.argocd-source.yaml': '- a\n' }), 'apps/web', 'web', source),
      /\.argocd-source\.yaml.*must be a mapping|must be a mapping/,
    ));
});

describe('Application files', () => {
  const two =
    'kind: Application\nmetadata: {name: a}\n---\nkind: Application\nmetadata: {name: b}\n---\nkind: ConfigMap\n';
  test('picks by name', () => assert.equal(pickApplication(two, 'f', 'b').metadata?.name, 'b'));
  test('ambiguous lists the names', () =>
    assert.throws(() => pickApplication(two, 'f'), /2 Applications.*--name \(a, b\)/));
  test('unknown name lists the names', () =>
    assert.throws(() => pickApplication(two, 'f', 'c'), /no Application named "c".*a, b/));
});

describe('Application CRD validation', () => {
  const good = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'x', namespace: 'argocd' },
    spec: {
      project: 'default',
      destination: { server: 'https://kubernetes.default.svc', namespace: 'x' },
      source: { repoURL: 'r', path: 'p', plugin: { name: 'strata-v1' } },
    },
  };
  // The upstream CRD (argoproj/argo-cd manifests/crds/application-crd.yaml) is kept in test/fixtures so the
  // suite runs from a plain clone; when the shared fixtures are beside the repository (CI), the copy must
  // still be theirs byte for byte.
  const crdCopy = join(REPO, 'test', 'fixtures', 'argocd', 'application-crd.yaml');
  const shared = join(REPO, '..', 'shared', 'fixtures', 'argocd', 'application-crd.yaml');
  test(
    'the CRD copy in test/fixtures is the shared upstream file',
    { skip: !existsSync(shared) && 'no ../shared beside this clone' },
    () => {
      // Leading comment lines (a provenance note) may differ: the shared copy carries one, upstream's raw file none.
      const body = (f: string): string => readFileSync(f, 'utf8').replace(/^(#[^\n]*\n)+/, '');
      assert.equal(body(crdCopy), body(shared));
      assert.ok(body(shared).includes('kind: CustomResourceDefinition'));
    },
  );
  test('the schema strata validates with is exactly the one derived from the upstream CRD', () => {
    const crd = parseYaml(readFileSync(crdCopy, 'utf8'));
    const { $comment: _comment, ...committed } = JSON.parse(
      readFileSync(join(REPO, 'src', 'validate', 'argocd-application.schema.json'), 'utf8'),
    );
    assert.deepEqual(committed, applicationSchemaFromCrd(crd));
  });
  test('a valid Application passes', () => assert.deepEqual(validateApplication(good), []));
  test('a typo is an unknown field', () => {
    const bad = structuredClone(good) as Record<string, any>;
    bad.spec.syncPolicy = { automated: { selfheal: true } };
    assert.match(validateApplication(bad).join('\n'), /\.spec\.syncPolicy\.automated: .*"selfheal"/);
  });
  test('a wrong type is reported', () => {
    const bad = structuredClone(good) as Record<string, any>;
    bad.spec.syncPolicy = { retry: { limit: 'five' } };
    assert.match(validateApplication(bad).join('\n'), /\.spec\.syncPolicy\.retry\.limit: must be integer/);
  });
  test('destination is required', () => {
    const bad = structuredClone(good) as Record<string, any>;
    delete bad.spec.destination;
    assert.match(validateApplication(bad).join('\n'), /destination/);
  });
});

describe('revision annotation counts files read by the `file` helper', () => {
  test('a later commit to a file the template reads moves the annotation', async () => {
    const { makeRepo } = await import('./helpers.js');
    const { generateManifests } = await import('../src/argocd/generate.js');
    const root = makeRepo({
      'app/strata.yaml': 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg]\n  namespace: demo\n',
      'app/values.yaml': 'name: demo\n',
      'app/config/app.properties': 'a=1\n',
      'app/templates/cm.yaml.hbs':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.name}}\ndata:\n  props: {{quote (file "config/app.properties")}}\n',
    });
    const asked: string[][] = [];
    // The properties file changed in a later commit than every static input.
    const lastCommit = (_root: string, paths: readonly string[]): string => {
      asked.push([...paths]);
      return paths.includes('app/config/app.properties') ? 'b'.repeat(40) : 'a'.repeat(40);
    };
    const env = {
      ARGOCD_APP_SOURCE_PATH: 'app',
      ARGOCD_APP_REVISION: 'c'.repeat(40),
      ARGOCD_APP_PARAMETERS: '[{"name":"env","string":"stg"}]',
    };
    const { text } = generateManifests({ env, cwd: join(root, 'app'), lastCommit });
    assert.match(text, new RegExp(`strata.dev/revision: "?${'b'.repeat(40)}`));
    assert.equal(asked.length, 2, 'looked up again with the file the template read');
    assert.ok(!asked[0].includes('app/config/app.properties'));
    // When the file is no newer than the static inputs, the first render stands.
    asked.length = 0;
    const plain = generateManifests({
      env,
      cwd: join(root, 'app'),
      lastCommit: (_r, paths) => (asked.push([...paths]), 'a'.repeat(40)),
    });
    assert.match(plain.text, new RegExp(`strata.dev/revision: "?${'a'.repeat(40)}`));
  });
});
