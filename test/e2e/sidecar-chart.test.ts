import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import YAML from 'yaml';
import { STRATEGIC_MERGE_PATCH } from '../../src/kube/api-requests.js';
import { REPO as repo } from '../helpers.js';
import { PLAIN_DEPLOYMENT, sidecarStandIn } from '../kube/standin.js';

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
      // The patch Job reads the Deployment first; one whose container has the default containerName keeps
      // the order the chart asks for, so the body is the rendered document itself.
      api.reset([{ status: 200 }], {
        status: 200,
        body: { ...PLAIN_DEPLOYMENT, spec: { template: { spec: { containers: [{ name: 'argocd-repo-server' }] } } } },
      });
      const r = await run([action, '--patch-file', file]);
      assert.equal(r.code, 0);
      assert.equal(api.requests[0].contentType, STRATEGIC_MERGE_PATCH);
      assert.deepEqual(JSON.parse(api.requests[0].body), JSON.parse(doc));
    }
    assert.match(docs.patch, /argocd-cmp-server/);
    assert.match(docs.unpatch, /"\$patch": "delete"/);
  });

  // The whole path of mode patch with default values: the chart's patch, `strata sidecar patch` reading the
  // live Deployment (the stand-in answers the GET with the fixture) and the PATCH it sends, applied with the
  // API server's strategic-merge rules (kubectl patch --local). kubectl logs/exec use container 0 when the pod
  // has no kubectl.kubernetes.io/default-container annotation, so the repo-server must stay first.
  const shared = process.env.STRATA_SHARED_DIR ?? join(repo, '..', 'shared');
  for (const [shape, file, first] of [
    [
      'stock manifests (argocd-repo-server)',
      join(shared, 'fixtures/argocd/argocd-repo-server-deployment.yaml'),
      'argocd-repo-server',
    ],
    ['argo-helm (repo-server)', join(repo, 'test/chart/fixtures/argo-helm-repo-server-deployment.yaml'), 'repo-server'],
  ] as const) {
    test(`${shape}: after the hook Job's patch the repo-server is still container 0 and strata is container 1`, async (t) => {
      if (!hasGoRenderer() || !hasKubectl()) {
        t.skip('needs go with Debian sprig and kubectl: run test/chart/run.sh once to install them');
        return;
      }
      if (!existsSync(file)) {
        t.skip(`no ${file} (../shared beside this clone, or STRATA_SHARED_DIR)`);
        return;
      }
      const patchFile = join(dir, 'chart-patch.json');
      writeFileSync(patchFile, renderedPatches().patch);
      api.reset([{ status: 200 }], { status: 200, body: YAML.parse(readFileSync(file, 'utf8')) });
      const r = await run(['patch', '--patch-file', patchFile]);
      assert.equal(r.code, 0, r.stderr);
      const sent = join(dir, 'sent.json');
      writeFileSync(sent, api.requests[0].body);
      const patched = JSON.parse(
        execFileSync(
          'kubectl',
          ['patch', '--local', '-f', file, '--type', 'strategic', '--patch-file', sent, '-o', 'json'],
          {
            encoding: 'utf8',
            env: { ...process.env, KUBECONFIG: '/nonexistent' },
          },
        ),
      ) as { spec: { template: { spec: { containers: { name: string }[] } } } };
      assert.deepEqual(
        patched.spec.template.spec.containers.map((c) => c.name),
        [first, 'strata'],
      );
    });
  }

  // An upgrade that turns platformPolicy and ageKeys off: the hook Job's patch must take the sidecar's
  // STRATA_PLATFORM_POLICY / STRATA_AGE_KEYS_DIR, their mounts and the pod's volumes out again (Helm deletes the
  // ConfigMap and Secret they point at), and leave what an operator added to the sidecar. Each step is the real
  // path: the chart's patch, `strata sidecar patch` reading the live Deployment from the stand-in, and the PATCH it
  // sends applied with the API server's merge (kubectl patch --local).
  test('turning platformPolicy and ageKeys off on upgrade gives exactly a fresh install without them', async (t) => {
    const stock = join(shared, 'fixtures/argocd/argocd-repo-server-deployment.yaml');
    if (!hasGoRenderer() || !hasKubectl()) {
      t.skip('needs go with Debian sprig and kubectl: run test/chart/run.sh once to install them');
      return;
    }
    if (!existsSync(stock)) {
      t.skip(`no ${stock} (../shared beside this clone, or STRATA_SHARED_DIR)`);
      return;
    }
    const values = join(dir, 'features-on.yaml');
    writeFileSync(
      values,
      YAML.stringify({
        platformPolicy: { platform: { denyKinds: ['ClusterRoleBinding'] } },
        ageKeys: { enabled: true, projects: { 'team-a': 'AGE-SECRET-KEY-1TEAMA' } },
      }),
    );
    const on = renderedPatches(['-f', values]).patch;
    const off = renderedPatches().patch;
    let step = 0;
    /** One hook Job run against the Deployment in `live`: the file holding the Deployment afterwards. */
    const patchJob = async (live: string, patch: string): Promise<string> => {
      const n = ++step;
      const patchFile = join(dir, `upgrade-${n}-patch.json`);
      writeFileSync(patchFile, patch);
      api.reset([{ status: 200 }], { status: 200, body: YAML.parse(readFileSync(live, 'utf8')) });
      const r = await run(['patch', '--patch-file', patchFile]);
      assert.equal(r.code, 0, r.stderr);
      const out = join(dir, `upgrade-${n}-deployment.json`);
      writeFileSync(out, kubectlPatch(live, api.requests[0].body));
      return out;
    };
    const podSpec = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as Deployment).spec.template.spec;
    const sidecar = (file: string) => podSpec(file).containers.find((c) => c.name === 'strata')!;

    const withBoth = await patchJob(stock, on);
    assert.deepEqual(
      sidecar(withBoth)
        .env!.map((e) => e.name)
        .filter((n) => n.startsWith('STRATA_')),
      ['STRATA_LOG_LEVEL', 'STRATA_PLATFORM_POLICY', 'STRATA_AGE_KEYS_DIR'],
      'both features on',
    );
    const upgraded = await patchJob(withBoth, off);
    const fresh = await patchJob(stock, off);
    assert.deepEqual(JSON.parse(readFileSync(upgraded, 'utf8')), JSON.parse(readFileSync(fresh, 'utf8')));

    // What an operator added to the sidecar by hand (an env variable, a mount, a volume) is not the chart's: it stays.
    const edited = JSON.parse(readFileSync(withBoth, 'utf8')) as Deployment;
    const spec = edited.spec.template.spec;
    const mine = spec.containers.find((c) => c.name === 'strata')!;
    mine.env!.push({ name: 'NODE_OPTIONS', value: '--max-old-space-size=512' });
    mine.volumeMounts!.push({ name: 'extra-ca', mountPath: '/etc/ssl/extra', readOnly: true });
    spec.volumes!.push({ name: 'extra-ca', configMap: { name: 'extra-ca' } });
    const editedFile = join(dir, 'upgrade-edited.json');
    writeFileSync(editedFile, JSON.stringify(edited));
    const kept = podSpec(await patchJob(editedFile, off));
    const keptSidecar = kept.containers.find((c) => c.name === 'strata')!;
    assert.deepEqual(
      keptSidecar.env!.map((e) => e.name),
      ['HOME', 'STRATA_LOG_LEVEL', 'NODE_OPTIONS'],
    );
    assert.deepEqual(
      keptSidecar.volumeMounts!.map((m) => m.mountPath).filter((p) => p.startsWith('/etc/')),
      ['/etc/ssl/extra'],
    );
    assert.deepEqual(
      kept.volumes!.map((v) => v.name).filter((n) => n.startsWith('strata-') || n === 'extra-ca'),
      ['strata-plugin', 'strata-tmp', 'extra-ca'],
    );
  });
});

interface Deployment {
  spec: {
    template: {
      spec: {
        containers: {
          name: string;
          env?: { name: string; value?: string }[];
          volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
        }[];
        volumes?: { name: string; [k: string]: unknown }[];
      };
    };
  };
}

/** `kubectl patch --local` (the API server's strategic merge, no cluster): the patched object as JSON text. */
function kubectlPatch(file: string, patch: string): string {
  return execFileSync('kubectl', ['patch', '--local', '-f', file, '--type', 'strategic', '-p', patch, '-o', 'json'], {
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: '/nonexistent' },
  });
}

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function hasGoRenderer(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    return false;
  }
  return existsSync('/usr/share/gocode/src/github.com/Masterminds/sprig');
}

/** patch.json / unpatch.json from the chart's rendered ConfigMap (default values, or with `args`: -f, --set). */
function renderedPatches(args: string[] = []): { patch: string; unpatch: string } {
  const out = execFileSync(join(repo, 'test/chart/render.sh'), [...args, join(repo, 'helm/strata')], {
    encoding: 'utf8',
  });
  const doc = out.split(/^---$/m).find((d) => /^\s+patch\.json: \|/m.test(d));
  assert.ok(doc, 'the chart renders a ConfigMap with patch.json');
  const block = (key: string) => {
    const m = new RegExp(`^  ${key.replace('.', '\\.')}: \\|\\n((?:    .*\\n|\\n)+)`, 'm').exec(doc + '\n');
    assert.ok(m, `${key} in the ConfigMap`);
    return m[1].replace(/^ {4}/gm, '');
  };
  return { patch: block('patch.json'), unpatch: block('unpatch.json') };
}
