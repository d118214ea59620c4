import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { STRATEGIC_MERGE_PATCH } from '../../src/kube/strategic-patch.js';
import { REPO as repo } from '../helpers.js';
import { sidecarStandIn } from '../kube/standin.js';

// `strata sidecar` sends exactly the patch documents the Helm chart renders (with Go text/template and
// Debian's sprig, test/chart/render.sh): an e2e suite because it builds and runs the Go renderer.

describe('strata sidecar and the chart', () => {
  const { dir, api, run } = sidecarStandIn();

  test('the body is exactly the patch and unpatch documents the chart renders', async (t) => {
    if (!hasGoRenderer()) {
      t.skip('go or Debian sprig not installed: run test/chart/run.sh once to install them');
      return;
    }
    const docs = renderedPatches();
    for (const [action, doc] of [
      ['patch', docs.patch],
      ['unpatch', docs.unpatch],
    ] as const) {
      const file = join(dir, `${action}.json`);
      writeFileSync(file, doc);
      api.reset([{ status: 200 }]);
      const r = await run([action, '--patch-file', file]);
      assert.equal(r.code, 0);
      assert.equal(api.requests[0].contentType, STRATEGIC_MERGE_PATCH);
      assert.deepEqual(JSON.parse(api.requests[0].body), JSON.parse(doc));
    }
    assert.match(docs.patch, /argocd-cmp-server/);
    assert.match(docs.unpatch, /"\$patch": "delete"/);
  });
});

function hasGoRenderer(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    return false;
  }
  return existsSync('/usr/share/gocode/src/github.com/Masterminds/sprig');
}

/** patch.json / unpatch.json from the chart's rendered ConfigMap (default values). */
function renderedPatches(): { patch: string; unpatch: string } {
  const out = execFileSync(join(repo, 'test/chart/render.sh'), [join(repo, 'helm/strata')], { encoding: 'utf8' });
  const doc = out.split(/^---$/m).find((d) => /^\s+patch\.json: \|/m.test(d));
  assert.ok(doc, 'the chart renders a ConfigMap with patch.json');
  const block = (key: string) => {
    const m = new RegExp(`^  ${key.replace('.', '\\.')}: \\|\\n((?:    .*\\n|\\n)+)`, 'm').exec(doc + '\n');
    assert.ok(m, `${key} in the ConfigMap`);
    return m[1].replace(/^ {4}/gm, '');
  };
  return { patch: block('patch.json'), unpatch: block('unpatch.json') };
}
