// A stand-in for argocd-cmp-server, per docs/argocd-cmp-contract.md: copies a repository as the
// repo-server's tarball extraction would, evaluates plugin.yaml's discover rule in the app directory, runs
// its commands (argv, no shell) with exactly the environment Argo CD builds, and reads stdout the way
// Argo CD does. Used by test/argocd-*.test.ts.
import { spawn, execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, relative, resolve } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { applicationRootPath, goPattern } from '../../src/argocd/root-path.js';
import { normalizeSourcePath } from '../../src/argocd/render-options.js';

export const REPO = resolve(__dirname, '../..');

export interface PluginYaml {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    version?: string;
    discover?: { fileName?: string; find?: { glob?: string; command?: string[] } };
    generate: { command: string[]; args?: string[] };
    parameters?: { static?: unknown[]; dynamic?: { command: string[]; args?: string[] } };
  };
}

/** Write an Application document as `<root>/.apps/<name>.json` (outside every app folder); returns its path. */
export function writeApplication(root: string, doc: unknown, name: string): string {
  const dir = join(root, '.apps');
  mkdirSync(dir, { recursive: true });
  const f = join(dir, `${name}.json`);
  writeFileSync(f, JSON.stringify(doc));
  return f;
}

export function loadPluginYaml(root = REPO): PluginYaml {
  const p = parseYaml(readFileSync(join(root, 'plugin.yaml'), 'utf8')) as PluginYaml;
  if (p.kind !== 'ConfigManagementPlugin') throw new Error('plugin.yaml: kind must be ConfigManagementPlugin');
  if (!p.metadata?.name || !p.spec?.generate?.command?.length)
    throw new Error('plugin.yaml: metadata.name and spec.generate.command are required');
  return p;
}

/**
 * A fresh extraction folder shaped like the cmp-server's: `<tmp>/_cmp_server/<random>/` (argo-cd
 * common/common.go GetCMPWorkDir + cmpserver/plugin/plugin.go getTempDirMustCleanup). Symlinks of tmpdir
 * resolved, so that the untar's bound check compares real paths.
 */
function extractDir(): string {
  const base = join(realpathSync(mkdtempSync(join(tmpdir(), 'strata-cmp-'))), '_cmp_server');
  mkdirSync(base, { mode: 0o700 });
  return mkdtempSync(join(base, 'x'));
}

/**
 * The repository checkout the repo-server holds (harness-only, not what Argo CD sends): `paths` of `from`
 * copied as they are, symlinks verbatim. From strata's own source tree only what a clone of a commit has is
 * taken (git ls-files: tracked and not-ignored files), so node_modules, dist and the worktree's `.git` file stay
 * out because git would leave them out, not because the tarball drops them.
 */
export function checkoutCopy(paths: readonly string[], from = REPO): string {
  const dest = realpathSync(mkdtempSync(join(tmpdir(), 'strata-checkout-')));
  const copyOne = (rel: string): void => {
    const src = join(from, rel);
    const dst = join(dest, rel);
    const st = lstatSync(src);
    mkdirSync(dirname(dst), { recursive: true });
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (st.isDirectory()) {
      mkdirSync(dst, { recursive: true });
      if (from !== REPO) for (const n of readdirSync(src)) copyOne(join(rel, n));
    } else copyFileSync(src, dst);
  };
  if (from === REPO) {
    const listed = execFileSync(
      'git',
      ['-C', REPO, 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...paths],
      { encoding: 'utf8' },
    );
    for (const rel of listed.split('\0').filter(Boolean))
      if (lstatSync(join(from, rel), { throwIfNoEntry: false })) copyOne(rel);
  } else for (const p of paths) copyOne(p);
  return dest;
}

/**
 * The repo-server's refusal of a checkout holding an absolute symlink or one whose target walks out of the
 * repository, part by part (argo-cd util/app/path/path.go CheckOutOfBoundsSymlinks, skipping the top `.git`;
 * off with reposerver.allow.oob.symlinks). Checked against the repository root, not the narrowed one.
 */
export function checkOutOfBoundsSymlinks(checkout: string): void {
  const walk = (dir: string): void => {
    for (const n of readdirSync(dir).sort()) {
      const p = join(dir, n);
      if (p === join(checkout, '.git')) continue;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) {
        const target = readlinkSync(p);
        const rel = relative(checkout, p);
        if (isAbsolute(target)) throw new Error(`repository contains out-of-bounds symlinks. file: ${rel}`);
        let cur = dirname(p);
        for (const part of target.split('/')) {
          cur = join(cur, part);
          const r = relative(checkout, cur);
          if (r === '..' || r.startsWith('../'))
            throw new Error(`repository contains out-of-bounds symlinks. file: ${rel}`);
        }
      } else if (st.isDirectory()) walk(p);
    }
  };
  walk(checkout);
}

interface TarEntry {
  name: string;
  kind: 'dir' | 'file' | 'link';
  src: string;
  linkname?: string;
}

/**
 * What `files.Tgz(root, nil, exclusions)` puts in the tarball (argo-cd util/io/files/tar.go:51-67,191-289):
 * a lexical walk that never follows links; each exclusion is a Go filepath.Match pattern tried on the whole path
 * relative to the root, so it applies at one depth only, and a matching directory is skipped whole; only
 * regular files, directories and symlinks (their raw target) are archived. No regular file at all fails:
 * util/cmp/stream.go "no files to send". The default exclusion list is empty: `.git` is sent.
 */
export function tarEntries(root: string, exclusions: readonly string[] = []): TarEntry[] {
  const patterns = exclusions.map((e) => {
    const re = goPattern(e);
    if (!re) throw new Error(`bad exclusion pattern ${e}`);
    return re;
  });
  const out: TarEntry[] = [];
  const walk = (rel: string): void => {
    // Go's filepath.Walk reads names sorted bytewise.
    for (const n of readdirSync(join(root, rel)).sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1))) {
      const r = rel ? `${rel}/${n}` : n;
      if (patterns.some((re) => re.test(r))) continue;
      const src = join(root, r);
      const st = lstatSync(src);
      if (st.isSymbolicLink()) out.push({ name: r, kind: 'link', src, linkname: readlinkSync(src) });
      else if (st.isDirectory()) {
        out.push({ name: r, kind: 'dir', src });
        walk(r);
      } else if (st.isFile()) out.push({ name: r, kind: 'file', src });
    }
  };
  if (patterns.some((re) => re.test('.'))) throw new Error('no files to send');
  walk('');
  if (!out.some((e) => e.kind === 'file')) throw new Error('no files to send');
  return out;
}

/**
 * The cmp-server's untar (util/io/files/tar.go:105-185, preserveFileMode false): directories 0755, files 0644
 * (exec bits lost), and a symlink recreated as the relative path to its resolved target (`Join(Dir(link),
 * target)`, so an absolute target is re-rooted under the link's folder), the whole extraction failing when that
 * target lies outside the extraction folder: a link to a folder above a narrowed root fails the request.
 */
export function untar(entries: readonly TarEntry[], dest: string): void {
  const inbound = (p: string): boolean => p.startsWith(dest + '/');
  for (const e of entries) {
    const target = join(dest, e.name);
    if (!inbound(target)) throw new Error(`illegal filepath in archive: ${target}`);
    if (e.kind === 'dir') mkdirSync(target, { recursive: true, mode: 0o755 });
    else if (e.kind === 'file') {
      mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
      copyFileSync(e.src, target);
      chmodSync(target, 0o644);
    } else {
      const linkTarget = join(dirname(target), e.linkname!);
      let real: string;
      try {
        real = realpathSync(linkTarget);
      } catch {
        real = linkTarget; // not there yet (entries arrive in walk order)
      }
      if (!inbound(real)) throw new Error(`illegal filepath in symlink: ${linkTarget}`);
      symlinkSync(relative(dirname(target), real), target);
    }
  }
}

export interface SendOptions {
  /** reposerver.plugin.tar.exclusions, `;`-split (default: none). */
  exclusions?: readonly string[];
  /** reposerver.allow.oob.symlinks. */
  allowOutOfBoundsSymlinks?: boolean;
}

/** What the cmp-server unpacks for a checkout whose folder `rootRel` is the tarball root: a fresh extraction folder. */
export function sendTree(checkout: string, rootRel = '', o: SendOptions = {}): string {
  if (!o.allowOutOfBoundsSymlinks) checkOutOfBoundsSymlinks(checkout);
  const entries = tarEntries(join(checkout, rootRel), o.exclusions);
  const dest = extractDir();
  untar(entries, dest);
  return dest;
}

/**
 * `paths` of `from` as the cmp-server extracts a whole-repository tarball of them (a checkout of just those
 * paths, sent): the extraction folder doubles as the checkout of later generateFor calls.
 */
export function extractCopy(paths: readonly string[], from = REPO): string {
  return sendTree(checkoutCopy(paths, from));
}

/** The folder `rel` of the checkout `from` as the root of a fresh extraction folder (what a partial tarball unpacks to). */
export function extractSubtree(rel: string, from: string, o: SendOptions = {}): string {
  return sendTree(from, rel, o);
}

/**
 * The folder the repo-server tars when `reposerver.plugin.use.manifest.generate.paths` is on, for a checkout
 * `root`: upstream's rule (src/argocd/root-path.ts, argo-cd reposerver/repository/utils.go), with the
 * checkout's symlinks resolved inside each entry. Repo-relative, "" for the root.
 */
export function manifestGenerateRoot(sourcePath: string, annotation: string | undefined, root?: string): string {
  const readlink = (rel: string): string | undefined => {
    if (root === undefined) return undefined;
    try {
      return lstatSync(join(root, rel)).isSymbolicLink() ? readlinkSync(join(root, rel)) : undefined;
    } catch {
      return undefined;
    }
  };
  return applicationRootPath(annotation, normalizeSourcePath(posix.normalize('/' + sourcePath)), readlink);
}

function globToRegExp(seg: string): RegExp {
  return new RegExp(
    '^' +
      seg
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]') +
      '$',
  );
}

/** plugin.yaml's discover rule, evaluated in the app dir (fileName only: Go filepath.Glob, no `**`). */
export function discovers(plugin: PluginYaml, appDir: string): boolean {
  const d = plugin.spec.discover;
  if (!d?.fileName) throw new Error('this harness evaluates discover.fileName only');
  let dirs = [appDir];
  for (const seg of d.fileName.split('/')) {
    const re = globToRegExp(seg);
    dirs = dirs.flatMap((dir) =>
      existsSync(dir) && lstatSync(dir).isDirectory()
        ? readdirSync(dir)
            .filter((n) => re.test(n))
            .map((n) => join(dir, n))
        : [],
    );
  }
  return dirs.length > 0;
}

/**
 * Whether the repo-server picks this plugin for an app, and how many times it streamed the repository to the
 * sidecar to find out (argo-cd util/app/discovery/discovery.go cmpSupports): a plugin without `discover`
 * matches a named reference at once and an unnamed one never; a plugin with `discover` is sent the whole
 * repository to run the match step even when the Application names it.
 */
export function pluginMatch(plugin: PluginYaml, appDir: string, named: boolean): { matches: boolean; streams: number } {
  const hasDiscover = Boolean(plugin.spec.discover?.fileName || plugin.spec.discover?.find);
  if (!hasDiscover) return { matches: named, streams: 0 };
  return { matches: discovers(plugin, appDir), streams: 1 };
}

/** A `bin` dir with `strata` on it, like the sidecar image: a node script requiring the bundled CLI. */
export function strataBin(bundle: string): string {
  const bin = mkdtempSync(join(tmpdir(), 'strata-bin-'));
  writeFileSync(join(bin, 'strata'), `#!${process.execPath}\nrequire(${JSON.stringify(bundle)});\n`, { mode: 0o755 });
  return bin;
}

/** The real bundled CLI (built by `npm run build`, which `npm test` runs first). */
export async function strataBundle(): Promise<string> {
  const dist = join(REPO, 'dist/strata.js');
  execFileSync(process.execPath, [dist, 'generate', '--help'], { stdio: 'ignore' });
  return dist;
}

/** The sidecar's own environment: PATH (with `strata` and node) and a writable HOME, nothing else. */
/**
 * A private cache folder per test process: the warm renderer behind `generate` (docs/performance.md) lives
 * there, so test files never share a server, and it exits soon after the last request.
 */
let cacheDir: string | undefined;
export function sidecarEnv(bin: string): Record<string, string> {
  cacheDir ??= mkdtempSync(join(tmpdir(), 'strata-harness-cache-'));
  return {
    PATH: [bin, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HOME: tmpdir(),
    STRATA_CACHE_DIR: cacheDir,
    STRATA_WARM_IDLE_MS: '20000',
  };
}

export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  /**
   * Argo CD's request deadline: the command is SIGKILLed at once (exec.CommandContext) and its group SIGTERMed,
   * then SIGKILLed 5 s later (cmpserver/plugin/plugin.go:108-129).
   */
  deadlineMs?: number;
  /** Read stdout a few KiB at a time with pauses: a slow pipe. */
  slowReader?: boolean;
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

/** Group kills of finished requests still pending (their 5 s SIGKILL); tests may wait for them. */
const GROUP_GRACE_MS = 5000;

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* the group is empty */
  }
}

/**
 * argv run as the cmp-server runs it (cmpserver/plugin/plugin.go runCommand): no shell, stdin empty, its own
 * process group, and that group signalled when the request ends, whatever the outcome: SIGTERM at once, SIGKILL
 * 5 s later (the goroutine waiting on the request's context, which is cancelled when the handler returns). So
 * whatever the command leaves behind in its group dies with the request; only a process that left the group
 * (strata's warm renderer starts its own session) outlives it. Node cannot setpgid without setsid, so the
 * group is also a new session here, which signals the same processes.
 */
export function runCommand(argv: readonly string[], o: RunOptions): Promise<RunResult> {
  const start = Date.now();
  return new Promise((resolveRun, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: o.cwd,
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid!;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timers: NodeJS.Timeout[] = [];
    const endOfRequest = (): void => {
      killGroup(pid, 'SIGTERM');
      setTimeout(() => killGroup(pid, 'SIGKILL'), GROUP_GRACE_MS).unref();
    };
    const deadline = (): void => {
      try {
        child.kill('SIGKILL'); // exec.CommandContext's default Cancel: Process.Kill on the leader
      } catch {
        /* gone */
      }
      endOfRequest();
    };
    if (o.deadlineMs !== undefined) timers.push(setTimeout(deadline, o.deadlineMs));
    timers.push(setTimeout(deadline, o.timeoutMs ?? 30_000));
    if (o.slowReader) {
      const pump = (): void => {
        let c: Buffer | null;
        let n = 0;
        while (n < 4 && (c = child.stdout.read(4096) as Buffer | null) !== null) {
          out.push(c);
          n++;
        }
      };
      child.stdout.on('readable', () => undefined); // paused mode: we pull
      const iv = setInterval(pump, 2);
      timers.push(iv);
      child.stdout.on('end', () => {
        clearInterval(iv);
        let c: Buffer | null;
        while ((c = child.stdout.read() as Buffer | null) !== null) out.push(c);
      });
    } else child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      timers.forEach((t) => clearTimeout(t));
      endOfRequest();
      resolveRun({
        code,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - start,
      });
    });
  });
}

export type Manifest = Record<string, unknown>;

/** What Argo CD makes of generate's stdout (reposerver/repository: kube.SplitYAML / JSON objects). */
export function parseManifests(stdout: string): Manifest[] {
  const text = stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
  const docs: unknown[] = [];
  if (text.trimStart().startsWith('{')) {
    let rest = text.trim();
    while (rest) {
      // concatenated JSON objects: find where the first value ends
      let depth = 0,
        inStr = false,
        i = 0;
      for (; i < rest.length; i++) {
        const c = rest[i];
        if (inStr) {
          if (c === '\\') i++;
          else if (c === '"') inStr = false;
        } else if (c === '"') inStr = true;
        else if (c === '{' || c === '[') depth++;
        else if ((c === '}' || c === ']') && --depth === 0) break;
      }
      docs.push(JSON.parse(rest.slice(0, i + 1)));
      rest = rest.slice(i + 1).trim();
    }
  } else {
    for (const d of parseAllDocuments(text, { version: '1.1' })) {
      if (d.errors.length) throw new Error(`YAML: ${d.errors[0].message}`);
      docs.push(d.toJS());
    }
  }
  const out: Manifest[] = [];
  const add = (d: unknown): void => {
    if (d === null || d === undefined) return;
    if (typeof d !== 'object' || Array.isArray(d)) throw new Error(`not a mapping: ${JSON.stringify(d).slice(0, 80)}`);
    const m = d as Manifest;
    if (!m.kind) throw new Error("Object 'Kind' is missing");
    if (Array.isArray(m.items)) (m.items as unknown[]).forEach(add);
    else out.push(m);
  };
  docs.forEach(add);
  return out;
}

/** One argv entry as util/exec/exec.go GetCommandArgsToLog logs it: "" when empty, Go-quoted with whitespace. */
function argForLog(a: string): string {
  if (a === '') return '""';
  return /\s/.test(a) ? JSON.stringify(a) : a;
}

/**
 * The sidecar's error text for a failed command, as the UI shows it after Argo CD's prefixes
 * (cmpserver/plugin/plugin.go CmdError): `` `argv` failed <cause>: <stderr, trimmed> ``, the cause being Go's
 * `exit status N` or `signal: killed`.
 */
export function argoError(argv: readonly string[], r: RunResult): string {
  const cause = r.signal
    ? `signal: ${r.signal === 'SIGKILL' ? 'killed' : r.signal === 'SIGTERM' ? 'terminated' : r.signal}`
    : `exit status ${r.code ?? -1}`;
  return `\`${argv.map(argForLog).join(' ')}\` failed ${cause}: ${r.stderr.trim()}`;
}

export interface CmpServer {
  plugin: PluginYaml;
  bin: string;
  /** Tarballs sent to the sidecar so far (match steps and generate calls). */
  streams: number;
  generate(
    appDir: string,
    env: Record<string, string>,
    extra?: Partial<RunOptions>,
  ): Promise<RunResult & { manifests?: Manifest[] }>;
  /**
   * The repo-server side too: pick the plugin (discovery as upstream), decide what to send (the whole
   * checkout, or with `useManifestGeneratePaths` only the common parent of the app and its
   * manifest-generate-paths, by upstream's rule), tar it as tar.go does (exclusions per depth, links kept),
   * untar it as the cmp-server does (links rewritten, a link out of the extraction fails the request) and run
   * generate in `<extraction>/<app path below the root>`, the link-unresolved path upstream joins.
   */
  generateFor(
    source: {
      path: string;
      named?: boolean;
      manifestGeneratePaths?: string;
      useManifestGeneratePaths?: boolean;
      /** Send ARGOCD_APP_TARBALL_REL_PATH as open upstream PR 29657 would (not in Argo CD 3.6). */
      tarballRelPath?: boolean;
    } & SendOptions,
    env: Record<string, string>,
    extra?: Partial<RunOptions>,
  ): Promise<RunResult & { manifests?: Manifest[]; cwd: string }>;
  parameters(appDir: string, env: Record<string, string>): Promise<RunResult & { announcements?: unknown[] }>;
}

/** A cmp-server for `root` (an extracted copy): env passed is the repo-server's; the sidecar adds PATH/HOME. */
export function cmpServer(root: string, bin: string): CmpServer {
  const plugin = loadPluginYaml(root);
  const argvOf = (c: { command: string[]; args?: string[] }): string[] => [...c.command, ...(c.args ?? [])];
  const run = async (
    appDir: string,
    env: Record<string, string>,
    extra: Partial<RunOptions>,
  ): Promise<RunResult & { manifests?: Manifest[] }> => {
    server.streams++;
    const r = await runCommand(argvOf(plugin.spec.generate), {
      cwd: appDir,
      env: { ...sidecarEnv(bin), ...env },
      ...extra,
    });
    return r.code === 0 ? { ...r, manifests: parseManifests(r.stdout.toString('utf8')) } : r;
  };
  const server: CmpServer = {
    plugin,
    bin,
    streams: 0,
    async generate(appDir, env, extra = {}) {
      const m = pluginMatch(plugin, appDir, true);
      server.streams += m.streams;
      if (!m.matches) throw new Error(`discover rule does not match ${appDir}`);
      return run(appDir, env, extra);
    },
    async generateFor(source, env, extra = {}) {
      const appRel = posix.normalize('/' + source.path).slice(1);
      const m = pluginMatch(plugin, join(root, appRel), source.named ?? true);
      server.streams += m.streams;
      if (!m.matches) throw new Error(`could not find cmp-server plugin supporting the given repository (${appRel})`);
      const parent = source.useManifestGeneratePaths
        ? manifestGenerateRoot(appRel, source.manifestGeneratePaths, root)
        : '';
      const dest = extractSubtree(parent, root, source);
      const appRelPath = relative(parent || '.', appRel || '.') || '.';
      const cwd = join(dest, appRelPath);
      const sent = source.tarballRelPath ? { ...env, ARGOCD_APP_TARBALL_REL_PATH: appRelPath } : env;
      return { ...(await run(cwd, sent, extra)), cwd };
    },
    async parameters(appDir, env) {
      const dyn = plugin.spec.parameters?.dynamic;
      if (!dyn) throw new Error('plugin.yaml has no parameters.dynamic');
      const r = await runCommand(argvOf(dyn), { cwd: appDir, env: { ...sidecarEnv(bin), ...env } });
      if (r.code !== 0) return r;
      const parsed = JSON.parse(r.stdout.toString('utf8')) as unknown; // must be only JSON: any log line breaks this
      if (parsed !== null && !Array.isArray(parsed)) throw new Error('parameters.dynamic must print a JSON array');
      return {
        ...r,
        announcements: [...((parsed as unknown[] | null) ?? []), ...(plugin.spec.parameters?.static ?? [])],
      };
    },
  };
  return server;
}
