// issue 10 §1: git never runs a program the repository names. Each vector is planted in a real repository's
// .git (or a file it includes); strata then runs its real git paths, `generate`'s revision annotation and
// `diff --against-ref`, in process. The marker file each planted program would create must stay absent, and
// the command must still work (so a test cannot pass just because git was never run).
// Run: node --import tsx --test test/e2e/git-hardening.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gitDirProblem } from '../../src/io/git.js';
import { cli, minimalApp } from '../helpers.js';

const CLEAN_GIT_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/nonexistent',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, {
    cwd,
    env: {
      ...CLEAN_GIT_ENV,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
    .toString('utf8')
    .trim();
}

interface Planted {
  root: string;
  marker: string;
  head: string;
}

/** A committed repository holding a minimal app, and a script that creates `marker` when anything runs it. */
function repo(): Planted & { evil: string } {
  const root = mkdtempSync(join(tmpdir(), 'strata-git-'));
  for (const [p, c] of Object.entries(minimalApp())) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  git(root, ['init', '-q', '-b', 'main']);
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', 'app']);
  const marker = join(root, 'PWNED');
  const evil = join(root, 'evil.sh');
  writeFileSync(evil, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
  chmodSync(evil, 0o755);
  return { root, marker, evil, head: git(root, ['rev-parse', 'HEAD']) };
}

function setConfig(root: string, pairs: [string, string][], file = join(root, '.git', 'config')): void {
  for (const [k, v] of pairs) git(root, ['config', '--file', file, k, v]);
}

/** Both git paths: generate's revision annotation, then diff --against-ref HEAD. */
async function exercise(p: Planted, opts: { revisionKnown?: boolean } = {}): Promise<void> {
  const env = {
    ARGOCD_APP_NAME: 'demo',
    ARGOCD_APP_SOURCE_PATH: 'app',
    ARGOCD_APP_REVISION: 'f'.repeat(40),
    ARGOCD_ENV_STRATA_ENV: 'stg',
  };
  const gen = await cli(['generate'], { cwd: join(p.root, 'app'), env });
  assert.equal(gen.code, 0, gen.stderr);
  const annotation = /strata\.dev\/revision: "?([0-9a-f]+)/.exec(gen.stdout)?.[1];
  if (opts.revisionKnown !== false) assert.equal(annotation, p.head, 'git ran and found the app commit');
  const diff = await cli(['diff', 'app', '--env', 'stg', '--against-ref', 'HEAD'], { cwd: p.root });
  assert.ok(diff.code === 0 || diff.code === 2, diff.stderr);
  if (opts.revisionKnown !== false) assert.equal(diff.code, 0, diff.stderr);
  assert.equal(existsSync(p.marker), false, 'the planted program ran');
}

describe('git runs no repository-controlled program', () => {
  test('sanity: the planted script creates the marker when run', () => {
    const p = repo();
    assert.throws(() => execFileSync(p.evil));
    assert.ok(existsSync(p.marker));
  });

  test('promisor remote with a shell uploadpack (lazy fetch of a missing object)', async () => {
    const p = repo();
    const other = mkdtempSync(join(tmpdir(), 'strata-git-remote-'));
    git(other, ['init', '-q', '--bare']);
    setConfig(p.root, [
      ['core.repositoryformatversion', '1'],
      ['extensions.partialClone', 'origin'],
      ['remote.origin.url', other],
      ['remote.origin.promisor', 'true'],
      ['remote.origin.uploadpack', p.evil],
    ]);
    // Remove every loose object but the commit: reading the tree or a blob now needs a lazy fetch.
    const objects = join(p.root, '.git', 'objects');
    for (const d of readdirSync(objects).filter((d) => /^[0-9a-f]{2}$/.test(d))) {
      for (const f of readdirSync(join(objects, d))) if (d + f !== p.head) rmSync(join(objects, d, f), { force: true });
    }
    await exercise(p, { revisionKnown: false });
    // Without the hardening this fetch runs the uploadpack program (proves the plant is live):
    assert.throws(() => git(p.root, ['cat-file', '-p', 'HEAD^{tree}']));
    assert.ok(existsSync(p.marker), 'plain git runs remote.origin.uploadpack on lazy fetch');
  });

  test('promisor remote over ssh with core.sshCommand', async () => {
    const p = repo();
    setConfig(p.root, [
      ['core.repositoryformatversion', '1'],
      ['extensions.partialClone', 'origin'],
      ['remote.origin.url', 'ssh://example.invalid/repo.git'],
      ['remote.origin.promisor', 'true'],
      ['core.sshCommand', p.evil],
    ]);
    const objects = join(p.root, '.git', 'objects');
    for (const d of readdirSync(objects).filter((d) => /^[0-9a-f]{2}$/.test(d))) {
      for (const f of readdirSync(join(objects, d))) if (d + f !== p.head) rmSync(join(objects, d, f), { force: true });
    }
    await exercise(p, { revisionKnown: false });
  });

  test('gpg.program with log.showSignature on a signed commit', async () => {
    const p = repo();
    // Sign the next commit with a fake "gpg" that emits a signature, so the commit carries a gpgsig header.
    const signer = join(p.root, 'sign.sh');
    // It reads the payload first, as gpg does: exiting before git has written it is an EPIPE in git's pipe_command,
    // which fails the signing now and then. git 2.39 (here) looks for "\n[GNUPG:] SIG_CREATED " on the status fd
    // (gpg-interface.c sign_buffer_gpg); later versions also accept it at the very start. A newline first suits both.
    writeFileSync(
      signer,
      `#!/bin/sh\ncat >/dev/null\nprintf '\\n[GNUPG:] SIG_CREATED \\n' >&2\nprintf -- '-----BEGIN PGP SIGNATURE-----\\n\\nAAAA\\n-----END PGP SIGNATURE-----\\n'\n`,
    );
    chmodSync(signer, 0o755);
    writeFileSync(join(p.root, 'app', 'values.yaml'), 'name: demo\nreplicas: 2\n');
    git(p.root, ['-c', `gpg.program=${signer}`, 'commit', '-q', '-S', '-am', 'signed']);
    const signed = { ...p, head: git(p.root, ['rev-parse', 'HEAD']) };
    setConfig(p.root, [
      ['gpg.program', p.evil],
      ['log.showSignature', 'true'],
    ]);
    await exercise(signed);
    execFileSync('git', ['log', '-1', '--format=%H'], { cwd: p.root, env: CLEAN_GIT_ENV, stdio: 'ignore' });
    assert.ok(existsSync(p.marker), 'plain git log runs gpg.program');
  });

  test('core.fsmonitor', async () => {
    const p = repo();
    setConfig(p.root, [['core.fsmonitor', p.evil]]);
    await exercise(p);
  });

  test('diff.external and a textconv driver', async () => {
    const p = repo();
    writeFileSync(join(p.root, '.gitattributes'), '*.yaml diff=evil\n');
    git(p.root, ['add', '.gitattributes']);
    git(p.root, ['commit', '-q', '-m', 'attrs']);
    setConfig(p.root, [
      ['diff.external', p.evil],
      ['diff.evil.textconv', p.evil],
      ['diff.evil.command', p.evil],
    ]);
    await exercise({ ...p, head: git(p.root, ['log', '-1', '--format=%H', '--', 'app']) });
  });

  test('hooks (every hook name) and core.hooksPath', async () => {
    const p = repo();
    const hooks = join(p.root, '.git', 'hooks');
    for (const h of [
      'pre-commit',
      'post-checkout',
      'post-index-change',
      'reference-transaction',
      'pre-auto-gc',
      'post-rewrite',
      'fsmonitor-watchman',
    ]) {
      writeFileSync(join(hooks, h), `#!/bin/sh\ntouch '${p.marker}'\n`);
      chmodSync(join(hooks, h), 0o755);
    }
    setConfig(p.root, [['core.hooksPath', hooks]]);
    await exercise(p);
  });

  test('aliases named like the builtins strata runs', async () => {
    const p = repo();
    setConfig(
      p.root,
      ['log', 'ls-tree', 'cat-file', 'rev-parse'].map((a): [string, string] => [`alias.${a}`, `!${p.evil}`]),
    );
    await exercise(p);
  });

  test('include.path and includeIf pointing at a config with all of the above', async () => {
    const p = repo();
    const inc = join(p.root, 'evil.gitconfig');
    setConfig(
      p.root,
      [
        ['core.fsmonitor', p.evil],
        ['gpg.program', p.evil],
        ['log.showSignature', 'true'],
        ['diff.external', p.evil],
        ['core.pager', p.evil],
        ['pager.log', p.evil],
        ['core.hooksPath', join(p.root, '.git', 'hooks')],
      ],
      inc,
    );
    setConfig(p.root, [
      ['include.path', inc],
      [`includeIf.gitdir:${p.root}/.path`, inc],
    ]);
    await exercise(p);
  });
});

describe("a .git that is not this repository's own", () => {
  test('a symlinked .git is refused', async () => {
    const p = repo();
    const elsewhere = mkdtempSync(join(tmpdir(), 'strata-git-elsewhere-'));
    renameSync(join(p.root, '.git'), join(elsewhere, '.git'));
    symlinkSync(join(elsewhere, '.git'), join(p.root, '.git'));
    assert.match(gitDirProblem(p.root) ?? '', /symlink/);
    const diff = await cli(['diff', 'app', '--env', 'stg', '--against-ref', 'HEAD'], { cwd: p.root });
    assert.equal(diff.code, 2);
    assert.equal(diff.stdout, '');
    assert.match(diff.stderr, /\.git is a symlink/);
    const gen = await cli(['generate'], {
      cwd: join(p.root, 'app'),
      env: { ARGOCD_APP_SOURCE_PATH: 'app', ARGOCD_APP_REVISION: 'f'.repeat(40), ARGOCD_ENV_STRATA_ENV: 'stg' },
    });
    assert.equal(gen.code, 0, gen.stderr);
    assert.match(
      gen.stdout,
      new RegExp(`strata.dev/revision: "?${'f'.repeat(40)}`),
      'falls back to ARGOCD_APP_REVISION',
    );
  });

  test('a gitdir: file pointing outside the root is refused; one inside is used', () => {
    const p = repo();
    const elsewhere = mkdtempSync(join(tmpdir(), 'strata-git-elsewhere-'));
    renameSync(join(p.root, '.git'), join(elsewhere, 'real.git'));
    writeFileSync(join(p.root, '.git'), `gitdir: ${join(elsewhere, 'real.git')}\n`);
    assert.match(gitDirProblem(p.root) ?? '', /outside the repository root/);
    // A back link that names another .git does not make it ours.
    writeFileSync(join(elsewhere, 'real.git', 'gitdir'), join(elsewhere, '.git') + '\n');
    assert.match(gitDirProblem(p.root) ?? '', /outside the repository root/);
    writeFileSync(join(p.root, '.git'), 'gitdir: ../../../../etc\n');
    assert.match(gitDirProblem(p.root) ?? '', /outside|nothing/);
    rmSync(join(elsewhere, 'real.git', 'gitdir'));
    mkdirSync(join(p.root, 'sub'));
    renameSync(join(elsewhere, 'real.git'), join(p.root, 'sub', 'real.git'));
    writeFileSync(join(p.root, '.git'), 'gitdir: sub/real.git\n');
    assert.equal(gitDirProblem(p.root), undefined);
  });

  test('a linked worktree (git worktree add) is used: its admin folder points back at this .git file', async () => {
    const p = repo();
    const wt = join(mkdtempSync(join(tmpdir(), 'strata-git-wt-')), 'wt');
    git(p.root, ['worktree', 'add', '-q', wt]);
    assert.equal(gitDirProblem(wt), undefined);
    const diff = await cli(['diff', 'app', '--env', 'stg', '--against-ref', 'HEAD'], { cwd: wt });
    assert.equal(diff.code, 0, diff.stderr);
  });
});
