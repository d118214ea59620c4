// Secret masking in every diff (src/diff/mask.ts via diffObjects): the CLI, `diff --all` and the server's
// differ all get it by default. Run: node --import tsx --test test/diff-mask.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { K8sObject } from '../src/core/types.js';
import { diffObjects, formatDiff } from '../src/diff/diff.js';
import { maskSecretPair } from '../src/diff/mask.js';
import { differ } from '../src/server/analysis.js';

const secret = (
  data: Record<string, unknown> | undefined,
  stringData?: Record<string, unknown>,
  apiVersion = 'v1',
): K8sObject => ({
  apiVersion,
  kind: 'Secret',
  metadata: { name: 's', namespace: 'ns' },
  ...(data ? { data } : {}),
  ...(stringData ? { stringData } : {}),
});

describe('maskSecretPair', () => {
  test('same value, same mask; different value, a longer one; keys on one side only are masked too', () => {
    const [a, b] = maskSecretPair(
      secret({ same: 'c2FtZQ==', changed: 'b2xk', gone: 'eA==' }),
      secret({ same: 'c2FtZQ==', changed: 'bmV3', added: 'eQ==' }),
    );
    assert.deepEqual(a!.data, { same: '++++++++', changed: '++++++++', gone: '++++++++' });
    assert.deepEqual(b!.data, { same: '++++++++', changed: '+++++++++', added: '++++++++' });
  });

  test('stringData the same way; a field that is not a map is masked whole; inputs are not mutated', () => {
    const before = secret(undefined, { token: 'abc' });
    const after = secret(undefined, { token: 'abd' });
    const [a, b] = maskSecretPair(before, after);
    assert.deepEqual([a!.stringData, b!.stringData], [{ token: '++++++++' }, { token: '+++++++++' }]);
    assert.deepEqual(before.stringData, { token: 'abc' });
    const [c, d] = maskSecretPair(secret('raw' as unknown as Record<string, unknown>), secret({ k: 'v' }));
    assert.deepEqual([c!.data, d!.data], ['++++++++', '+++++++++']);
  });

  test('non-Secrets and Secrets of another API group pass unchanged', () => {
    const cm: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'x' } };
    assert.deepEqual(maskSecretPair(cm, cm), [cm, cm]);
    const crd = secret({ a: 'x' }, undefined, 'example.com/v1');
    assert.deepEqual(maskSecretPair(crd, undefined), [crd, undefined]);
  });
});

describe('diffObjects masks by default', () => {
  const before = [secret({ password: 'aHVudGVyMg==', user: 'YWRtaW4=' })];
  const after = [secret({ password: 'c3dvcmRmaXNo', user: 'YWRtaW4=' })];

  test('a changed key shows, its values never; an unchanged key does not show', () => {
    const d = diffObjects(before, after);
    assert.deepEqual(d[0].changes, [{ path: '.data.password', op: 'change', before: '++++++++', after: '+++++++++' }]);
    const text = formatDiff(d, { color: false }) + JSON.stringify(d);
    assert.doesNotMatch(text, /aHVudGVyMg|c3dvcmRmaXNo|YWRtaW4/);
  });

  test('an added or removed Secret shows its keys, masked', () => {
    const d = diffObjects([], after);
    assert.deepEqual((d[0].changes[0].after as K8sObject).data, { password: '++++++++', user: '++++++++' });
    assert.deepEqual((diffObjects(before, [])[0].changes[0].before as K8sObject).data, {
      password: '++++++++',
      user: '++++++++',
    });
  });

  test('showSecrets: the values as they are', () => {
    assert.deepEqual(diffObjects(before, after, { showSecrets: true })[0].changes, [
      { path: '.data.password', op: 'change', before: 'aHVudGVyMg==', after: 'c3dvcmRmaXNo' },
    ]);
  });

  test("the server's differ masks without being asked", async () => {
    const diff = await differ();
    const r = diff(before, after, ['stg', 'prod']);
    assert.doesNotMatch(r.text + JSON.stringify(r.diffs), /aHVudGVyMg|c3dvcmRmaXNo|YWRtaW4/);
    assert.match(r.text, /@@ \.data\.password @@/);
  });
});
