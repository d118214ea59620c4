// `lint --application` (src/argocd/application-inputs.ts) and `render --application` emulating a partial tree
// with upstream's root rule. Run: node --import tsx --test test/argocd-application-inputs.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applicationInputFindings } from '../src/argocd/application-inputs.js';
import { REPO } from './argocd/harness.js';
import { APP, ANNOTATION, withAnnotation } from './argocd/application-annotation.js';

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

// render --application with a narrowed root (git for the app's last commit) is in
// test/e2e/argocd-application-inputs-render.test.ts.
