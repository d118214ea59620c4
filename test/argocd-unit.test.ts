// Pure pieces of the Argo CD integration: named table tests. Run: node --import tsx --test test/argocd-unit.test.ts
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { applicationSchemaFromCrd, validateApplication } from '../src/argocd/application-schema.js';
import { pickApplication } from '../src/argocd/application.js';
import { appName, encodeParameters, escapeParamName, interpolate, paramVars, pluginCommandEnv, dynamicParametersEnv } from '../src/argocd/build-env.js';
import { mapEntryAssignment, parameterOverrides, parseParameters } from '../src/argocd/parameters.js';
import { capabilitiesFromEnv, chooseRevision, normalizeSourcePath, rootFromSourcePath } from '../src/argocd/render-options.js';
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
  test('upper-casing is per rune, like Go (ß stays, then becomes _)', () => assert.equal(escapeParamName('straße'), 'STRA_E'));
  test('a rune outside the BMP is one _', () => assert.equal(escapeParamName('a😀b'), 'A_B'));
  test('string, array, map', () => {
    assert.deepEqual(paramVars([{ name: 'env', string: 'prod' }, { name: 'valueFiles', array: ['a.yaml', 'b.yaml'] }, { name: 'set', map: { 'image.tag': '1' } }]), {
      PARAM_ENV: 'prod',
      PARAM_VALUEFILES_0: 'a.yaml',
      PARAM_VALUEFILES_1: 'b.yaml',
      PARAM_SET_IMAGE_TAG: '1',
    });
  });
  test('ARGOCD_APP_PARAMETERS: null without parameters, Go key order with', () => {
    assert.equal(encodeParameters(undefined), 'null');
    assert.equal(encodeParameters([{ name: 'set', map: { b: '2', a: '1' } }, { name: 'env', string: 'x' }]), '[{"map":{"a":"1","b":"2"},"name":"set"},{"name":"env","string":"x"}]');
  });
  test('no plugin section: no ARGOCD_ENV_*, no ARGOCD_APP_PARAMETERS', () => {
    const env = pluginCommandEnv({ ARGOCD_APP_NAME: 'a' }, undefined);
    assert.deepEqual(env, { ARGOCD_APP_NAME: 'a' });
  });
  test('plugin.env names kept verbatim, values interpolated, empty values kept', () => {
    const env = pluginCommandEnv({ ARGOCD_APP_NAME: 'a' }, { env: [{ name: 'strata_Env', value: '$ARGOCD_APP_NAME' }, { name: 'EMPTY', value: '' }] });
    assert.equal(env.ARGOCD_ENV_strata_Env, 'a');
    assert.equal(env.ARGOCD_ENV_EMPTY, '');
    assert.equal(env.ARGOCD_APP_PARAMETERS, 'null');
  });
  test('dynamic parameters see no revision, namespace or KUBE_*', () => {
    const d = dynamicParametersEnv({ ARGOCD_APP_NAME: 'a', ARGOCD_APP_REVISION: 'x', ARGOCD_APP_NAMESPACE: 'n', KUBE_VERSION: '1', ARGOCD_ENV_X: '1', PARAM_ENV: 'p' });
    assert.deepEqual(Object.keys(d).sort(), ['ARGOCD_APP_NAME', 'ARGOCD_ENV_X', 'PARAM_ENV']);
  });
  const names: [string, string | undefined, string][] = [
    ['control plane namespace', 'argocd', 'web'],
    ['no namespace', undefined, 'web'],
    ['apps in any namespace', 'team-a', 'team-a_web'],
  ];
  for (const [n, ns, want] of names) test(`app name: ${n}`, () => assert.equal(appName('web', ns), want));
});

describe('ARGOCD_APP_PARAMETERS parsing', () => {
  const P = (v: unknown) => ({ ARGOCD_APP_PARAMETERS: JSON.stringify(v) });
  test('absent, empty and null mean no parameters', () => {
    for (const env of [{}, { ARGOCD_APP_PARAMETERS: '' }, { ARGOCD_APP_PARAMETERS: 'null' }]) {
      assert.deepEqual(parseParameters(env), { valueFiles: [], set: [], setString: [] });
    }
  });
  test('all five', () => {
    const p = parseParameters(P([
      { name: 'env', string: 'prod' },
      { name: 'valueFiles', array: ['x.yaml', ''] },
      { name: 'values', string: 'a: 1' },
      { name: 'set', map: { b: '2', a: '1' } },
      { name: 'setString', map: { c: '3' } },
    ]));
    assert.deepEqual(p, { env: 'prod', valueFiles: ['x.yaml'], values: 'a: 1', set: [['a', '1'], ['b', '2']], setString: [['c', '3']] });
  });
  const bad: [string, unknown, RegExp][] = [
    ['unknown parameter', [{ name: 'image', string: 'x' }], /unknown parameter "image"/],
    ['wrong collection type', [{ name: 'set', array: ['a=1'] }], /parameter "set" must be a map.*found array/],
    ['env as a map', [{ name: 'env', map: {} }], /parameter "env" must be a string/],
    ['no name', [{ string: 'x' }], /needs a "name"/],
    ['twice', [{ name: 'env', string: 'a' }, { name: 'env', string: 'b' }], /set twice/],
    ['not an array', { name: 'env' }, /JSON array/],
  ];
  for (const [name, v, re] of bad) test(`rejects: ${name}`, () => assert.throws(() => parseParameters(P(v)), (e: unknown) => e instanceof UserError && re.test(String(e))));
  test('invalid JSON', () => assert.throws(() => parseParameters({ ARGOCD_APP_PARAMETERS: '[{' }), /not valid JSON/));
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
  test('a key holding "=" is refused, naming the parameter', () => assert.throws(() => mapEntryAssignment('a=b', 'v', 'set'), /parameter set\[a=b\]/));
  test('a key holding "," is refused', () => assert.throws(() => mapEntryAssignment('a,b', 'v', 'set'), UserError));
  test('layer order: valueFiles, values, set, setString; valueFiles resolved in the app dir', () => {
    const o = parameterOverrides({ valueFiles: ['../x.yaml'], values: 'a: 1', set: [['s', '1']], setString: [['t', '2']] }, 'apps/web');
    assert.deepEqual(o.map((x) => x.kind), ['file', 'yaml', 'set', 'set']);
    assert.deepEqual(o[0], { kind: 'file', path: 'apps/x.yaml' });
    assert.equal(o[2]!.kind === 'set' && o[2]!.origin.flag, 'parameter set[s]');
  });
  test('valueFiles may not leave the repository', () => assert.throws(() => parameterOverrides({ valueFiles: ['../../../etc/passwd'], set: [], setString: [] }, 'a/b'), /leaves the repository root/));
});

describe('build environment -> render inputs', () => {
  const roots: [string, string, string | undefined, string | undefined][] = [
    ['cwd ends with the path', '/tmp/x/apps/web', 'apps/web', '/tmp/x'],
    ['path with ./ and trailing /', '/tmp/x/apps/web', './apps/web/', '/tmp/x'],
    ['app at the root', '/tmp/x', '.', '/tmp/x'],
    ['mismatch (manifest-generate-paths)', '/tmp/x/other', 'apps/web', undefined],
    ['partial segment is no match', '/tmp/x/myapps/web', 'apps/web', undefined],
    ['not given', '/tmp/x', undefined, undefined],
  ];
  for (const [name, cwd, p, want] of roots) test(`repo root: ${name}`, () => assert.equal(rootFromSourcePath(cwd, p), want));
  test('normalizeSourcePath', () => assert.equal(normalizeSourcePath('./a//b/'), 'a/b'));
  test('revision modes', () => {
    const env = { ARGOCD_APP_REVISION: 'repo-sha' };
    assert.equal(chooseRevision('off', env, () => 'x'), '');
    assert.equal(chooseRevision('repo', env, () => 'x'), 'repo-sha');
    assert.equal(chooseRevision('app', env, () => 'app-sha'), 'app-sha');
    assert.equal(chooseRevision('app', env, () => undefined), 'repo-sha', 'falls back without git');
  });
  test('capabilities', () => {
    assert.deepEqual(capabilitiesFromEnv({ KUBE_VERSION: 'v1.30.1', KUBE_API_VERSIONS: 'v1,apps/v1,apps/v1/Deployment' }), { kubeVersion: '1.30.1', apiVersions: ['v1', 'apps/v1', 'apps/v1/Deployment'] });
    assert.deepEqual(capabilitiesFromEnv({}), { kubeVersion: '', apiVersions: [] });
  });
});

describe('Application files', () => {
  const two = 'kind: Application\nmetadata: {name: a}\n---\nkind: Application\nmetadata: {name: b}\n---\nkind: ConfigMap\n';
  test('picks by name', () => assert.equal(pickApplication(two, 'f', 'b').metadata?.name, 'b'));
  test('ambiguous lists the names', () => assert.throws(() => pickApplication(two, 'f'), /2 Applications.*--name \(a, b\)/));
  test('unknown name lists the names', () => assert.throws(() => pickApplication(two, 'f', 'c'), /no Application named "c".*a, b/));
});

describe('Application CRD validation', () => {
  const good = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'x', namespace: 'argocd' },
    spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc', namespace: 'x' }, source: { repoURL: 'r', path: 'p', plugin: { name: 'strata-v1' } } },
  };
  // The upstream CRD (argoproj/argo-cd manifests/crds/application-crd.yaml) is kept in test/fixtures so the
  // suite runs from a plain clone; when the shared fixtures are beside the repository (CI), the copy must
  // still be theirs byte for byte.
  const crdCopy = join(REPO, 'test', 'fixtures', 'argocd', 'application-crd.yaml');
  const shared = join(REPO, '..', 'shared', 'fixtures', 'argocd', 'application-crd.yaml');
  test('the CRD copy in test/fixtures is the shared upstream file', { skip: !existsSync(shared) && 'no ../shared beside this clone' }, () => {
    assert.equal(readFileSync(crdCopy, 'utf8'), readFileSync(shared, 'utf8'));
  });
  test('the schema strata validates with is exactly the one derived from the upstream CRD', () => {
    const crd = parseYaml(readFileSync(crdCopy, 'utf8'));
    const { $comment: _comment, ...committed } = JSON.parse(readFileSync(join(REPO, 'src', 'validate', 'argocd-application.schema.json'), 'utf8'));
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
