import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, REPO } from './helpers.js';

// Golden output for every example app x environment, produced by the real CLI entry (main, in process; the
// same bytes from a separate process are checked by test/e2e/determinism.test.ts).
// Update after an intended change with: npm run golden:update (STRATA_UPDATE_GOLDEN=1), then review the diff.

export const EXAMPLES: { app: string; dir: string; envs: string[] }[] = [
  { app: 'plate-api', dir: 'examples/plate/helm/applications/plate-api', envs: ['stg', 'prod'] },
  { app: 'plate-web', dir: 'examples/plate/helm/applications/plate-web', envs: ['stg', 'prod'] },
  { app: 'plate-cache', dir: 'examples/plate/helm/applications/plate-cache', envs: ['stg', 'prod'] },
  { app: 'plate-llm', dir: 'examples/plate/helm/applications/plate-llm', envs: ['stg'] },
  { app: 'ingress', dir: 'examples/plate/helm/ingress', envs: ['stg', 'prod'] },
  // The public podinfo chart ported to strata (docs/from-helm.md).
  { app: 'podinfo', dir: 'examples/podinfo', envs: ['dev', 'prod'] },
];

const update = process.env.STRATA_UPDATE_GOLDEN === '1';

describe('golden output of the examples', () => {
  for (const { app, dir, envs } of EXAMPLES) {
    for (const env of envs) {
      it(`${app} ${env}`, async () => {
        const r = await cli(['render', dir, '--env', env]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '', 'a clean render is silent on stderr');
        const file = join(REPO, 'test', 'golden', `${app}-${env}.yaml`);
        if (update || !existsSync(file)) {
          if (!update) assert.fail(`no golden file ${file}: run npm run golden:update`);
          writeFileSync(file, r.stdout);
        }
        assert.equal(r.stdout, readFileSync(file, 'utf8'));
      });
    }
  }

  it('prod output carries the injected labels and namespace', async () => {
    const r = await cli(['render', 'examples/plate/helm/applications/plate-api', '--env', 'prod', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as { items: Record<string, any>[] };
    const dep = list.items.find((o) => o.kind === 'Deployment')!;
    assert.equal(dep.metadata.labels['app.kubernetes.io/managed-by'], 'strata');
    assert.equal(dep.metadata.labels['strata.dev/environment'], 'prod');
    assert.equal(dep.metadata.labels['app.kubernetes.io/name'], 'plate-api');
    assert.equal(dep.metadata.namespace, 'plate');
    assert.equal(dep.spec.template.metadata.labels['strata.dev/environment'], 'prod');
    assert.equal(dep.spec.selector.matchLabels['strata.dev/environment'], undefined, 'selectors are never touched');
    assert.equal(dep.spec.replicas, 3);
    const svc = list.items.find((o) => o.kind === 'Service')!;
    assert.equal(svc.spec.selector['strata.dev/environment'], undefined, 'service selectors are never touched');
    const issuer = await cli(['render', 'examples/plate/helm/ingress', '--env', 'prod', '-o', 'json']);
    const ci = (JSON.parse(issuer.stdout) as { items: Record<string, any>[] }).items.find(
      (o) => o.kind === 'ClusterIssuer',
    )!;
    assert.equal(ci.metadata.namespace, undefined, 'cluster-scoped objects get no namespace');
  });

  it('the podinfo port passes strata lint in dev and prod', async () => {
    for (const env of ['dev', 'prod']) {
      const r = await cli(['lint', 'examples/podinfo', '--env', env]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /0 errors, 0 warnings in 1 app/);
    }
  });

  it('podinfo prod autoscales and caches in Redis, dev does neither', async () => {
    const kinds = async (env: string): Promise<string[]> => {
      const r = await cli(['render', 'examples/podinfo', '--env', env, '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { items: { kind: string; metadata: { name: string } }[] }).items
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort();
    };
    assert.deepEqual(await kinds('dev'), ['Deployment/podinfo', 'Service/podinfo']);
    assert.deepEqual(await kinds('prod'), [
      'ConfigMap/podinfo-redis',
      'Deployment/podinfo',
      'Deployment/podinfo-redis',
      'HorizontalPodAutoscaler/podinfo',
      'Service/podinfo',
      'Service/podinfo-redis',
    ]);
  });
});
