// `render --application` emulating a partial tree with upstream's root rule (moved out of npm test for its git
// processes; `lint --application` is in test/argocd-application-inputs.test.ts).
// Run: node --import tsx --test test/e2e/argocd-application-inputs-render.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderApplication } from '../../src/argocd/application.js';
import { REPO } from '../argocd/harness.js';
import { APP, withAnnotation } from '../argocd/application-annotation.js';

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
