import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { staysInside } from '../core/fs.js';
import { DEFAULT_RENDER_LIMITS } from '../core/limits.js';

// Where strata runs git: `git log -1` over an app's inputs (the revision annotation) and, through runGit,
// reading files at a revision (git-fs.ts). argv only (no shell), bounded in time, GIT_* variables of the
// caller dropped (hooks and CI set GIT_DIR), confined to the repository at `root` (never a parent repo).
// The sidecar may lack .git (tar exclusions): then the annotation falls back to ARGOCD_APP_REVISION.
//
// The repository's own .git/config is hostile (docs/security.md §1): it can name programs git would run. Every key
// that makes git start a program on our code paths is overridden on the command line (`-c`, which wins over
// every config file, includes and includeIf included), system and global config are off, no protocol may
// be used (a promisor remote's lazy fetch of a missing object would run `remote.<name>.uploadpack`), and
// nothing may page or prompt. We run only builtins (log, ls-tree, cat-file, rev-parse): an alias never
// shadows a builtin. docs/security.md lists the vectors and test/e2e/git-hardening.test.ts tries each one.

/** `-c` overrides that neutralise repository-controlled programs; values are inert on purpose. */
export const GIT_SAFE_CONFIG: readonly (readonly [string, string])[] = [
  ['protocol.allow', 'never'], // no fetch of any kind: promisor lazy fetch, submodules, ext::
  ['core.fsmonitor', 'false'], // core.fsmonitor=<command> runs on index reads
  ['core.hooksPath', '/dev/null'], // no hook can exist there
  ['core.sshCommand', 'false'], // never used with protocol.allow=never; inert anyway
  ['core.gitProxy', ''],
  ['core.askPass', ''],
  ['core.pager', 'cat'],
  ['core.editor', 'false'],
  ['core.alternateRefsCommand', ''],
  ['credential.helper', ''],
  ['diff.external', ''],
  ['log.showSignature', 'false'], // with gpg.program: runs the program on every signed commit
  ['gpg.program', 'false'],
  ['gpg.openpgp.program', 'false'],
  ['gpg.x509.program', 'false'],
  ['gpg.ssh.program', 'false'],
  ['fetch.recurseSubmodules', 'false'],
  ['submodule.recurse', 'false'],
  ['core.untrackedCache', 'false'],
];

export interface GitOptions {
  /** Give up after this long (default limits.gitMs): Argo CD's whole generate has 60 s by default. */
  timeoutMs?: number;
  /** The environment git runs with (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
  maxBuffer?: number;
}

/** The environment git runs with: the caller's minus GIT_*, plus what turns off outside config and prompts. */
export function gitEnv(root: string, from: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(from))
    if (v !== undefined && !k.startsWith('GIT_') && k !== 'PAGER' && k !== 'SSH_ASKPASS') env[k] = v;
  env.PATH ??= process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'; // an emulated Argo CD environment has none
  env.GIT_CEILING_DIRECTORIES = dirname(root); // never walk up into an enclosing repository
  env.GIT_DIR = join(root, '.git'); // exactly this repository's (checked by checkGitDir), no discovery
  env.GIT_WORK_TREE = root;
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.GIT_CONFIG_GLOBAL = '/dev/null'; // no ~/.gitconfig, no $XDG_CONFIG_HOME/git/config
  env.GIT_ATTR_NOSYSTEM = '1';
  env.GIT_NO_LAZY_FETCH = '1'; // git >= 2.44; protocol.allow=never covers older versions
  env.GIT_NO_REPLACE_OBJECTS = '1';
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_PAGER = 'cat';
  env.GIT_OPTIONAL_LOCKS = '0'; // read-only: do not refresh the index
  return env;
}

/** Run git in `root`; throws execFileSync's error (with `stderr` and `code`) on failure. */
export function runGit(root: string, args: readonly string[], opts: GitOptions = {}): Buffer {
  const config = GIT_SAFE_CONFIG.flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  return execFileSync('git', ['--no-pager', ...config, ...args], {
    cwd: root,
    env: gitEnv(root, opts.env ?? process.env),
    timeout: opts.timeoutMs ?? DEFAULT_RENDER_LIMITS.gitMs,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: opts.maxBuffer ?? 1024 * 1024,
  });
}

/**
 * Why the `.git` of `root` must not be used, or undefined when it is a plain directory inside the root (or a
 * `gitdir:` file naming one). A symlinked .git, or a gitdir file pointing elsewhere, would let a repository
 * make us read (and run with) another repository's config.
 */
export function gitDirProblem(root: string): string | undefined {
  const dotGit = join(root, '.git');
  let st;
  try {
    st = lstatSync(dotGit);
  } catch {
    return 'no .git';
  }
  if (st.isSymbolicLink()) return '.git is a symlink; refusing to run git on it';
  if (st.isDirectory()) return undefined;
  if (!st.isFile() || st.size > 4096) return '.git is not a directory or a gitdir file';
  const m = /^gitdir: *(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
  if (!m) return '.git file has no gitdir line';
  let target: string;
  try {
    target = realpathSync(resolve(root, m[1]));
  } catch {
    return '.git file points to nothing';
  }
  const realRoot = realpathSync(root);
  const rel = relative(realRoot, target);
  if (rel === '' || !staysInside(rel)) {
    return isWorktreeOf(target, join(realRoot, '.git'))
      ? undefined
      : '.git file points outside the repository root; refusing to run git on it';
  }
  return undefined;
}

/**
 * A linked worktree (`git worktree add`): its .git file names an admin folder of another repository, whose
 * own `gitdir` file points back at this .git file. Content pushed to a repository cannot create that back
 * link outside the checkout, so it proves the folder was made for this work tree by its owner.
 */
function isWorktreeOf(adminDir: string, dotGitFile: string): boolean {
  try {
    const back = readFileSync(join(adminDir, 'gitdir'), 'utf8').trim();
    return realpathSync(resolve(adminDir, back)) === realpathSync(dotGitFile);
  } catch {
    return false;
  }
}

/** Full SHA of the last commit that touched any of `paths` (repo-relative), or undefined when unknown. */
export function lastCommitTouching(root: string, paths: readonly string[], opts: GitOptions = {}): string | undefined {
  if (paths.length === 0 || gitDirProblem(root) !== undefined) return undefined;
  try {
    const sha = runGit(
      root,
      [
        '--literal-pathspecs',
        'log',
        '-1',
        '--no-show-signature',
        '--no-ext-diff',
        '--no-textconv',
        '--format=%H',
        '--',
        ...paths,
      ],
      opts,
    )
      .toString('utf8')
      .trim();
    return /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha) ? sha : undefined;
  } catch {
    return undefined; // no git binary, not a repository, shallow oddities, timeout: fall back
  }
}
