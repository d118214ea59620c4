// pruneSidecar: the delete directives `strata sidecar patch` adds for what the chart no longer renders into an
// existing sidecar (src/kube/sidecar-prune.ts). Applied with the API server's merge in
// test/e2e/sidecar-chart.test.ts. Run: node --import tsx --test test/sidecar-prune.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { pruneSidecar } from '../src/kube/sidecar-prune.js';

type Obj = Record<string, unknown>;
const POLICY_ENV = { name: 'STRATA_PLATFORM_POLICY', value: '/etc/strata/platform/platform-policy.yaml' };
const AGE_ENV = { name: 'STRATA_AGE_KEYS_DIR', value: '/etc/strata/age-keys' };
const POLICY_MOUNT = { name: 'strata-platform-policy', mountPath: '/etc/strata/platform', readOnly: true };
const AGE_MOUNT = { name: 'strata-age-keys', mountPath: '/etc/strata/age-keys', readOnly: true };
const POLICY_VOLUME = { name: 'strata-platform-policy', configMap: { name: 'strata-platform-policy' } };
const AGE_VOLUME = { name: 'strata-age-keys', secret: { secretName: 'strata-age-keys', defaultMode: 292 } };
const BASE_ENV = [
  { name: 'HOME', value: '/tmp' },
  { name: 'STRATA_LOG_LEVEL', value: 'warn' },
];
const BASE_MOUNTS = [
  { name: 'var-files', mountPath: '/var/run/argocd' },
  { name: 'strata-tmp', mountPath: '/tmp' },
];
const BASE_VOLUMES = [{ name: 'strata-plugin', configMap: { name: 'strata-plugin' } }, { name: 'strata-tmp' }];
const REPO_SERVER = { name: 'argocd-repo-server', volumeMounts: [{ name: 'var-files', mountPath: '/var/run/argocd' }] };

const deployment = (containers: Obj[], volumes: Obj[], initContainers?: Obj[]) => ({
  kind: 'Deployment',
  spec: { template: { spec: { ...(initContainers && { initContainers }), containers, volumes } } },
});
const sidecar = (env: Obj[], volumeMounts: Obj[], name = 'strata') => ({ name, image: 'x', env, volumeMounts });
/** The chart's patch with both features off (what an upgrade that unsets them renders). */
const chartPatch = (env = BASE_ENV, mounts = BASE_MOUNTS, volumes = BASE_VOLUMES, name = 'strata') => ({
  spec: {
    template: {
      metadata: { annotations: { 'checksum/strata-plugin': 'c' } },
      spec: {
        '$setElementOrder/containers': [{ name: 'argocd-repo-server' }, { name }],
        containers: [sidecar(env, mounts, name)],
        volumes,
      },
    },
  },
});
const bothOn = () =>
  deployment(
    [REPO_SERVER, sidecar([...BASE_ENV, POLICY_ENV, AGE_ENV], [...BASE_MOUNTS, POLICY_MOUNT, AGE_MOUNT])],
    [...BASE_VOLUMES, POLICY_VOLUME, AGE_VOLUME, { name: 'var-files' }],
  );
const specOf = (patch: unknown) => (patch as { spec: { template: { spec: Obj } } }).spec.template.spec;
const sentSidecar = (patch: unknown) => (specOf(patch).containers as Obj[])[0];
const del = (key: string, value: string) => ({ [key]: value, $patch: 'delete' });

describe('pruneSidecar', () => {
  test('both features turned off: their env, mounts and volumes get delete directives, the rest is sent as rendered', () => {
    const patch = chartPatch();
    const before = structuredClone(patch);
    const r = pruneSidecar(patch, bothOn());
    assert.deepEqual(patch, before, 'the input is not modified');
    assert.deepEqual(sentSidecar(r.patch).env, [
      ...BASE_ENV,
      del('name', 'STRATA_PLATFORM_POLICY'),
      del('name', 'STRATA_AGE_KEYS_DIR'),
    ]);
    assert.deepEqual(sentSidecar(r.patch).volumeMounts, [
      ...BASE_MOUNTS,
      del('mountPath', '/etc/strata/platform'),
      del('mountPath', '/etc/strata/age-keys'),
    ]);
    assert.deepEqual(specOf(r.patch).volumes, [
      ...BASE_VOLUMES,
      del('name', 'strata-platform-policy'),
      del('name', 'strata-age-keys'),
    ]);
    // Everything else is the chart's patch unchanged.
    const { containers: _c, volumes: _v, ...restSent } = specOf(r.patch);
    const { containers: _c2, volumes: _v2, ...restChart } = specOf(before);
    assert.deepEqual(restSent, restChart);
    assert.deepEqual((r.patch as typeof before).spec.template.metadata, before.spec.template.metadata);
    assert.deepEqual(r.removed, [
      'env STRATA_PLATFORM_POLICY',
      'env STRATA_AGE_KEYS_DIR',
      'mount /etc/strata/platform',
      'mount /etc/strata/age-keys',
      'volume strata-platform-policy',
      'volume strata-age-keys',
    ]);
  });

  test('nothing to remove: the patch is returned as it is (the same object)', () => {
    const on = chartPatch(
      [...BASE_ENV, POLICY_ENV, AGE_ENV],
      [...BASE_MOUNTS, POLICY_MOUNT, AGE_MOUNT],
      [...BASE_VOLUMES, POLICY_VOLUME, AGE_VOLUME],
    );
    const r = pruneSidecar(on, bothOn());
    assert.equal(r.patch, on);
    assert.deepEqual(r.removed, []);
  });

  test('a fresh install (no sidecar yet): no directive inside the container, which a merge would keep as data', () => {
    const patch = chartPatch();
    const r = pruneSidecar(patch, deployment([REPO_SERVER], [{ name: 'var-files' }]));
    assert.equal(r.patch, patch);
  });

  test('only one feature off: only its entries go', () => {
    const policyOnly = chartPatch(
      [...BASE_ENV, POLICY_ENV],
      [...BASE_MOUNTS, POLICY_MOUNT],
      [...BASE_VOLUMES, POLICY_VOLUME],
    );
    const r = pruneSidecar(policyOnly, bothOn());
    assert.deepEqual(r.removed, ['env STRATA_AGE_KEYS_DIR', 'mount /etc/strata/age-keys', 'volume strata-age-keys']);
  });

  test('age keys moved to another mountPath: the old mount goes, the env is replaced by the merge', () => {
    const moved = { ...AGE_MOUNT, mountPath: '/etc/strata/keys' };
    const patch = chartPatch(
      [...BASE_ENV, { ...AGE_ENV, value: '/etc/strata/keys' }],
      [...BASE_MOUNTS, moved],
      [...BASE_VOLUMES, AGE_VOLUME],
    );
    const r = pruneSidecar(patch, bothOn());
    assert.deepEqual(r.removed, [
      'env STRATA_PLATFORM_POLICY',
      'mount /etc/strata/platform',
      'mount /etc/strata/age-keys',
      'volume strata-platform-policy',
    ]);
  });

  test("an operator's own additions are never removed: other env names, other volumes and their mounts", () => {
    const live = bothOn();
    const s = live.spec.template.spec.containers[1] as { env: Obj[]; volumeMounts: Obj[] };
    s.env.push({ name: 'NODE_OPTIONS', value: '--max-old-space-size=512' }, { name: 'SOPS_AGE_KEY_FILE', value: 'k' });
    s.volumeMounts.push({ name: 'extra-ca', mountPath: '/etc/ssl/extra' }, { name: 'strata-extra', mountPath: '/x' });
    live.spec.template.spec.volumes.push({ name: 'extra-ca' }, { name: 'strata-extra' });
    const r = pruneSidecar(chartPatch(), live);
    assert.deepEqual(r.removed, [
      'env STRATA_PLATFORM_POLICY',
      'env STRATA_AGE_KEYS_DIR',
      'mount /etc/strata/platform',
      'mount /etc/strata/age-keys',
      'volume strata-platform-policy',
      'volume strata-age-keys',
    ]);
  });

  test('a STRATA_ variable dropped from sidecar.extraEnv goes too (the chart set it)', () => {
    const live = bothOn();
    (live.spec.template.spec.containers[1] as { env: Obj[] }).env.push({ name: 'STRATA_WARM', value: '0' });
    assert.ok(pruneSidecar(chartPatch(), live).removed.includes('env STRATA_WARM'));
  });

  test('a feature volume another container still mounts is kept (deleting it would make the pod invalid)', () => {
    const live = bothOn();
    live.spec.template.spec.containers.push({ name: 'auditor', volumeMounts: [{ ...POLICY_MOUNT, mountPath: '/p' }] });
    (live.spec.template.spec as Obj).initContainers = [{ name: 'init', volumeMounts: [{ ...AGE_MOUNT }] }];
    const r = pruneSidecar(chartPatch(), live);
    assert.deepEqual(r.removed, [
      'env STRATA_PLATFORM_POLICY',
      'env STRATA_AGE_KEYS_DIR',
      'mount /etc/strata/platform',
      'mount /etc/strata/age-keys',
    ]);
  });

  test('another sidecar.name: the owned volumes are named after it', () => {
    const live = deployment(
      [
        REPO_SERVER,
        sidecar(
          [...BASE_ENV, POLICY_ENV],
          [...BASE_MOUNTS, { ...POLICY_MOUNT, name: 'layers-platform-policy' }],
          'layers',
        ),
      ],
      [...BASE_VOLUMES, { name: 'layers-platform-policy' }, POLICY_VOLUME],
    );
    const r = pruneSidecar(chartPatch(BASE_ENV, BASE_MOUNTS, BASE_VOLUMES, 'layers'), live);
    assert.deepEqual(r.removed, [
      'env STRATA_PLATFORM_POLICY',
      'mount /etc/strata/platform',
      'volume layers-platform-policy',
    ]);
  });

  test('malformed or foreign input is left alone: no pod spec, no containers, odd live entries', () => {
    for (const patch of [{}, { spec: {} }, { spec: { template: { spec: { volumes: [] } } } }, []]) {
      assert.equal(pruneSidecar(patch, bothOn()).patch, patch);
    }
    for (const live of [undefined, null, {}, { spec: { template: { spec: { containers: 'x' } } } }]) {
      const patch = chartPatch();
      assert.equal(pruneSidecar(patch, live).patch, patch);
    }
    const odd = deployment(
      [REPO_SERVER, { name: 'strata', env: [null, 7, { name: 3 }, { value: 'x' }], volumeMounts: 'x' }],
      [null, { name: 5 }] as unknown as Obj[],
    );
    const patch = chartPatch();
    assert.equal(pruneSidecar(patch, odd).patch, patch);
  });
});
