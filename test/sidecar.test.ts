// `strata sidecar patch|unpatch` against a local HTTPS stand-in for the Kubernetes API server, plus the pure
// request/retry functions (the stand-in: test/kube/standin.ts; against the chart's rendered patch:
// test/e2e/sidecar-chart.test.ts). Run: node --import tsx --test test/sidecar.test.ts
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import YAML from 'yaml';

import { UsageError, UserError } from '../src/core/errors.js';
import { resolveClusterSettings } from '../src/kube/in-cluster.js';
import { patchDeployment } from '../src/kube/patch-deployment.js';
import {
  buildPatchRequest,
  classifyStatus,
  isRetryableNetworkError,
  retryDelayMs,
  STRATEGIC_MERGE_PATCH,
  type HttpResponse,
} from '../src/kube/api-requests.js';
import { PATCH, PLAIN_DEPLOYMENT, sidecarStandIn, testCertificate, TOKEN } from './kube/standin.js';
import { REPO } from './helpers.js';

const DEPLOYMENT_PATH = '/apis/apps/v1/namespaces/argocd/deployments/argocd-repo-server';

const k8sStatus = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  reason,
  message,
  code,
});

// ---------- command against the stand-in ----------

describe('strata sidecar (HTTPS stand-in)', () => {
  const { dir, api, patchFile, run } = sidecarStandIn();

  test('success: one strategic-merge PATCH with the bearer token and the patch as body', async () => {
    api.reset([{ status: 200 }]);
    const r = await run(['patch', '--patch-file', 'patch.json']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '', 'stdout stays empty');
    assert.match(r.stderr, /sidecar added/);
    assert.equal(api.requests.length, 1);
    const [req] = api.requests;
    assert.equal(req.method, 'PATCH');
    assert.equal(req.path, `${DEPLOYMENT_PATH}?fieldManager=strata-sidecar`);
    assert.equal(req.contentType, STRATEGIC_MERGE_PATCH);
    assert.equal(req.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(JSON.parse(req.body), PATCH);
    assert.doesNotMatch(r.stderr, new RegExp(TOKEN), 'the token is never logged');
  });

  test('patch reads the Deployment first; unpatch does not', async () => {
    api.reset([{ status: 200 }]);
    assert.equal((await run(['patch', '--patch-file', patchFile])).code, 0);
    assert.deepEqual(
      api.gets.map((g) => [g.path, g.authorization]),
      [[DEPLOYMENT_PATH, `Bearer ${TOKEN}`]],
    );
    api.reset([{ status: 200 }]);
    assert.equal((await run(['unpatch', '--patch-file', patchFile])).code, 0);
    assert.equal(api.gets.length, 0);
  });

  test('a Deployment owned by an argocd-operator ArgoCD resource is refused, nothing is patched', async () => {
    // What the operator sets (argocd-operator controllers/argocd/deployment.go: SetControllerReference).
    const owned = {
      ...PLAIN_DEPLOYMENT,
      metadata: {
        ...PLAIN_DEPLOYMENT.metadata,
        name: 'example-argocd-repo-server',
        ownerReferences: [
          {
            apiVersion: 'argoproj.io/v1beta1',
            kind: 'ArgoCD',
            name: 'example-argocd',
            uid: 'u',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
    };
    api.reset([{ status: 200 }], { status: 200, body: owned });
    await assert.rejects(
      run(['patch', '--patch-file', patchFile, '--deployment', 'example-argocd-repo-server']),
      (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.match(err.message, /managed by the argocd-operator \(owned by ArgoCD "example-argocd"\)/);
        assert.match(err.message, /spec\.repo\.sidecarContainers and spec\.repo\.volumes/);
        return true;
      },
    );
    assert.equal(api.requests.length, 0, 'no PATCH sent');
    // Another owner kind (a Helm-less GitOps tool, a ReplicaSet-like controller) is no reason to refuse.
    api.reset([{ status: 200 }], {
      status: 200,
      body: {
        ...owned,
        metadata: { ...owned.metadata, ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'ArgoCD', name: 'x' }] },
      },
    });
    assert.equal((await run(['patch', '--patch-file', patchFile])).code, 0);
    assert.equal(api.requests.length, 1);
  });

  test('patch of a Deployment whose sidecar has a feature the chart no longer renders: sent with its delete directives', async () => {
    const live = {
      ...PLAIN_DEPLOYMENT,
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'strata',
                env: [{ name: 'STRATA_PLATFORM_POLICY', value: '/etc/strata/platform/platform-policy.yaml' }],
                volumeMounts: [{ name: 'strata-platform-policy', mountPath: '/etc/strata/platform' }],
              },
            ],
            volumes: [{ name: 'strata-platform-policy', configMap: { name: 'strata-platform-policy' } }],
          },
        },
      },
    };
    api.reset([{ status: 200 }], { status: 200, body: live });
    const r = await run(['patch', '--patch-file', patchFile]);
    assert.equal(r.code, 0);
    const sent = JSON.parse(api.requests[0].body) as { spec: { template: { spec: Record<string, unknown> } } };
    assert.deepEqual(sent.spec.template.spec, {
      containers: [
        {
          ...PATCH.spec.template.spec.containers[0],
          env: [{ name: 'STRATA_PLATFORM_POLICY', $patch: 'delete' }],
          volumeMounts: [{ mountPath: '/etc/strata/platform', $patch: 'delete' }],
        },
      ],
      volumes: [{ name: 'strata-platform-policy', $patch: 'delete' }],
    });
    assert.match(
      r.stderr,
      /removing: env STRATA_PLATFORM_POLICY, mount \/etc\/strata\/platform, volume strata-platform-policy\n/,
    );
    assert.doesNotMatch(r.stderr, /platform-policy\.yaml/, 'names only, never values');
    // unpatch sends its document as it is (it reads nothing).
    api.reset([{ status: 200 }], { status: 200, body: live });
    assert.equal((await run(['unpatch', '--patch-file', patchFile])).code, 0);
    assert.deepEqual(JSON.parse(api.requests[0].body), PATCH);
  });

  test('namespace and deployment flags choose the object; --dry-run asks for dryRun=All', async () => {
    api.reset([{ status: 200 }]);
    const r = await run([
      'patch',
      '--patch-file',
      patchFile,
      '--namespace',
      'gitops',
      '--deployment',
      'repo',
      '--dry-run',
    ]);
    assert.equal(r.code, 0);
    assert.equal(
      api.requests[0].path,
      '/apis/apps/v1/namespaces/gitops/deployments/repo?fieldManager=strata-sidecar&dryRun=All',
    );
  });

  test('404: clear error, no retry', async () => {
    api.reset([{ status: 404, body: k8sStatus(404, 'NotFound', 'deployments.apps "argocd-repo-server" not found') }]);
    await assert.rejects(run(['patch', '--patch-file', patchFile]), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.equal(err.message, 'Deployment argocd/argocd-repo-server not found: is Argo CD installed in argocd?');
      return true;
    });
    assert.equal(api.requests.length, 1);
  });

  test('404 with --ignore-missing (the pre-delete Job): nothing to remove, exit 0', async () => {
    api.reset([{ status: 404, body: k8sStatus(404, 'NotFound', 'not found') }]);
    const r = await run(['unpatch', '--patch-file', patchFile, '--ignore-missing']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /not found: nothing to change/);
  });

  test('409 then success: retried with backoff', async () => {
    api.reset([{ status: 409, body: k8sStatus(409, 'Conflict', 'the object has been modified') }, { status: 200 }]);
    const r = await run(['patch', '--patch-file', patchFile]);
    assert.equal(r.code, 0);
    assert.equal(api.requests.length, 2);
    assert.equal(api.requests[0].body, api.requests[1].body);
    assert.match(r.stderr, /attempt 1\/6: .*HTTP 409: the object has been modified; retrying in 500 ms/);
  });

  test('403: not retried, names the missing permission', async () => {
    api.reset([{ status: 403, body: k8sStatus(403, 'Forbidden', 'cannot patch resource "deployments"') }]);
    await assert.rejects(
      run(['patch', '--patch-file', patchFile]),
      /403 Forbidden.*get\/patch on deployments "argocd-repo-server"/,
    );
    assert.equal(api.requests.length, 1);
  });

  test('a server certificate the CA file does not vouch for fails at once', async (t) => {
    const other = testCertificate(mkdtempSync(join(dir, 'ca-')));
    if (!other.generated) {
      t.skip('needs openssl to make a second, unrelated certificate');
      return;
    }
    const otherCa = join(dir, 'other-ca.pem');
    writeFileSync(otherCa, other.cert);
    api.reset([]);
    await assert.rejects(
      run(['patch', '--patch-file', patchFile], { STRATA_KUBE_CA_FILE: otherCa }),
      /TLS verification of the API server failed/,
    );
    assert.equal(api.requests.length, 0);
  });

  test('usage and input errors', async () => {
    await assert.rejects(run([]), UsageError);
    await assert.rejects(run(['install', '--patch-file', patchFile]), /unknown action "install"/);
    await assert.rejects(run(['patch']), /--patch-file is required/);
    await assert.rejects(run(['patch', '--patch-file', patchFile, '--bogus']), UsageError);
    await assert.rejects(
      run(['patch', '--patch-file', patchFile, '--namespace', 'Argo CD']),
      /not a valid Kubernetes namespace/,
    );
    await assert.rejects(
      run(['patch', '--patch-file', join(dir, 'missing.json')]),
      /cannot read the patch file: ENOENT/,
    );
    writeFileSync(join(dir, 'list.json'), '[]');
    await assert.rejects(run(['patch', '--patch-file', 'list.json']), /expected a JSON object/);
    await assert.rejects(
      run(['patch', '--patch-file', patchFile], { STRATA_KUBE_TOKEN_FILE: join(dir, 'nope') }),
      /cannot read the service account token/,
    );
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: strata sidecar <patch\|unpatch>/);
  });
});

// ---------- where the sidecar goes among the repo-server's containers ----------

// The stock Deployment (argo-cd manifests, container `argocd-repo-server`) from the shared upstream fixtures,
// and an argo-helm-shaped one (container `repo-server`, test data written for strata).
const SHARED = process.env.STRATA_SHARED_DIR ?? join(REPO, '..', 'shared');
const STOCK_FILE = join(SHARED, 'fixtures/argocd/argocd-repo-server-deployment.yaml');
const ARGO_HELM_FILE = join(REPO, 'test/chart/fixtures/argo-helm-repo-server-deployment.yaml');
type Container = { name: string; image?: string; command?: string[]; args?: string[] };
const loadDeployment = (file: string) =>
  YAML.parse(readFileSync(file, 'utf8')) as { spec: { template: { spec: { containers: Container[] } } } };
const withContainers = (file: string, edit: (cs: Container[]) => Container[]) => {
  const d = loadDeployment(file);
  d.spec.template.spec.containers = edit(d.spec.template.spec.containers);
  return d;
};
/** What the chart renders: the sidecar and the order it asks for (argocd.repoServer.containerName first). */
const chartPatch = (containerName = 'argocd-repo-server') => ({
  spec: {
    template: {
      spec: {
        '$setElementOrder/containers': [{ name: containerName }, { name: 'strata' }],
        containers: [{ name: 'strata', image: 'x' }],
      },
    },
  },
});
const sentOrder = (body: string) =>
  (
    JSON.parse(body) as { spec: { template: { spec: { '$setElementOrder/containers': { name: string }[] } } } }
  ).spec.template.spec['$setElementOrder/containers'].map((c) => c.name);

describe('sidecar patch puts strata right after the repo-server container', () => {
  const { dir, api, run } = sidecarStandIn();
  const patchWith = async (deployment: unknown, containerName?: string) => {
    const file = join(dir, `order-${containerName ?? 'default'}.json`);
    writeFileSync(file, JSON.stringify(chartPatch(containerName)));
    api.reset([{ status: 200 }], { status: 200, body: deployment });
    return run(['patch', '--patch-file', file]);
  };

  test(
    'stock Deployment (container argocd-repo-server): [argocd-repo-server, strata]',
    { skip: !existsSync(STOCK_FILE) && `no ${STOCK_FILE} (../shared or STRATA_SHARED_DIR)` },
    async () => {
      const r = await patchWith(loadDeployment(STOCK_FILE));
      assert.equal(r.code, 0);
      assert.deepEqual(sentOrder(api.requests[0].body), ['argocd-repo-server', 'strata']);
    },
  );

  test('argo-helm Deployment (container repo-server) with the default containerName: found by its command, strata second', async () => {
    const r = await patchWith(loadDeployment(ARGO_HELM_FILE));
    assert.equal(r.code, 0);
    assert.deepEqual(sentOrder(api.requests[0].body), ['repo-server', 'strata']);
    assert.match(r.stderr, /no container argocd-repo-server; .*repo-server/);
    // Only the order changes: the sidecar itself is sent as the chart rendered it.
    assert.deepEqual(
      JSON.parse(api.requests[0].body).spec.template.spec.containers,
      chartPatch().spec.template.spec.containers,
    );
  });

  test('a container named repo-server that does not show its command (an image entrypoint) is still found', async () => {
    const r = await patchWith(withContainers(ARGO_HELM_FILE, (cs) => cs.map(({ args: _a, ...c }) => c)));
    assert.equal(r.code, 0);
    assert.deepEqual(sentOrder(api.requests[0].body), ['repo-server', 'strata']);
  });

  test('other sidecars keep their places; strata goes right after the repo-server, also when already there', async () => {
    const other = { name: 'other-cmp', image: 'o' };
    let r = await patchWith(withContainers(ARGO_HELM_FILE, (cs) => [other, ...cs, { name: 'late', image: 'l' }]));
    assert.equal(r.code, 0);
    assert.deepEqual(sentOrder(api.requests[0].body), ['other-cmp', 'repo-server', 'strata', 'late']);
    // A Deployment patched before this fix (strata first): the re-patch moves it back behind the repo-server.
    r = await patchWith(withContainers(ARGO_HELM_FILE, (cs) => [{ name: 'strata', image: 'x' }, ...cs, other]));
    assert.equal(r.code, 0);
    assert.deepEqual(sentOrder(api.requests[0].body), ['repo-server', 'strata', 'other-cmp']);
  });

  test('argocd.repoServer.containerName wins when the Deployment has that container', async () => {
    const twoServers = withContainers(ARGO_HELM_FILE, (cs) => [...cs, { ...cs[0], name: 'repo-server-canary' }]);
    const r = await patchWith(twoServers, 'repo-server-canary');
    assert.equal(r.code, 0);
    assert.deepEqual(sentOrder(api.requests[0].body), ['repo-server', 'repo-server-canary', 'strata']);
  });

  for (const [name, deployment] of [
    [
      'two containers run argocd-repo-server',
      () => withContainers(ARGO_HELM_FILE, (cs) => [...cs, { ...cs[0], name: 'repo-server-canary' }]),
    ],
    [
      'no container runs argocd-repo-server or has its name',
      () => withContainers(ARGO_HELM_FILE, (cs) => cs.map((c) => ({ ...c, name: 'main', args: ['/bin/server'] }))),
    ],
    ['the Deployment lists no containers', () => ({ ...PLAIN_DEPLOYMENT })],
  ] as const) {
    test(`${name}: refused in one line naming the chart value, nothing patched`, async () => {
      await assert.rejects(patchWith(deployment()), (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.doesNotMatch(err.message, /\n/);
        assert.match(
          err.message,
          /cannot tell which container of Deployment argocd\/argocd-repo-server is the repo-server/,
        );
        assert.match(err.message, /set the chart value argocd\.repoServer\.containerName/);
        return true;
      });
      assert.equal(api.requests.length, 0, 'no PATCH sent');
    });
  }
});

// ---------- the pure parts ----------

describe('request and retry policy', () => {
  test('buildPatchRequest', () => {
    const req = buildPatchRequest({ namespace: 'argocd', deployment: 'argocd-repo-server' }, PATCH, 't');
    assert.equal(req.method, 'PATCH');
    assert.equal(req.path, `${DEPLOYMENT_PATH}?fieldManager=strata-sidecar`);
    assert.equal(req.headers['Content-Type'], 'application/strategic-merge-patch+json');
    assert.equal(req.headers.Authorization, 'Bearer t');
    assert.equal(req.headers['Content-Length'], String(Buffer.byteLength(req.body)));
    assert.equal(req.body, JSON.stringify(PATCH));
  });

  const statuses: Array<[number, string]> = [
    [200, 'ok'],
    [201, 'ok'],
    [404, 'not-found'],
    [409, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'fail'],
    [401, 'fail'],
    [403, 'fail'],
    [422, 'fail'],
  ];
  for (const [status, outcome] of statuses) {
    test(`classifyStatus(${status}) = ${outcome}`, () => assert.equal(classifyStatus(status), outcome));
  }

  test('retryDelayMs: exponential, capped, Retry-After wins', () => {
    const p = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 8000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(p, a)),
      [500, 1000, 2000, 4000, 8000, 8000],
    );
    assert.equal(retryDelayMs(p, 1, '3'), 3000);
    assert.equal(retryDelayMs(p, 1, '120'), 8000);
    assert.equal(retryDelayMs(p, 2, 'Wed, 21 Oct 2015 07:28:00 GMT'), 1000);
  });

  test('isRetryableNetworkError: connection trouble yes, certificate trouble no', () => {
    assert.equal(isRetryableNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), true);
    assert.equal(isRetryableNetworkError(Object.assign(new Error('x'), { code: 'ECONNRESET' })), true);
    assert.equal(isRetryableNetworkError(new Error('timeout')), true);
    assert.equal(
      isRetryableNetworkError(Object.assign(new Error('x'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })),
      false,
    );
    assert.equal(
      isRetryableNetworkError(Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })),
      false,
    );
  });

  function fakeIo(responses: Array<HttpResponse | Error>) {
    const sleeps: number[] = [];
    const logs: string[] = [];
    let calls = 0;
    return {
      sleeps,
      logs,
      calls: () => calls,
      io: {
        send: async () => {
          const r = responses[Math.min(calls++, responses.length - 1)];
          if (r instanceof Error) throw r;
          return r;
        },
        sleep: async (ms: number) => void sleeps.push(ms),
        log: (l: string) => void logs.push(l),
      },
    };
  }
  const res = (status: number, headers: Record<string, string> = {}): HttpResponse => ({ status, headers, body: '{}' });
  const target = { namespace: 'argocd', deployment: 'argocd-repo-server' };

  test('patchDeployment gives up after maxAttempts', async () => {
    const f = fakeIo([res(503)]);
    await assert.rejects(
      patchDeployment(
        { target, patch: PATCH, token: 't', retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 1000 } },
        f.io,
      ),
      /HTTP 503.*gave up after 4 attempts/,
    );
    assert.equal(f.calls(), 4);
    assert.deepEqual(f.sleeps, [10, 20, 40]);
  });

  test('patchDeployment retries network errors and honours Retry-After', async () => {
    const f = fakeIo([
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      res(429, { 'retry-after': '2' }),
      res(200),
    ]);
    assert.equal(await patchDeployment({ target, patch: PATCH, token: 't' }, f.io), 'patched');
    assert.deepEqual(f.sleeps, [500, 2000]);
    assert.match(f.logs[0], /cannot reach the API server: connect ECONNREFUSED/);
  });
});

describe('in-cluster settings', () => {
  test('from the service environment, with the service account files', () => {
    const s = resolveClusterSettings({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' });
    assert.deepEqual(s, {
      apiServer: 'https://10.96.0.1',
      tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    });
    assert.equal(
      resolveClusterSettings({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }).apiServer,
      'https://[fd00::1]:6443',
    );
  });

  test('flags beat environment; plain http and no API server are errors', () => {
    const env = {
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      STRATA_KUBE_API_SERVER: 'https://a:1',
      STRATA_KUBE_CA_FILE: '/e/ca',
    };
    assert.deepEqual(resolveClusterSettings(env, { apiServer: 'https://b:2', tokenFile: '/f/t' }), {
      apiServer: 'https://b:2',
      tokenFile: '/f/t',
      caFile: '/e/ca',
    });
    assert.throws(() => resolveClusterSettings({ STRATA_KUBE_API_SERVER: 'http://x' }), /must be an https:\/\/ URL/);
    assert.throws(() => resolveClusterSettings({}), /KUBERNETES_SERVICE_HOST is not set/);
  });
});
