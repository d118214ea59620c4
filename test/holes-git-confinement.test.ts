// Issue 21 §5: the repository's `.git` (its `config` can hold tokens in remote URLs) is unreadable through
// every reader, whatever path leads there: confinement is decided on the RESOLVED path, so an in-repository
// symlink (`gitconfig -> ../.git/config`) cannot smuggle it out through `file`, a layer, a template, the
// policy file or a schema.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { UserError } from '../src/core/errors.js';
import { MemoryFs } from '../src/core/fs.js';
import { DiskFs } from '../src/io/disk-fs.js';
import { gitFs } from '../src/io/git-fs.js';
import { cli, makeRepo, minimalApp } from './helpers.js';

const CANARY = 'ghp_CANARYtoken0123456789abcdef';
const GITCONFIG = `[remote "origin"]\n\turl = https://x-access-token:${CANARY}@example.invalid/org/repo.git\n`;

/** A repository whose `.git/config` holds the canary, plus whatever links the test adds. */
function repo(files: Record<string, string> = {}): string {
  const root = makeRepo(minimalApp(files));
  writeFileSync(join(root, '.git', 'config'), GITCONFIG);
  mkdirSync(join(root, '.git', 'modules', 'sub'), { recursive: true });
  writeFileSync(join(root, '.git', 'modules', 'sub', 'config'), GITCONFIG);
  return root;
}

function refusal(f: () => unknown, written: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof UserError, String(e));
    assert.ok(!e.message.includes(CANARY));
    assert.ok(!e.message.includes('\n'), e.message);
    assert.match(e.message, /resolves into \.git/);
    assert.equal(e.where?.file, written, 'the error names the path as written');
    return true;
  });
}

describe('DiskFs refuses any path that resolves into .git', () => {
  test('a file symlink into .git, for readFile and stat', () => {
    const root = repo();
    symlinkSync('../.git/config', join(root, 'app', 'gitconfig'));
    const fs = new DiskFs(root);
    refusal(() => fs.readFile('app/gitconfig'), 'app/gitconfig');
    refusal(() => fs.stat('app/gitconfig'), 'app/gitconfig');
  });

  test('a directory symlink into .git, for readDir, stat, identity and files below it', () => {
    const root = repo();
    symlinkSync('../.git', join(root, 'app', 'meta'));
    symlinkSync('../.git/modules', join(root, 'app', 'mods'));
    const fs = new DiskFs(root, { immutable: true });
    refusal(() => fs.readDir('app/meta'), 'app/meta');
    refusal(() => fs.stat('app/meta'), 'app/meta');
    refusal(() => fs.identity('app/meta'), 'app/meta');
    refusal(() => fs.readFile('app/meta/config'), 'app/meta/config');
    refusal(() => fs.readFile('app/mods/sub/config'), 'app/mods/sub/config');
  });

  test('a path written straight into .git, and a .git folder deeper in the tree (a submodule checkout)', () => {
    const root = repo();
    mkdirSync(join(root, 'vendor', 'lib', '.git'), { recursive: true });
    writeFileSync(join(root, 'vendor', 'lib', '.git', 'config'), GITCONFIG);
    const fs = new DiskFs(root);
    refusal(() => fs.readFile('.git/config'), '.git/config');
    refusal(() => fs.readDir('.git'), '.git');
    refusal(() => fs.readFile('vendor/lib/.git/config'), 'vendor/lib/.git/config');
  });

  test('names that merely contain .git stay readable, and so does the root', () => {
    const root = repo({ 'app/.gitignore': 'x\n', 'app/my.git/f': 'ok\n', 'app/.github/f': 'ok\n' });
    const fs = new DiskFs(root);
    assert.equal(fs.stat('app/.gitignore'), 'file');
    assert.equal(Buffer.from(fs.readFile('app/my.git/f')).toString(), 'ok\n');
    assert.equal(Buffer.from(fs.readFile('app/.github/f')).toString(), 'ok\n');
    assert.ok(fs.readDir('').includes('.git'), 'a listing may name .git; it cannot be entered');
  });
});

describe('every reader of a render refuses a link into .git, without echoing a byte of it', () => {
  const cases: Record<string, { files: Record<string, string>; link: [string, string]; env?: string }> = {
    'file helper': {
      files: {
        'app/templates/cm.yaml.hbs':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  c: {{quote (file "gitconfig")}}\n',
      },
      link: ['app/gitconfig', '../.git/config'],
    },
    'values layer': { files: {}, link: ['app/values-stg.yaml', '../.git/config'], env: 'stg' },
    template: { files: {}, link: ['app/templates/leak.yaml.hbs', '../../.git/config'] },
    'values schema': { files: {}, link: ['app/values.schema.json', '../.git/config'] },
    'policy file': { files: {}, link: ['app/strata-policy.yaml', '../.git/config'] },
  };
  for (const [name, c] of Object.entries(cases)) {
    test(name, async () => {
      const root = repo(c.files);
      symlinkSync(c.link[1], join(root, c.link[0]));
      const r = await cli(['render', 'app', '--env', c.env ?? 'prod'], { cwd: root });
      assert.notEqual(r.code, 0, r.stdout);
      assert.equal(r.stdout, '');
      assert.ok(!r.stderr.includes(CANARY), r.stderr);
      assert.ok(!r.stderr.includes('x-access-token'), r.stderr);
      assert.match(r.stderr, /resolves into \.git/);
    });
  }
});

describe('MemoryFs (git revisions, tests) holds no .git either', () => {
  test('a .git path is refused by name', () => {
    const fs = new MemoryFs({ 'app/x': 'ok', 'sub/.git/config': GITCONFIG });
    assert.throws(() => fs.readFile('sub/.git/config'), /\.git/);
    assert.equal(fs.readFile('app/x').length, 2);
  });
});

describe('GitFs (a revision read from git objects) lists no .git entry', () => {
  test('a crafted tree holding .git/config (git never checks it out) and a symlink blob into .git read as absent', (t) => {
    const root = repo();
    const git = (args: string[], input?: string): string => {
      const r = spawnSync('git', args, {
        cwd: root,
        input,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: root, GIT_CONFIG_NOSYSTEM: '1' },
      });
      if (r.status !== 0) throw new Error(`git ${args[0]}: ${r.stderr}`);
      return r.stdout.trim();
    };
    if (spawnSync('git', ['--version']).status !== 0) return t.skip('no git here');
    rmGitDir(root);
    git(['init', '-q']);
    const blob = git(['hash-object', '-w', '--stdin'], GITCONFIG);
    const link = git(['hash-object', '-w', '--stdin'], '../.git/config');
    const inner = git(['mktree'], `100644 blob ${blob}\tconfig\n`);
    const top = git(
      ['mktree'],
      `040000 tree ${inner}\t.git\n100644 blob ${blob}\tplain\n120000 blob ${link}\tgitconfig\n`,
    );
    const commit = git(['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit-tree', top, '-m', 'x']);
    const fs = gitFs(root, commit);
    assert.equal(fs.stat('plain'), 'file', 'the tree was read');
    assert.equal(Buffer.from(fs.readFile('plain')).toString(), GITCONFIG);
    assert.equal(fs.stat('gitconfig'), undefined);
    assert.deepEqual(fs.readDir(''), ['plain']);
    assert.throws(() => fs.readFile('.git/config'), /\.git/);
  });
});

/** The fake .git of repo() makes way for a real one. */
function rmGitDir(root: string): void {
  rmSync(join(root, '.git'), { recursive: true, force: true });
}
