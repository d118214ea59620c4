// Argo CD exactly as 3.6 (37ee009) does it, issue 22: what the tarball holds and how it is unpacked, the process
// group of a command, upstream's root rule with its order quirk, partial trees and the repository policy,
// symlinked source paths, and what the UI shows (parameters, the first line of a failure). Needs `npm run build`.
// Run: node --import tsx --test test/e2e/argocd-upstream.test.ts
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  argoError,
  checkoutCopy,
  cmpServer,
  extractCopy,
  strataBin,
  strataBundle,
  type CmpServer,
} from '../argocd/harness.js';

const api = 'examples/plate/helm/applications/plate-api';
const prod = {
  ARGOCD_APP_NAME: 'plate-api',
  ARGOCD_APP_SOURCE_PATH: api,
  ARGOCD_APP_PARAMETERS: '[{"name":"env","string":"prod"}]',
};
let bin: string;

before(async () => {
  bin = strataBin(await strataBundle());
});

/** A checkout of the plate example, edited by `edit`, served by a fresh cmp-server. */
function served(edit: (checkout: string) => void = () => undefined): { checkout: string; cmp: CmpServer } {
  const checkout = checkoutCopy(['plugin.yaml', 'examples']);
  edit(checkout);
  return { checkout, cmp: cmpServer(checkout, bin) };
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // A zombie still answers kill(0): dead for our purpose.
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
  } catch {
    return true;
  }
}

describe('the tarball and its extraction (util/io/files/tar.go)', () => {
  test('nothing is excluded by default: .git and nested test/, dist/ and node_modules/ folders are sent', () => {
    const src = checkoutCopy(['plugin.yaml', 'examples']);
    for (const d of ['.git', 'examples/test', 'examples/dist', 'examples/node_modules']) {
      mkdirSync(join(src, d), { recursive: true });
      writeFileSync(join(src, d, 'kept'), 'x');
    }
    const dest = extractCopy(['.'], src);
    for (const d of ['.git', 'examples/test', 'examples/dist', 'examples/node_modules'])
      assert.ok(existsSync(join(dest, d, 'kept')), `${d} was sent`);
  });

  test('a symlink to a folder above the narrowed root fails the whole request', async () => {
    const { cmp } = served((c) => symlinkSync('../../../environments', join(c, api, 'envs')));
    const source = { path: api, manifestGeneratePaths: '.;../../templates/service', useManifestGeneratePaths: true };
    await assert.rejects(cmp.generateFor(source, prod), /illegal filepath in symlink/);
  });

  test('an absolute symlink in the repository is refused by the repo-server', async () => {
    const { cmp } = served((c) => symlinkSync('/etc', join(c, 'examples/etc')));
    await assert.rejects(cmp.generateFor({ path: api }, prod), /out-of-bounds symlinks/);
  });

  test('a link inside the extraction is recreated relative to its resolved target', async () => {
    const { cmp } = served((c) => symlinkSync('../../../environments/common.yaml', join(c, api, 'common-link.yaml')));
    const r = await cmp.generateFor({ path: api }, prod);
    assert.equal(r.code, 0, r.stderr);
  });
});

describe('the process group of a command (cmpserver/plugin/plugin.go:108-129)', () => {
  test('what a command leaves behind in its group is signalled when the request ends', async () => {
    const { cmp, checkout } = served((c) => {
      const plugin = readFileSync(join(c, 'plugin.yaml'), 'utf8').replace(
        /^ {2}generate:\n(?: {4}.*\n)+/m,
        '  generate:\n    command: [sh, -c]\n    args: ["sleep 60 >/dev/null 2>&1 & echo $! > child.pid"]\n',
      );
      writeFileSync(join(c, 'plugin.yaml'), plugin);
    });
    assert.match(readFileSync(join(checkout, 'plugin.yaml'), 'utf8'), /sleep 60/);
    const r = await cmp.generateFor({ path: api }, prod);
    assert.equal(r.code, 0, r.stderr);
    const pid = Number(readFileSync(join(r.cwd, 'child.pid'), 'utf8'));
    try {
      const until = Date.now() + 3000;
      while (!processGone(pid) && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
      assert.ok(processGone(pid), 'the background child was killed with the request');
    } finally {
      if (!processGone(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  test('the UI error of a killed command says signal: killed', () => {
    const r = { code: null, signal: 'SIGKILL' as const, stdout: Buffer.alloc(0), stderr: '  partial\n', ms: 0 };
    assert.equal(
      argoError(['strata', 'generate', 'a b', ''], r),
      '`strata generate "a b" ""` failed signal: killed: partial',
    );
  });
});

describe("upstream's root rule, order quirk included (reposerver/repository/utils.go)", () => {
  test('an ancestor after a branching entry does not widen the root: generate fails on the shared layer', async () => {
    const { cmp } = served();
    const quirk = await cmp.generateFor(
      { path: api, manifestGeneratePaths: '.;../../templates/service;/examples/plate', useManifestGeneratePaths: true },
      prod,
    );
    assert.equal(quirk.code, 1, 'Argo CD sends examples/plate/helm, without the environments folder');
    assert.ok(quirk.cwd.endsWith('/applications/plate-api'));
    assert.match(quirk.stderr, /environments\/common\.yaml|leaves the repository root/);
    const first = await cmp.generateFor(
      { path: api, manifestGeneratePaths: '/examples/plate;.;../../templates/service', useManifestGeneratePaths: true },
      prod,
    );
    assert.equal(first.code, 0, `listed first, the ancestor widens: ${first.stderr}`);
  });
});

describe('symlinked source paths (util/app/path/path.go:21-40 keeps the link)', () => {
  const current = 'examples/plate/helm/applications/current';
  const link = (c: string): void => symlinkSync('plate-api', join(c, current));
  for (const tarballRelPath of [false, true]) {
    test(`applications/current -> plate-api renders as plate-api${tarballRelPath ? ', with ARGOCD_APP_TARBALL_REL_PATH (PR 29657)' : ''}`, async () => {
      const { cmp } = served(link);
      const direct = await cmp.generateFor({ path: api, tarballRelPath }, { ...prod, ARGOCD_APP_SOURCE_PATH: api });
      const via = await cmp.generateFor(
        { path: current, tarballRelPath },
        { ...prod, ARGOCD_APP_SOURCE_PATH: current },
      );
      assert.equal(direct.code, 0, direct.stderr);
      assert.equal(via.code, 0, via.stderr);
      assert.equal(
        via.stdout.toString('utf8').replaceAll('applications/current', 'applications/plate-api'),
        direct.stdout.toString('utf8'),
      );
    });
  }
  test('a partial tree through the link: `.` resolves it, so the root is the applications folder', async () => {
    const { cmp } = served(link);
    const r = await cmp.generateFor(
      { path: current, manifestGeneratePaths: '.', useManifestGeneratePaths: true },
      { ...prod, ARGOCD_APP_SOURCE_PATH: current },
    );
    assert.match(
      r.cwd,
      /\/_cmp_server\/[^/]+\/current$/,
      'the tarball root is applications/, entered through the link',
    );
    assert.equal(r.code, 1);
  });
});

describe('a partial tree never drops the repository policy', () => {
  // The policy moved to the repository root: an annotation that keeps examples/plate no longer reaches it.
  const atRoot = (c: string): void =>
    renameSync(join(c, 'examples/plate/strata-policy.yaml'), join(c, 'strata-policy.yaml'));
  const narrow = '.;../../templates/service;../../../environments';
  const partial = (annotation: string) => ({
    path: api,
    manifestGeneratePaths: annotation,
    useManifestGeneratePaths: true,
  });
  const env = { ...prod, ARGOCD_APP_SOURCE_PATH: api };

  test('no policy in the partial tree: fails closed, naming the annotation entry to add', async () => {
    const { cmp } = served(atRoot);
    const r = await cmp.generateFor(partial(narrow), env);
    assert.equal(r.code, 1, 'rendered without the repository policy');
    assert.equal(r.stdout.length, 0);
    const first = r.stderr.split('\n')[0];
    assert.match(first, /^strata: error: .*argocd\.argoproj\.io\/manifest-generate-paths.*no strata-policy\.yaml/);
    assert.match(first, /\/strata-policy\.yaml/);
    assert.match(first, /spec\.policy\.repository: none/);
  });

  test('with ARGOCD_APP_TARBALL_REL_PATH (PR 29657) too', async () => {
    const { cmp } = served(atRoot);
    const r = await cmp.generateFor({ ...partial(narrow), tarballRelPath: true }, env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /manifest-generate-paths/);
  });

  test('adding the policy file to the annotation renders', async () => {
    const { cmp } = served(atRoot);
    const r = await cmp.generateFor(partial(narrow + ';/strata-policy.yaml'), env);
    assert.equal(r.code, 0, r.stderr);
  });

  test('the whole repository, or a policy inside the partial tree, renders as before', async () => {
    const { cmp } = served();
    const r = await cmp.generateFor(partial(narrow), env);
    assert.equal(r.code, 0, r.stderr);
    const whole = await served(atRoot).cmp.generateFor({ path: api }, env);
    assert.equal(whole.code, 0, whole.stderr);
  });

  test('spec.policy.repository: none renders a partial tree, and fails where a repository policy applies', async () => {
    const optOut = (c: string): void => {
      const f = join(c, api, 'strata.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace(/^ {2}policy:\n/m, '  policy:\n    repository: none\n'));
    };
    const noPolicy = served((c) => {
      optOut(c);
      rmSync(join(c, 'examples/plate/strata-policy.yaml'));
    });
    const r = await noPolicy.cmp.generateFor(partial(narrow), env);
    assert.equal(r.code, 0, r.stderr);
    const lying = served((c) => {
      optOut(c);
      atRoot(c);
    });
    const whole = await lying.cmp.generateFor({ path: api }, env);
    assert.equal(whole.code, 1, 'says none, but strata-policy.yaml applies to it');
    assert.match(
      whole.stderr.split('\n')[0],
      /^strata: error: .*strata\.yaml.*\.spec\.policy\.repository.*strata-policy\.yaml/,
    );
  });
});

describe('what the UI shows', () => {
  test('parameters announce the environment plugin.env STRATA_ENV selects', async () => {
    const { cmp, checkout } = served();
    const r = await cmp.parameters(join(checkout, api), {
      ARGOCD_APP_NAME: 'plate-api',
      ARGOCD_APP_SOURCE_PATH: api,
      ARGOCD_ENV_STRATA_ENV: 'prod',
    });
    assert.equal(r.code, 0, r.stderr);
    const env = (r.announcements as { name: string; string?: string; tooltip?: string }[]).find(
      (a) => a.name === 'env',
    )!;
    assert.equal(env.string, 'prod');
    assert.match(env.tooltip!, /plugin\.env STRATA_ENV/);
  });

  test('an invalid STRATA_ENV is announced and flagged, never a failing Parameters tab', async () => {
    const { cmp, checkout } = served();
    for (const value of ['', 'nope']) {
      const r = await cmp.parameters(join(checkout, api), {
        ARGOCD_APP_SOURCE_PATH: api,
        ARGOCD_ENV_STRATA_ENV: value,
      });
      assert.equal(r.code, 0, r.stderr);
      const env = (r.announcements as { name: string; string?: string; tooltip?: string }[]).find(
        (a) => a.name === 'env',
      )!;
      assert.match(env.tooltip!, /STRATA_ENV/);
      assert.doesNotMatch(env.tooltip!, /nope/, 'the value is never echoed');
    }
  });

  // Argo CD shows `...failed exit status 1: <stderr>` in the UI: the first line of stderr must be the error.
  const failures: [string, (c: string) => void, Record<string, string>, RegExp][] = [
    [
      'broken values file',
      (c) => writeFileSync(join(c, api, 'values-prod.yaml'), 'image:\n  tag: [unclosed\n'),
      {},
      /values-prod\.yaml:\d+:\d+.*invalid YAML/,
    ],
    [
      'missing layer',
      (c) => rmSync(join(c, api, 'values.yaml')),
      {},
      /strata\.yaml.*\.spec\.layers\[2\].*does not exist/,
    ],
    [
      'unknown environment',
      () => undefined,
      { ARGOCD_APP_PARAMETERS: '[{"name":"env","string":"qa"}]' },
      /environment/,
    ],
    ['parameters not JSON', () => undefined, { ARGOCD_APP_PARAMETERS: '[{' }, /ARGOCD_APP_PARAMETERS.*not valid JSON/],
    [
      'policy error',
      () => undefined,
      { ARGOCD_APP_PARAMETERS: '[{"name":"env","string":"prod"},{"name":"set","map":{"image.tag":"latest"}}]' },
      /errors? found: .*image-tag-pinned|errors found:$/,
    ],
    [
      'template error after a log line',
      (c) =>
        writeFileSync(
          join(c, 'examples/plate/helm/templates/service/zz-fail.yaml.hbs'),
          '{{log "rendering zz"}}{{fail "zz is broken"}}\n',
        ),
      {},
      /zz-fail\.yaml\.hbs.*zz is broken/,
    ],
    ['no strata.yaml', (c) => rmSync(join(c, api, 'strata.yaml')), {}, /strata\.yaml/],
  ];
  for (const [name, edit, extra, want] of failures) {
    test(`first stderr line: ${name}`, async () => {
      const { cmp } = served(edit);
      const r = await cmp.generateFor({ path: api }, { ...prod, ARGOCD_APP_SOURCE_PATH: api, ...extra });
      assert.notEqual(r.code, 0);
      assert.equal(r.stdout.length, 0);
      const first = r.stderr.split('\n')[0];
      assert.match(first, /^strata: error: /, `first line: ${first}`);
      assert.match(first, want, `first line: ${first}`);
    });
  }
});
