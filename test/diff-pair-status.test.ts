import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairStatus, type Outcome } from '../src/diff/all.js';
import type { ObjectDiff } from '../src/diff/diff.js';
import type { K8sObject } from '../src/core/types.js';

// diff --all's verdict for one app x environment (src/diff/all.ts pairStatus), from each side's outcome alone.
// The diff is a stand-in that names what it was given, so each row also shows which objects were compared.

const cm = (name: string): K8sObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
const nameOf = (o: K8sObject): unknown => (o.metadata as { name?: string }).name;
const diff = (before: K8sObject[], after: K8sObject[]): ObjectDiff[] =>
  before.length === after.length && before.every((o, i) => nameOf(o) === nameOf(after[i]))
    ? []
    : [
        {
          before: before.map(nameOf),
          after: after.map(nameOf),
        } as unknown as ObjectDiff,
      ];
const ok = (...names: string[]): Outcome => ({ ok: true, objects: names.map(cm) });
const fail = (error: string): Outcome => ({ ok: false, error });

const rows: [string, Outcome | undefined, Outcome | undefined, object][] = [
  ['only at the revision', ok('a'), undefined, { status: 'removed', objects: diff([cm('a')], []) }],
  ['only at the revision, failing there', fail('x'), undefined, { status: 'removed', objects: [], beforeError: 'x' }],
  ['only in the working tree', undefined, ok('a'), { status: 'added', objects: diff([], [cm('a')]) }],
  ['only in the working tree, failing', undefined, fail('y'), { status: 'error', objects: [], error: 'y' }],
  ['both render the same', ok('a'), ok('a'), { status: 'unchanged', objects: [] }],
  ['both render, differently', ok('a'), ok('b'), { status: 'changed', objects: diff([cm('a')], [cm('b')]) }],
  ['fixed now', fail('x'), ok('a'), { status: 'changed', objects: diff([], [cm('a')]), beforeError: 'x' }],
  ['broken now', ok('a'), fail('y'), { status: 'error', objects: [], error: 'y' }],
  ['broken on both sides', fail('x'), fail('y'), { status: 'error', objects: [], error: 'y', beforeError: 'x' }],
];

for (const [what, before, after, want] of rows)
  test(`pairStatus: ${what}`, () => assert.deepEqual(pairStatus(before, after, diff), want));
