// One version for package.json, the image tag, Chart.yaml version/appVersion and `strata --version`
// (issue 15). scripts/versions.mjs knows every place; these tests run it the way CI and release.yml do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..');
const SCRIPT = join(ROOT, 'scripts/versions.mjs');
const ALL_FILES = [
  'package.json',
  'package-lock.json',
  'helm/strata/Chart.yaml',
  'helm/strata/argo-cd-values.yaml',
  'helm/strata/argocd-operator.yaml',
  'helm/strata/argocd-operator-openshift.yaml',
  'README.md',
  'docs/install.md',
  'CHANGELOG.md',
];
const FILES = ALL_FILES.filter((f) => existsSync(join(ROOT, f)));
const VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

const lib = () => import('../scripts/versions.mjs');

function readTexts(): Map<string, string> {
  return new Map(FILES.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));
}

function versions(args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of every file that names the version, edited by `edit`, in a temp dir. */
function copy(edit: (file: string, text: string) => string = (_f, t) => t): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-version-'));
  for (const f of FILES) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), edit(f, readFileSync(join(ROOT, f), 'utf8')));
  }
  return dir;
}

test('every place that names the version agrees with package.json, and CHANGELOG.md has its section', () => {
  const r = versions(['check']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${VERSION}\n`);
});

test('the docs install the published chart at this version', () => {
  const install = readFileSync(join(ROOT, 'docs/install.md'), 'utf8');
  assert.ok(
    install.includes(`helm install strata oci://ghcr.io/strata/charts/strata --version ${VERSION} -n argocd`),
    'docs/install.md has the OCI install command with the current version',
  );
});

test('strata --version (the built CLI) prints package.json version', () => {
  if (!existsSync(join(ROOT, 'dist/strata.js'))) {
    const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
  }
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/strata.js'), '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${VERSION}\n`);
});

// Each drift alone must fail, naming the file (and line) that disagrees.
const bump = (v: string) => v.replace(/\d+$/, (d) => String(Number(d) + 1));
const DRIFTS: { name: string; file: string; edit: (t: string) => string; expect: RegExp }[] = [
  {
    name: 'Chart.yaml appVersion',
    file: 'helm/strata/Chart.yaml',
    edit: (t) => t.replace(/^appVersion: .*$/m, `appVersion: "${bump(VERSION)}"`),
    expect: /^helm\/strata\/Chart\.yaml:\d+: Chart\.yaml appVersion/,
  },
  {
    name: 'Chart.yaml version',
    file: 'helm/strata/Chart.yaml',
    edit: (t) => t.replace(/^version: .*$/m, `version: ${bump(VERSION)}`),
    expect: /Chart\.yaml:\d+: Chart\.yaml version is/,
  },
  {
    name: 'package-lock.json',
    file: 'package-lock.json',
    edit: (t) => t.replace(`"version": "${VERSION}"`, `"version": "${bump(VERSION)}"`),
    expect: /^package-lock\.json:3: /,
  },
  {
    name: 'argo-cd-values.yaml image tag',
    file: 'helm/strata/argo-cd-values.yaml',
    edit: (t) => t.replace(`strata:${VERSION}`, `strata:${bump(VERSION)}`),
    expect: /argo-cd-values\.yaml:\d+: argo-cd-values\.yaml sidecar image tag/,
  },
  {
    name: 'install command in docs/install.md',
    file: 'docs/install.md',
    edit: (t) => t.replace(`--version ${VERSION}`, `--version ${bump(VERSION)}`),
    expect: /^docs\/install\.md:\d+: oci:\/\/ghcr\.io\/strata\/charts\/strata --version is/,
  },
  {
    name: 'no CHANGELOG section for the version',
    file: 'CHANGELOG.md',
    edit: (t) => t.replace(`## [${VERSION}]`, '## [0.0.0-old]'),
    expect: /^CHANGELOG\.md: no "## \[\d/,
  },
  {
    name: 'package.json alone bumped',
    file: 'package.json',
    edit: (t) => t.replace(`"version": "${VERSION}"`, `"version": "${bump(VERSION)}"`),
    expect: /Chart\.yaml appVersion is "[^"]+", package\.json says/,
  },
  {
    name: 'a version file missing',
    file: 'helm/strata/Chart.yaml',
    edit: () => '',
    expect: /Chart\.yaml: Chart\.yaml version not found/,
  },
];
for (const d of DRIFTS) {
  test(`drift fails the check: ${d.name}`, async () => {
    const { versionProblems } = await lib();
    const texts = readTexts();
    assert.deepEqual(versionProblems(texts), [], 'the repository agrees before the edit');
    const edited = d.edit(texts.get(d.file)!);
    assert.notEqual(edited, texts.get(d.file), 'the edit changed the file');
    texts.set(d.file, edited);
    const problems = versionProblems(texts);
    assert.ok(
      problems.some((p) => d.expect.test(p)),
      problems.join('\n'),
    );
  });
}

test('the check command exits 1 with one line per problem on stderr and nothing on stdout', () => {
  const dir = copy((f, t) =>
    f === 'helm/strata/Chart.yaml' ? t.replace(/^appVersion: .*$/m, 'appVersion: "0.0.1"') : t,
  );
  try {
    const r = versions(['check', '--root', dir]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^versions: helm\/strata\/Chart\.yaml:\d+: Chart\.yaml appVersion is "0\.0\.1", package\.json says "[^"]+"\n$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a release tag must be v + package.json version', async () => {
  const { versionProblems } = await lib();
  assert.deepEqual(versionProblems(readTexts(), `v${VERSION}`), []);
  assert.deepEqual(versionProblems(readTexts(), `v${bump(VERSION)}`), [
    `git tag "v${bump(VERSION)}" is not "v${VERSION}" (package.json)`,
  ]);
});

/** The CHANGELOG with its Unreleased section replaced by `body` (whatever the repository's holds today). */
function withUnreleased(changelog: string, body: string): string {
  return changelog.replace(/^## \[Unreleased\]\n[\s\S]*?(?=^## \[)/m, `## [Unreleased]\n${body}\n`);
}

test('set-version writes one version everywhere and turns Unreleased into its section', async () => {
  const dir = copy((f, t) => (f === 'CHANGELOG.md' ? withUnreleased(t, '\n### Fixed\n\n- Something.\n') : t));
  try {
    const set = spawnSync(
      process.execPath,
      [join(ROOT, 'scripts/set-version.mjs'), '9.8.7-rc.1', '--date', '2030-01-02', '--root', dir],
      { encoding: 'utf8' },
    );
    assert.equal(set.status, 0, set.stderr);
    const { versionProblems, changelogSection } = await lib();
    const texts = new Map(FILES.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    assert.deepEqual(versionProblems(texts, 'v9.8.7-rc.1'), []);
    const changelog = texts.get('CHANGELOG.md')!;
    assert.match(changelog, /^## \[Unreleased\]\n\n## \[9\.8\.7-rc\.1\] - 2030-01-02\n\n### Fixed\n\n- Something\.\n/m);
    assert.match(
      changelog,
      /^\[9\.8\.7-rc\.1\]: https:\/\/github\.com\/strata\/strata\/compare\/v\d\S*\.\.\.v9\.8\.7-rc\.1$/m,
    );
    assert.equal(changelogSection(changelog, '9.8.7-rc.1'), '### Fixed\n\n- Something.');
    // Every mention of the old version in the install docs was a place set-version knows.
    const old = new RegExp(`(?<![\\d.])${VERSION.replace(/\./g, '\\.')}(?![\\d.])`);
    assert.doesNotMatch(texts.get('docs/install.md')!, old);
    const chart = readFileSync(join(dir, 'helm/strata/Chart.yaml'), 'utf8');
    assert.match(chart, /^version: 9\.8\.7-rc\.1$/m);
    assert.match(chart, /^appVersion: "9\.8\.7-rc\.1"$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('set-version refuses a non-semver version and an empty Unreleased section', async () => {
  const { setVersion } = await lib();
  for (const bad of ['v1.2.3', '1.2', '1.2.3+build.1', '01.2.3']) {
    assert.throws(() => setVersion(readTexts(), bad, '2030-01-02'), /is not semver/, bad);
  }
  const empty = readTexts();
  empty.set('CHANGELOG.md', withUnreleased(empty.get('CHANGELOG.md')!, ''));
  assert.throws(() => setVersion(empty, bump(VERSION), '2030-01-02'), /Unreleased section is empty/);
});

test('release notes are the CHANGELOG section of the version', async () => {
  const { changelogSection } = await lib();
  const changelog = readTexts().get('CHANGELOG.md')!;
  const notes = changelogSection(changelog, VERSION)!;
  assert.ok(notes.length > 100, 'a real section');
  assert.ok(!notes.includes(`## [${VERSION}]`) && !notes.includes('[Unreleased]:') && !notes.endsWith('\n'));
  assert.equal(changelogSection(changelog, '99.0.0'), undefined);
  assert.equal(
    changelogSection('## [Unreleased]\n\n## [1.0.0] - 2030-01-01\n\n- a\n\n## [0.9.0] - 2029-01-01\n\n- b\n', '1.0.0'),
    '- a',
  );
});
