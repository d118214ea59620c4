// The root Argo CD tars for a plugin with manifest-generate-paths (src/argocd/root-path.ts), as a table:
// rows 1-9 are upstream's own cases (argo-cd reposerver/repository/utils_test.go:22-33 at 37ee009, repo root
// dropped: paths here are repo-relative), rows 10-19 were derived by re-running upstream's logic
// (/work/wt/ISSUE-22-upstream.md section 1). Run: node --import tsx --test test/argocd-root-path.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  annotationPaths,
  applicationRootPath,
  coveredBy,
  goPattern,
  refreshPaths,
  secureJoin,
  type Readlink,
} from '../src/argocd/root-path.js';

const currentToV2: Readlink = (p) => (p === 'apps/current' ? 'v2' : undefined);
const plate = 'examples/plate/helm/applications/plate-api';

describe('getApplicationRootPath, upstream table and derived rows', () => {
  const rows: [number, string, string, string, string, Readlink?][] = [
    [1, 'app path', 'services/helloworld', '.', 'services/helloworld'],
    [2, 'app path and relative', 'services/helloworld', '../../overlays;.', ''],
    [3, 'app path and absolute path', 'services/helloworld', '/services;.', 'services'],
    [4, 'several relative paths', 'services/team/helloworld', '../../;..;.', 'services'],
    [5, 'no annotation', 'services/helloworld', '', ''],
    [6, 'relative subdir', 'services/team/helloworld', './manifests', 'services/team/helloworld'],
    [7, 'glob', 'services/helloworld', '/services/shared/*-secret.yaml', 'services'],
    [8, 'relative glob', 'services/helloworld', '../*', 'services'],
    [9, 'duplicate slashes', 'services/helloworld', '//services/shared/*-secret.yaml', 'services'],
    [
      10,
      'order quirk: a later ancestor does not widen',
      plate,
      '.;../../templates/service;/examples/plate',
      'examples/plate/helm',
    ],
    [11, 'an ancestor listed first widens', plate, '/examples/plate;.;../../templates/service', 'examples/plate'],
    [12, '/ is ignored after a branch', plate, '../../templates/service;/', 'examples/plate/helm'],
    [13, '.. clamped at the root', 'services/helloworld', '../../../../..', ''],
    [14, 'no entries: whole repository', 'services/helloworld', ';;', ''],
    [15, '. resolves the link, the app path does not', 'apps/current', '.', 'apps', currentToV2],
    [16, 'a child resolves through the link too', 'apps/current', './x', 'apps', currentToV2],
    [17, 'above the link', 'apps/current', '../../env', '', currentToV2],
    [18, 'entries are not trimmed', 'services/helloworld', ' .', 'services/helloworld'],
    [19, 'no branch: the ancestor widens', 'services/helloworld', '/services/helloworld/x;/services', 'services'],
  ];
  for (const [n, name, app, annotation, want, readlink] of rows) {
    test(`${n}. ${name}`, () => assert.equal(applicationRootPath(annotation, app, readlink), want));
  }
  test('an absent annotation is the whole repository', () => assert.equal(applicationRootPath(undefined, 'a/b'), ''));
});

describe('securejoin inside the repository', () => {
  const links: Record<string, string> = {
    'a/up': '../../..',
    'a/abs': '/etc',
    'loop/x': 'y',
    'loop/y': 'x',
    'c/d': 'e/f',
  };
  const readlink: Readlink = (p) => links[p];
  const rows: [string, string, string | undefined][] = [
    ['a link climbing out is clamped at the root', 'a/up/z', 'z'],
    ['an absolute link starts again from the root', 'a/abs/passwd', 'etc/passwd'],
    ['a relative link is taken from its folder', 'c/d/g', 'c/e/f/g'],
    ['a loop is an error (skipped upstream)', 'loop/x', undefined],
    ['missing components stay literal', 'no/such/*.yaml', 'no/such/*.yaml'],
  ];
  for (const [name, unsafe, want] of rows) test(name, () => assert.equal(secureJoin(unsafe, readlink), want));
  test('a looping entry is skipped, the others kept', () =>
    assert.deepEqual(annotationPaths('/loop/x;/a', 'q', readlink), ['a']));
});

describe('refresh paths and what they cover (AppFilesHaveChanged)', () => {
  const refresh = refreshPaths(' . ; /env/common.yaml;../../templates/*', 'a/b/app');
  test('refresh paths are trimmed, unlike the root rule', () =>
    assert.deepEqual(refresh, ['a/b/app', 'env/common.yaml', 'a/templates/*']));
  const rows: [string, boolean][] = [
    ['a/b/app/strata.yaml', true],
    ['a/b/app', true],
    ['env/common.yaml', true],
    ['env/prod.yaml', false],
    ['a/templates/svc.hbs', true],
    ['a/templates/deep/svc.hbs', false],
    ['a/b/other/x', false],
  ];
  for (const [file, want] of rows) test(`${file}: ${want}`, () => assert.equal(coveredBy(file, refresh), want));
  test('Go patterns: classes, escapes, bad patterns', () => {
    assert.equal(goPattern('a[bc]?')!.test('ab1'), true);
    assert.equal(goPattern('a[^b]')!.test('a/'), false);
    assert.equal(goPattern('a\\*')!.test('a*'), true);
    assert.equal(goPattern('a['), undefined);
  });
});
