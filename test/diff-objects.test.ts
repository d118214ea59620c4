// The semantic diff (pure), reading an app from git (gitFs), and `strata diff` on the plate example.
// Run: node --import tsx --test test/diff-objects.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { K8sObject } from '../src/core/types.js';
import { diffObjects, formatDiff } from '../src/diff/diff.js';
import { cli } from './helpers.js';

const dep = (replicas: number, image: string, extra: Record<string, unknown> = {}): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', annotations: { 'strata.dev/revision': String(replicas) } },
  spec: {
    replicas,
    template: {
      spec: {
        containers: [
          { name: 'sidecar', image: 'proxy:1' },
          { name: 'web', image, ...extra },
        ],
      },
    },
  },
});
const cm = (name: string): K8sObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns' },
  data: { a: '1' },
});

describe('diffObjects', () => {
  test('identical renders (up to the revision annotation and key order) have no diff', () => {
    const a = dep(1, 'web:1');
    const b = {
      ...dep(2, 'web:1'),
      spec: { replicas: 1, template: (dep(1, 'web:1').spec as Record<string, unknown>).template },
    };
    assert.deepEqual(diffObjects([a, cm('x')], [cm('x'), b]), []);
  });

  test('added, removed and changed objects in install order, field-level changes, lists matched by name', () => {
    const before = [dep(1, 'web:1'), cm('old')];
    const after = [
      cm('new'),
      {
        ...dep(3, 'web:2'),
        spec: {
          replicas: 3,
          template: {
            spec: {
              containers: [
                { name: 'web', image: 'web:2' },
                { name: 'sidecar', image: 'proxy:1' },
              ],
            },
          },
        },
      },
    ];
    const d = diffObjects(before, after);
    assert.deepEqual(
      d.map((x) => `${x.status} ${x.id}`),
      ['added ConfigMap/ns/new', 'removed ConfigMap/ns/old', 'changed Deployment/ns/web'],
    );
    assert.deepEqual(d[2].changes, [
      { path: '.spec.replicas', op: 'change', before: 1, after: 3 },
      { path: '.spec.template.spec.containers[0].image', op: 'change', before: 'web:1', after: 'web:2' },
    ]);
    const text = formatDiff(d, { color: false, labels: ['stg', 'prod'] });
    assert.match(
      text,
      /--- stg\/Deployment\/ns\/web \(apps\/v1\)\n\+\+\+ prod\/Deployment\/ns\/web \(apps\/v1\)\n@@ \.spec\.replicas @@\n-1\n\+3\n/,
    );
    assert.match(text, /--- \/dev\/null\n\+\+\+ prod\/ConfigMap\/ns\/new/);
    assert.doesNotMatch(text, /\x1b\[/);
    assert.match(formatDiff(d, { color: true }), /\x1b\[31m-1\x1b\[0m/);
  });
});

describe('strata diff', () => {
  const PROD_VS_STG = ['diff', 'examples/plate/helm/applications/plate-api', '--env', 'prod', '--against', 'stg'];
  test('stg vs prod of plate-api shows replicas, tag, resources and host; exit 1', async () => {
    const { code, stdout: out } = await cli([...PROD_VS_STG, '--color', 'never']);
    assert.equal(code, 1);
    assert.match(out, /@@ \.spec\.replicas @@\n-1\n\+3\n/);
    assert.match(
      out,
      /@@ \.spec\.template\.spec\.containers\[0\]\.image @@\n-registry\.stg\.plate\.example\.com\/plate\/api:2\.15\.0-rc\.1\n\+registry\.plate\.example\.com\/plate\/api:2\.14\.3\n/,
    );
    assert.match(out, /@@ \.spec\.template\.spec\.containers\[0\]\.resources\.requests\.memory @@\n-128Mi\n\+512Mi\n/);
    assert.match(out, /@@ \.spec\.rules\[0\]\.host @@\n-api\.stg\.plate\.example\.com\n\+api\.plate\.example\.com\n/);
    assert.doesNotMatch(out, /strata\.dev\/revision/);
    const json = JSON.parse((await cli([...PROD_VS_STG, '-o', 'json'])).stdout);
    assert.equal(json.same, false);
    assert.ok(
      json.diffs.some(
        (x: { id: string; status: string }) =>
          x.id === 'HorizontalPodAutoscaler/plate/plate-api' && x.status === 'added',
      ),
    );
  });

  test('an environment against itself: no output, exit 0', async () => {
    const r = await cli(['diff', 'examples/plate/helm/applications/plate-api', '--env', 'prod', '--against', 'prod']);
    assert.deepEqual({ code: r.code, out: r.stdout }, { code: 0, out: '' });
  });
  // --against-ref (real git) is in test/e2e/diff-objects-ref.test.ts.
});
