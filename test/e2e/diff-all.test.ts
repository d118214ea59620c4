// `strata diff --all --against-ref`: a git repository with several commits (a shared layer, a changed app, a
// new app, a removed env, a render broken by the change, a Secret), statuses, formats, masking, exit codes.
// Run: node --import tsx --test test/e2e/diff-all.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { MemoryFs } from '../../src/core/fs.js';
import { loadApp } from '../../src/core/app.js';
import { render } from '../../src/core/render.js';
import { diffAll, type PairResult } from '../../src/diff/all.js';
import { InputIndex, replays } from '../../src/diff/inputs.js';
import { formatMarkdown, MARKDOWN_LIMIT } from '../../src/diff/report.js';
import { blobId, openSides, type DigestFs } from '../../src/diff/rev-fs.js';
import { mayReadFiles } from '../../src/diff/template-reads.js';
import { DiskFs } from '../../src/io/disk-fs.js';
import { RecordingFs } from '../../src/io/recording-fs.js';
import { gitFs } from '../../src/io/git-fs.js';
import { cli } from '../helpers.js';

function write(root: string, files: Record<string, string | null>): void {
  for (const [p, c] of Object.entries(files)) {
    const abs = join(root, p);
    if (c === null) rmSync(abs, { recursive: true, force: true });
    else {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, c);
    }
  }
}

function git(root: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args],
    { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
  );
}

const app = (envs: string, layers: string[], templates = '../../templates') =>
  `apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [${envs}]\n  namespace: demo\n  layers:\n${layers.map((l) => `    - ${l}\n`).join('')}  templates: ${templates}\n`;
const CM =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{app.name}}\ndata:\n  tag: {{quote values.image.tag}}\n  team: {{quote values.team}}\n';
const SECRET =
  'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ntype: Opaque\nstringData:\n{{#each values.creds}}  {{@key}}: {{quote this}}\n{{/each}}';

/** Commit 1 (the revision), commit 2, then uncommitted work (an untracked new app). */
function buildRepo(): { root: string; rev: string } {
  const root = mkdtempSync(join(tmpdir(), 'strata-diff-all-'));
  git(root, 'init', '-q');
  const shared: Record<string, string> = {
    'shared/common.yaml': 'image:\n  tag: "1.0"\nteam: core\n',
    'templates/cm.yaml.hbs': CM,
  };
  for (let i = 1; i <= 6; i++) {
    shared[`apps/svc${i}/strata.yaml`] = app('stg, prod', ['../../shared/common.yaml', 'values.yaml']);
    shared[`apps/svc${i}/values.yaml`] = `team: t${i}\n`;
  }
  write(root, {
    ...shared,
    'apps/solo/strata.yaml': app(
      'stg, prod, qa',
      ['values.yaml', 'path: values-{env}.yaml\n      optional: true'],
      'templates',
    ),
    'apps/solo/values.yaml': 'image:\n  tag: solo-1\nteam: solo\n',
    'apps/solo/templates/cm.yaml.hbs': CM,
    'apps/breaks/strata.yaml': app('prod', ['values.yaml'], 'templates'),
    'apps/breaks/values.yaml': 'image:\n  tag: b1\nteam: x\n',
    'apps/breaks/templates/cm.yaml.hbs': CM,
    'apps/fixed/strata.yaml': app('prod', ['values.yaml'], 'templates'),
    'apps/fixed/values.yaml': 'image:\n  tag: f1\n',
    'apps/fixed/templates/cm.yaml.hbs': CM,
    'apps/gone/strata.yaml': app('prod', ['values.yaml'], 'templates'),
    'apps/gone/values.yaml': 'image:\n  tag: g1\nteam: g\n',
    'apps/gone/templates/cm.yaml.hbs': CM,
    'apps/secret/strata.yaml': app('prod', ['values.yaml'], 'templates'),
    'apps/secret/values.yaml': 'creds:\n  password: hunter2-old\n  user: admin-same\n',
    'apps/secret/templates/secret.yaml.hbs': SECRET,
    // Broken at both revisions with the same inputs: only a render would notice, so it proves the skip.
    'apps/stale/strata.yaml': app('prod', ['values.yaml'], 'templates'),
    'apps/stale/values.yaml': 'image:\n  tag: s1\n',
    'apps/stale/templates/cm.yaml.hbs': CM,
  });
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'one');
  const rev = git(root, 'rev-parse', 'HEAD').trim();
  write(root, {
    'shared/common.yaml': 'image:\n  tag: "2.0"\nteam: core\n', // every svc app, both envs
    'apps/solo/strata.yaml': app(
      'stg, prod',
      ['values.yaml', 'path: values-{env}.yaml\n      optional: true'],
      'templates',
    ), // qa removed
    'apps/solo/values-prod.yaml': 'image:\n  tag: solo-2\n', // an optional layer appears
    'apps/breaks/values.yaml': 'image:\n  tag: b2\n', // team gone: the template fails now
    'apps/fixed/values.yaml': 'image:\n  tag: f2\nteam: f\n', // fails at the revision, renders now
    'apps/gone': null,
    'apps/secret/values.yaml': 'creds:\n  password: hunter2-new\n  user: admin-same\n  token: tok-added\n',
  });
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'two');
  write(root, {
    'apps/new/strata.yaml': app('stg, prod', ['values.yaml'], 'templates'), // untracked
    'apps/new/values.yaml': 'image:\n  tag: n1\nteam: nn\n',
    'apps/new/templates/cm.yaml.hbs': CM,
  });
  return { root, rev };
}

let repo: { root: string; rev: string };
before(() => {
  repo = buildRepo();
});
after(() => rmSync(repo.root, { recursive: true, force: true }));

const status = (results: readonly PairResult[]) =>
  Object.fromEntries(results.map((r) => [`${r.app}:${r.env}`, r.status]));

describe('diff --all statuses', () => {
  test('every pair gets its status; unchanged inputs are not rendered', () => {
    const sides = openSides(repo.root, repo.rev, new DiskFs(repo.root, { immutable: true }));
    const r = diffAll({ sides, root: '' });
    assert.equal(r.against, repo.rev);
    const expected: Record<string, string> = {
      'apps/breaks:prod': 'error',
      'apps/fixed:prod': 'changed',
      'apps/gone:prod': 'removed',
      'apps/new:prod': 'added',
      'apps/new:stg': 'added',
      'apps/secret:prod': 'changed',
      'apps/solo:prod': 'changed',
      'apps/solo:qa': 'removed',
      'apps/solo:stg': 'unchanged', // rendered (strata.yaml changed), same objects
      'apps/stale:prod': 'unchanged', // broken on both sides, inputs identical: never rendered
    };
    for (let i = 1; i <= 6; i++) for (const e of ['prod', 'stg']) expected[`apps/svc${i}:${e}`] = 'changed';
    assert.deepEqual(status(r.results), expected, JSON.stringify(r.results.filter((x) => x.error)));
    const fixed = r.results.find((x) => x.app === 'apps/fixed')!;
    assert.match(fixed.beforeError ?? '', /missing value/);
    assert.equal(fixed.objects[0].status, 'added');
    assert.match(
      r.results.find((x) => x.app === 'apps/breaks')!.error ?? '',
      /templates\/cm\.yaml\.hbs.*missing value/,
    );
    // Working tree: svc 12 + solo stg/prod + breaks + fixed + new 2 + secret; revision: svc 12 + solo 3 +
    // breaks + fixed + gone + secret. apps/stale is never rendered.
    assert.deepEqual(r.rendered, { worktree: 19, revision: 19 });
  });

  test('--env narrows; a ROOT below the repository only sees its apps', () => {
    const sides = openSides(repo.root, repo.rev, new DiskFs(repo.root, { immutable: true }));
    const r = diffAll({ sides, root: 'apps', envs: ['stg'] });
    assert.deepEqual(Object.keys(status(r.results)), [
      'apps/new:stg',
      'apps/solo:stg',
      ...[1, 2, 3, 4, 5, 6].map((i) => `apps/svc${i}:stg`),
    ]);
  });

  test('a change that only reorders values keeps the pair unchanged after rendering both sides', async () => {
    const root = mkdtempSync(join(tmpdir(), 'strata-diff-all-'));
    try {
      git(root, 'init', '-q');
      write(root, {
        'a/strata.yaml': app('prod', ['values.yaml'], 'templates'),
        'a/values.yaml': 'image:\n  tag: x\nteam: yy\n',
        'a/templates/cm.yaml.hbs': CM,
      });
      git(root, 'add', '-A');
      git(root, 'commit', '-qm', 'one');
      assert.deepEqual(await cli(['diff', '--all', '--against-ref', 'HEAD'], { cwd: root }), {
        code: 0,
        stdout: `strata diff --all against ${git(root, 'rev-parse', 'HEAD').trim()}\n1 app x env pair: 0 errors, 0 added, 0 removed, 0 changed, 1 unchanged\n`,
        stderr: '',
      });
      write(root, { 'a/values.yaml': 'team: yy\nimage:\n  tag: x\n' });
      const r = await cli(['diff', '--all', '--against-ref', 'HEAD', '-o', 'json'], { cwd: root });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(JSON.parse(r.stdout).results[0].status, 'unchanged');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

test('templates that may read files: the working tree is rendered through a recording fs, the revision skipped when every read replays', () => {
  const root = mkdtempSync(join(tmpdir(), 'strata-diff-all-'));
  try {
    git(root, 'init', '-q');
    const reader =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: r\ndata:\n  v: {{quote values.v}}\n{{#if values.read}}  f: {{quote (file "conf/app.conf")}}\n{{/if}}';
    write(root, {
      'a/strata.yaml': app('prod', ['values.yaml'], 'templates'),
      'a/values.yaml': 'v: one\nread: false\n',
      'a/templates/cm.yaml.hbs': reader,
      'b/strata.yaml': app('prod', ['values.yaml'], 'templates'),
      'b/values.yaml': 'v: one\n',
      'b/templates/cm.yaml.hbs': CM.replace('team', 'v').replace('image.tag', 'v'),
    });
    git(root, 'add', '-A');
    git(root, 'commit', '-qm', 'one');
    const r = diffAll({ sides: openSides(root, 'HEAD', new DiskFs(root, { immutable: true })), root: '' });
    assert.deepEqual(status(r.results), { 'a:prod': 'unchanged', 'b:prod': 'unchanged' });
    assert.deepEqual(r.rendered, { worktree: 1, revision: 0 }); // a is dynamic (calls file), b is not
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

describe('diff --all output', () => {
  test('text: summary then diffs, exit 2 with an error pair, Secret values masked', async () => {
    const r = await cli(['diff', '--all', '--against-ref', repo.rev, '--color', 'never'], { cwd: repo.root });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `strata diff --all against ${repo.rev}`);
    assert.match(lines[1], /^APP +ENV +STATUS +\+ +- +~ +NOTE$/);
    assert.match(
      r.stdout,
      /^apps\/breaks +prod +error +0 +0 +0 +error: apps\/breaks\/templates\/cm\.yaml\.hbs:\d+: missing value/m,
    );
    assert.match(r.stdout, /^apps\/new +stg +added +1 +0 +0$/m);
    assert.match(r.stdout, /^apps\/gone +prod +removed +0 +1 +0$/m);
    assert.match(r.stdout, /^22 app x env pairs: 1 error, 2 added, 2 removed, 15 changed, 2 unchanged$/m);
    assert.doesNotMatch(r.stdout, /apps\/stale/);
    assert.match(
      r.stdout,
      /=== apps\/svc1 \(prod\): changed\n--- [0-9a-f]{12}\/ConfigMap\/demo\/svc1 \(v1\)\n\+\+\+ working-tree\/ConfigMap\/demo\/svc1 \(v1\)\n@@ \.data\.tag @@\n-"1\.0"\n\+"2\.0"\n/,
    );
    // The Secret: the changed key and the added one show, the values never do.
    assert.match(r.stdout, /@@ \.stringData\.password @@\n-"?\+{8}"?\n\+"?\+{9}"?\n/);
    assert.match(r.stdout, /@@ \.stringData\.token @@\n\+"?\+{8}"?\n/);
    assert.doesNotMatch(r.stdout, /@@ \.stringData\.user @@/);
    assert.doesNotMatch(r.stdout, /hunter2|admin-same|tok-added/);
  });

  test('json lists every pair (unchanged included) with per-object changes; masking there too', async () => {
    const r = await cli(['diff', '--all', '--against-ref', repo.rev, '-o', 'json'], { cwd: repo.root });
    assert.equal(r.code, 2);
    const j = JSON.parse(r.stdout) as {
      against: string;
      results: (PairResult & { objects: { status: string; changes: unknown[] }[] })[];
    };
    assert.equal(j.against, repo.rev);
    assert.equal(j.results.length, 22);
    const stale = j.results.find((x) => x.app === 'apps/stale')!;
    assert.deepEqual(stale, { app: 'apps/stale', name: 'stale', env: 'prod', status: 'unchanged', objects: [] });
    const svc = j.results.find((x) => x.app === 'apps/svc3' && x.env === 'stg')!;
    assert.equal(svc.name, 'svc3');
    assert.deepEqual(svc.objects[0], {
      id: 'ConfigMap/demo/svc3',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'demo',
      name: 'svc3',
      status: 'changed',
      changes: [{ path: '.data.tag', op: 'change', before: '1.0', after: '2.0' }],
    });
    assert.doesNotMatch(r.stdout, /hunter2|admin-same|tok-added/);
  });

  test('markdown: a PR comment with a summary table and collapsible diff blocks', async () => {
    const r = await cli(['diff', '--all', '--against-ref', repo.rev, '-o', 'markdown'], { cwd: repo.root });
    assert.equal(r.code, 2);
    assert.match(
      r.stdout,
      /^<!-- strata-diff -->\n### strata diff against `[0-9a-f]{12}`\n\n22 app x env pairs: 1 error/,
    );
    assert.match(
      r.stdout,
      /\n\| app \| env \| status \| added \| removed \| changed \| note \|\n\|---\|---\|---\|---:\|---:\|---:\|---\|\n\| apps\/breaks \| prod \| error \|/,
    );
    assert.match(
      r.stdout,
      /<details><summary>apps\/svc1 \(prod\): changed<\/summary>\n\n```diff\n--- [0-9a-f]{12}\/ConfigMap\/demo\/svc1 \(v1\)\n/,
    );
    assert.equal(r.stdout.match(/<details>/g)!.length, 19);
    assert.doesNotMatch(r.stdout, /hunter2|admin-same|tok-added/);
  });

  test('--show-secrets prints the values (local use)', async () => {
    const r = await cli(['diff', '--all', '--against-ref', repo.rev, '--show-secrets', 'apps/secret'], {
      cwd: repo.root,
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /-hunter2-old\n\+hunter2-new/);
    const single = await cli(['diff', 'apps/secret', '--env', 'prod', '--against-ref', repo.rev, '--color', 'never'], {
      cwd: repo.root,
    });
    assert.equal(single.code, 1);
    assert.doesNotMatch(single.stdout, /hunter2/);
    assert.match(single.stdout, /@@ \.stringData\.password @@/);
  });

  test('exit 0 when nothing changed under ROOT, 1 when something did', async () => {
    assert.equal((await cli(['diff', '--all', '--against-ref', repo.rev, 'apps/stale'], { cwd: repo.root })).code, 0);
    assert.equal((await cli(['diff', '--all', '--against-ref', repo.rev, 'apps/svc1'], { cwd: repo.root })).code, 1);
  });
});

describe('diff --all hostile input', () => {
  test('a revision that looks like an option is refused before git sees it; nothing is written', async () => {
    const target = join(repo.root, 'x-out');
    for (const argv of [['--against-ref=--output=' + target], ['--against-ref', '--output=' + target]]) {
      const r = await cli(['diff', '--all', ...argv], { cwd: repo.root });
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.equal(existsSync(target), false);
    }
  });

  test('a name that is not a revision, a blob, a ROOT outside the repository: exit 2, one line', async () => {
    for (const [argv, re] of [
      [['--against-ref', 'no-such-branch'], /not a commit/],
      [['--against-ref', `${repo.rev}:shared/common.yaml`], /not a commit/],
      [
        ['--against-ref', repo.rev, tmpdir()],
        /not a commit of this repository \(or it is not a git work tree\)|is not a git work tree/,
      ],
      [['--against-ref', repo.rev, '--repo-root', '.', tmpdir()], /outside the repository root/],
      [['--against', 'stg'], /--all needs --against-ref|use --against-ref/],
    ] as const) {
      const r = await cli(['diff', '--all', ...argv], { cwd: repo.root });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, re);
    }
  });

  test('thousands of apps, none changed: bounded time, nothing rendered', () => {
    const root = mkdtempSync(join(tmpdir(), 'strata-diff-all-many-'));
    try {
      git(root, 'init', '-q');
      const files: Record<string, string> = {
        'templates/cm.yaml.hbs': CM,
        'common.yaml': 'image:\n  tag: "1"\nteam: t\n',
      };
      for (let i = 0; i < 1000; i++) files[`apps/a${i}/strata.yaml`] = app('stg, prod', ['../../common.yaml']);
      write(root, files);
      git(root, 'add', '-A');
      git(root, 'commit', '-qm', 'many');
      const started = performance.now();
      const r = diffAll({ sides: openSides(root, 'HEAD', new DiskFs(root, { immutable: true })), root: '' });
      const ms = performance.now() - started;
      assert.equal(r.results.length, 2000);
      process.stderr.write(`# 1,000 apps x 2 envs unchanged: ${Math.round(ms)} ms\n`);
      assert.ok(r.results.every((x) => x.status === 'unchanged'));
      assert.deepEqual(r.rendered, { worktree: 0, revision: 0 });
      assert.ok(ms < 20_000, `took ${ms} ms`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('inputs', () => {
  test('the static inputs name every file a render reads (templates without file/tpl)', () => {
    const fs = new DiskFs(repo.root, { immutable: true });
    const digest: DigestFs = Object.assign(Object.create(fs), {
      digest: (p: string) => (fs.stat(p) === 'file' ? blobId(fs.readFile(p)) : undefined),
    });
    for (const [appDir, env] of [
      ['apps/svc1', 'prod'],
      ['apps/solo', 'prod'],
      ['apps/secret', 'prod'],
    ] as const) {
      const rec = new RecordingFs(fs, (b) => blobId(b, 'sha1'));
      render({ fs: rec, appDir, env });
      const inputs = new InputIndex(digest, true).pair(loadApp(digest, appDir), env);
      assert.equal(inputs.dynamic, false);
      const named = new Set(inputs.entries.map((e) => e.split(' ')[1]));
      named.add(`${appDir}/strata.yaml`);
      for (const r of rec.reads.filter((x) => x.op === 'file'))
        assert.ok(named.has(r.path), `${appDir}: render read ${r.path}, not among its inputs`);
    }
  });

  test('recorded reads replay against the other side by content id', () => {
    const mem = (files: Record<string, string>): DigestFs => {
      const m = new MemoryFs(files);
      return Object.assign(m, { digest: (p: string) => (m.stat(p) === 'file' ? blobId(m.readFile(p)) : undefined) });
    };
    const rec = new RecordingFs(new MemoryFs({ 'a/x.txt': 'one', 'a/y.txt': 'two' }), (b) => blobId(b, 'sha1'));
    rec.readFile('a/x.txt');
    rec.readDir('a');
    assert.throws(() => rec.readFile('a/missing'));
    assert.equal(replays(rec.reads, mem({ 'a/x.txt': 'one', 'a/y.txt': 'changed' })), true);
    assert.equal(replays(rec.reads, mem({ 'a/x.txt': 'ONE', 'a/y.txt': 'two' })), false);
    assert.equal(replays(rec.reads, mem({ 'a/x.txt': 'one', 'a/y.txt': 'two', 'a/z.txt': '' })), false);
    assert.equal(replays(rec.reads, mem({ 'a/x.txt': 'one', 'a/y.txt': 'two', 'a/missing': 'now here' })), false);
  });

  test("the revision's folder index answers as gitFs does; unchanged files come from the working tree", () => {
    const sides = openSides(repo.root, repo.rev, new DiskFs(repo.root, { immutable: true }));
    const plain = gitFs(repo.root, repo.rev);
    for (const d of ['', 'apps', 'apps/gone', 'apps/solo/templates', 'shared'])
      assert.deepEqual(sides.revision.readDir(d), plain.readDir(d), d);
    for (const p of [
      'apps',
      'apps/gone/values.yaml',
      'apps/new',
      'apps/solo/values-prod.yaml',
      'nope',
      'apps/svc1/strata.yaml',
    ])
      assert.equal(sides.revision.stat(p), plain.stat(p), p);
    assert.throws(() => sides.revision.readDir('apps/new'), /directory not found/);
    for (const p of ['shared/common.yaml', 'apps/svc1/values.yaml', 'apps/gone/values.yaml'])
      assert.equal(
        Buffer.from(sides.revision.readFile(p)).toString('utf8'),
        Buffer.from(plain.readFile(p)).toString('utf8'),
        p,
      );
    assert.equal(sides.revision.digest('apps/svc1/values.yaml'), sides.worktree.digest('apps/svc1/values.yaml'));
    assert.notEqual(sides.revision.digest('shared/common.yaml'), sides.worktree.digest('shared/common.yaml'));
  });

  test('git blob ids match git hash-object', () => {
    const bytes = new TextEncoder().encode('hello\n');
    assert.equal(blobId(bytes), 'ce013625030ba8dba906f756967f9e9ca394464a');
  });

  test('templates that may read files are found on the parse tree, not in comments or value paths', () => {
    assert.equal(mayReadFiles('{{file "config/app.conf"}}'), true);
    assert.equal(mayReadFiles('data: {{indent 2 (file values.path)}}'), true);
    assert.equal(mayReadFiles('{{#if x}}{{tpl values.snippet .}}{{/if}}'), true);
    assert.equal(mayReadFiles('{{!-- readOnlyRootFilesystem: file --}}\nkey: {{values.file}} {{this.tpl}}'), false);
    assert.equal(mayReadFiles('{{#if'), true); // unparsable: assume it may
  });
});

describe('markdown size', () => {
  test('stays under the comment limit: the largest diffs are cut with a note, the summary is whole', () => {
    const big = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        path: `.data.k${i}`,
        op: 'change' as const,
        before: 'a'.repeat(40),
        after: 'b'.repeat(40),
      }));
    const pair = (app: string, n: number): PairResult => ({
      app,
      name: app,
      env: 'prod',
      status: 'changed',
      objects: [
        {
          id: `ConfigMap/ns/${app}`,
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: 'ns',
          name: app,
          status: 'changed',
          changes: big(n),
        },
      ],
    });
    const results = [
      pair('huge', 3000),
      pair('large', 800),
      pair('small', 3),
      ...Array.from({ length: 50 }, (_, i) => pair(`tiny${i}`, 1)),
    ];
    const md = formatMarkdown({ against: 'f'.repeat(40), results, rendered: { worktree: 0, revision: 0 } });
    assert.ok(md.length < MARKDOWN_LIMIT, `length ${md.length}`);
    assert.match(md, /53 app x env pairs: 0 errors, 0 added, 0 removed, 53 changed, 0 unchanged/);
    for (const p of results) assert.ok(md.includes(`| ${p.app} | prod | changed |`), p.app);
    assert.match(md, /<summary>huge \(prod\): changed<\/summary>[\s\S]*?_\d+ more lines cut to fit a comment/);
    // The small diffs are whole.
    assert.match(
      md,
      /<summary>small \(prod\): changed<\/summary>\n\n```diff\n(?:.*\n){2}@@ \.data\.k0 @@\n-a+\n\+b+\n@@ \.data\.k1 @@\n-a+\n\+b+\n@@ \.data\.k2 @@\n-a+\n\+b+\n```\n<\/details>/,
    );
  });

  test('hostile names cannot break out of the table, the summary or the code block', () => {
    const results: PairResult[] = [
      {
        app: 'apps/<img src=x>|`x`',
        name: 'x',
        env: 'prod',
        status: 'changed',
        objects: [
          {
            id: 'ConfigMap/ns/x',
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: 'x',
            status: 'changed',
            changes: [{ path: '.data.a', op: 'change', before: '```', after: '</details>' }],
          },
        ],
      },
    ];
    const md = formatMarkdown({ against: 'a'.repeat(40), results, rendered: { worktree: 0, revision: 0 } });
    assert.doesNotMatch(md, /<img/);
    assert.match(md, /\| apps\/&#60;img src=x&#62;&#124;&#96;x&#96; \| prod \|/);
    assert.match(md, /````diff\n[\s\S]*```[\s\S]*\n````\n<\/details>/);
  });
});
