// `lint --application` (src/argocd/application-inputs.ts) and `render --application` emulating a partial tree
// with upstream's root rule. Run: node --import tsx --test test/argocd-application-inputs.test.ts
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { applicationInputFindings } from '../src/argocd/application-inputs.js';
import { renderApplication } from '../src/argocd/application.js';
import { REPO } from './argocd/harness.js';

const APP = join(REPO, 'examples/plate/apps/plate-api-prod.yaml');
const ANNOTATION = 'argocd.argoproj.io/manifest-generate-paths';

/** plate-api-prod.yaml with its annotation replaced (undefined: removed), written outside the repository's apps. */
function withAnnotation(value: string | undefined): string {
  const text = readFileSync(APP, 'utf8');
  const line = new RegExp(`^( +)${ANNOTATION.replace(/[./]/g, '\\$&')}: .*$`, 'm');
  assert.match(text, line);
  const out =
    value === undefined
      ? text.replace(line, '$1strata.dev/test: "1"')
      : text.replace(line, `$1${ANNOTATION}: "${value}"`);
  const f = join(mkdtempSync(join(tmpdir(), 'strata-app-')), 'app.yaml');
  writeFileSync(f, out);
  return f;
}

describe('lint --application: the annotation covers every input', () => {
  test('the shipped annotation covers layers, templates and the policy, and keeps them under the sent root', () => {
    const r = applicationInputFindings({ appFile: APP, repoRoot: REPO });
    assert.deepEqual(r.findings, []);
    assert.equal(r.root, 'examples/plate');
    for (const want of [
      'examples/plate/environments/common.yaml',
      'examples/plate/helm/templates/service',
      'examples/plate/strata-policy.yaml',
      'examples/plate/helm/applications/plate-api/strata.yaml',
    ]) {
      assert.ok(r.inputs.includes(want), `${want} is an input`);
    }
  });
  test('the order quirk: an ancestor after a branching entry leaves layers and policy outside the sent root', () => {
    const r = applicationInputFindings({
      appFile: withAnnotation('.;../../templates/service;/examples/plate'),
      repoRoot: REPO,
    });
    assert.equal(r.root, 'examples/plate/helm');
    const msgs = r.findings.map((f) => `${f.severity} ${f.message}`);
    assert.ok(
      msgs.some((m) =>
        /^error examples\/plate\/environments\/common\.yaml lies outside examples\/plate\/helm\//.test(m),
      ),
      msgs.join('\n'),
    );
    assert.ok(msgs.some((m) => /^error examples\/plate\/strata-policy\.yaml lies outside/.test(m)));
    assert.ok(
      msgs.some((m) =>
        /^warn .*lists an ancestor folder after an entry that branches off.*sends examples\/plate\/helm instead of examples\/plate/.test(
          m,
        ),
      ),
    );
    assert.ok(!msgs.some((m) => /not listed/.test(m)), 'everything is listed: /examples/plate covers it');
  });
  test('an input the annotation does not list does not refresh the app', () => {
    const r = applicationInputFindings({
      appFile: withAnnotation('.;../../templates/service;../../../environments'),
      repoRoot: REPO,
    });
    const msgs = r.findings.map((f) => f.message);
    assert.deepEqual(
      msgs.filter((m) => /not listed/.test(m)),
      [
        `examples/plate/strata-policy.yaml is not listed in ${ANNOTATION}: a commit changing it does not refresh the app`,
      ],
    );
  });
  test('entries with spaces are flagged; no annotation, no finding', () => {
    const spaced = applicationInputFindings({ appFile: withAnnotation('/examples/plate; .'), repoRoot: REPO });
    assert.ok(
      spaced.findings.some((f) => f.severity === 'warn' && /entry 2 .*leading or trailing spaces/.test(f.message)),
    );
    assert.deepEqual(applicationInputFindings({ appFile: withAnnotation(undefined), repoRoot: REPO }).findings, []);
  });
});

describe('render --application with reposerver.plugin.use.manifest.generate.paths', () => {
  const opts = {
    repoRoot: REPO,
    revision: '0123456789abcdef0123456789abcdef01234567',
    processEnv: { PATH: process.env.PATH! },
  };
  test('the shipped annotation renders the same as the whole repository', () => {
    const whole = renderApplication({ appFile: APP, ...opts });
    const partial = renderApplication({
      appFile: APP,
      ...opts,
      processEnv: { ...opts.processEnv, ARGOCD_REPO_SERVER_PLUGIN_USE_MANIFEST_GENERATE_PATHS: 'true' },
    });
    // Only the revision annotation may differ: .git lies outside a narrowed root, so the app's last commit is
    // unknown there and ARGOCD_APP_REVISION is used, as in Argo CD.
    const strip = (t: string): string => t.replace(/strata\.dev\/revision: .*\n/g, '');
    assert.equal(strip(partial.text), strip(whole.text));
    assert.match(partial.text, new RegExp(`strata.dev/revision: "?${opts.revision}`));
  });
  test('the order quirk fails locally exactly as in Argo CD', () => {
    const f = withAnnotation('.;../../templates/service;/examples/plate');
    assert.ok(renderApplication({ appFile: f, ...opts }).text.length > 0, 'the whole repository renders');
    assert.throws(
      () => renderApplication({ appFile: f, ...opts, useManifestGeneratePaths: true }),
      /environments\/common\.yaml.*leaves the repository root/,
    );
  });
  test('an annotation that reaches the policy folder renders the partial tree', () => {
    const f = withAnnotation('.;../../templates/service;/examples/plate/environments');
    // examples/plate/environments branches off at examples/plate: the policy there is sent.
    assert.ok(renderApplication({ appFile: f, ...opts, useManifestGeneratePaths: true }).text.length > 0);
  });
});
