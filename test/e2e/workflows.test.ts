// The GitHub Actions workflows are valid and hold to the release rules (issue 15): scripts/check-workflows.mjs
// runs the schema checker (@action-validator/cli) and the pinning/permissions rules; .ci/run calls it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts/check-workflows.mjs');
const lib = () => import('../../scripts/check-workflows.mjs');

const GOOD = `name: ok
on:
  push:
permissions: {}
jobs:
  build:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - uses: ./.github/actions/local
      - run: echo "$TITLE"
        env:
          TITLE: \${{ github.event.pull_request.title }}
`;

test('the repository workflows pass: schema, SHA pins, permissions per job', () => {
  const r = spawnSync(process.execPath, [SCRIPT], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^check-workflows: \d+ workflow file\(s\) valid/);
});

test('every third-party action in the workflows is pinned by a SHA with its tag in a comment', () => {
  for (const f of ['ci.yml', 'release.yml']) {
    const text = readFileSync(join(ROOT, '.github/workflows', f), 'utf8');
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)].filter((m) => !m[1].startsWith('./'));
    assert.ok(uses.length > 0, `${f} uses actions`);
    for (const [, ref, rest] of uses)
      assert.match(`${ref}${rest}`, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${f}: ${ref}`);
  }
});

test('a good workflow has no findings', async () => {
  const { lintWorkflow } = await lib();
  assert.deepEqual(lintWorkflow(GOOD), []);
});

const BROKEN: { name: string; edit: (t: string) => string; expect: RegExp }[] = [
  {
    name: 'action pinned by tag',
    edit: (t) => t.replace(/checkout@\S+ # v7\.0\.1/, 'checkout@v7'),
    expect: /^11: actions\/checkout@v7: pin third-party actions by full commit SHA/,
  },
  {
    name: 'SHA without its tag comment',
    edit: (t) => t.replace(' # v7.0.1', ''),
    expect: /^11: .*add a "# vX\.Y\.Z" comment/,
  },
  {
    name: 'short SHA',
    edit: (t) => t.replace('3d3c42e5aac5ba805825da76410c181273ba90b1', '3d3c42e'),
    expect: /^11: actions\/checkout@3d3c42e: pin/,
  },
  {
    name: 'docker image by tag',
    edit: (t) => t.replace('./.github/actions/local', 'docker://alpine:3'),
    expect: /^12: docker:\/\/alpine:3: pin the image by digest/,
  },
  {
    name: 'job without permissions',
    edit: (t) => t.replace('    permissions:\n      contents: read\n', ''),
    expect: /^6: job "build" has no `permissions:`/,
  },
  {
    name: 'no top-level permissions',
    edit: (t) => t.replace('permissions: {}\n', ''),
    expect: /^1: no top-level `permissions:`/,
  },
  {
    name: 'top-level write',
    edit: (t) => t.replace('permissions: {}', 'permissions:\n  contents: write'),
    expect: /^4: top-level `permissions:` grants write/,
  },
  {
    name: 'write-all',
    edit: (t) => t.replace('permissions: {}', 'permissions: write-all'),
    expect: /grants write access/,
  },
  {
    name: 'pull_request_target',
    edit: (t) => t.replace('  push:', '  pull_request_target:'),
    expect: /^2: `pull_request_target`/,
  },
  {
    name: 'event data expanded in run',
    edit: (t) => t.replace('echo "$TITLE"', 'echo "${{ github.event.pull_request.title }}"'),
    expect: /^13: job "build": a `run:` script expands github\.event/,
  },
  {
    name: 'head_ref expanded in run',
    edit: (t) => t.replace('echo "$TITLE"', 'git checkout ${{ github.head_ref }}'),
    expect: /expands github\.event\/head_ref/,
  },
];
for (const b of BROKEN) {
  test(`a broken workflow fails: ${b.name}`, async () => {
    const { lintWorkflow } = await lib();
    const text = b.edit(GOOD);
    assert.notEqual(text, GOOD, 'the edit applied');
    const findings = lintWorkflow(text).map((f) => `${f.line}: ${f.message}`);
    assert.ok(
      findings.some((f) => b.expect.test(f)),
      findings.join('\n') || 'no findings',
    );
  });
}

test('the command fails on a schema error (action-validator) and on a rule, naming file and line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-workflows-'));
  try {
    writeFileSync(join(dir, 'good.yml'), GOOD);
    writeFileSync(join(dir, 'schema.yml'), GOOD.replace('    steps:', '    stepz:'));
    writeFileSync(join(dir, 'pin.yaml'), GOOD.replace(/checkout@\S+ # v7\.0\.1/, 'checkout@v7'));
    const r = spawnSync(process.execPath, [SCRIPT, dir], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^schema\.yml: schema \(action-validator\): \/jobs\/build: Additional property 'stepz' is not allowed/m,
    );
    assert.match(r.stderr, /^pin\.yaml:11: actions\/checkout@v7: pin third-party actions by full commit SHA/m);
    assert.doesNotMatch(r.stderr, /^good\.yml/m);
    assert.match(r.stderr, /check-workflows: 2 of 3 workflow file\(s\) failed\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
