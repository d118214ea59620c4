// A stand-in for argocd-cmp-server, per ../shared/docs/argocd-cmp-contract.md: copies a repository as the
// repo-server's tarball extraction would, evaluates plugin.yaml's discover rule in the app directory, runs
// its commands (argv, no shell) with exactly the environment Argo CD builds, and reads stdout the way
// Argo CD does. Used by test/argocd-*.test.ts.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

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
  if (!p.metadata?.name || !p.spec?.generate?.command?.length) throw new Error('plugin.yaml: metadata.name and spec.generate.command are required');
  return p;
}

const SKIP_COPY = new Set(['node_modules', 'dist', '.git', 'test', '.out']);

/**
 * A fresh extraction folder shaped like the cmp-server's: `<tmp>/_cmp_server/<random>/` (argo-cd
 * common/common.go GetCMPWorkDir + cmpserver/plugin/plugin.go getTempDirMustCleanup).
 */
function extractDir(): string {
  const base = join(mkdtempSync(join(tmpdir(), 'strata-cmp-')), '_cmp_server');
  mkdirSync(base, { mode: 0o700 });
  return mkdtempSync(join(base, 'x'));
}

/** Copy `from/<srcRel>` to `dest/<dstRel>` as extraction would: files 0644, dirs 0755, symlinks kept. */
function copyTree(from: string, srcRel: string, dest: string, dstRel: string): void {
  const src = join(from, srcRel);
  const dst = join(dest, dstRel);
  const st = lstatSync(src);
  mkdirSync(dirname(dst), { recursive: true, mode: 0o755 });
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
  else if (st.isDirectory()) {
    mkdirSync(dst, { recursive: true, mode: 0o755 });
    chmodSync(dst, 0o755);
    for (const n of readdirSync(src)) if (!SKIP_COPY.has(n)) copyTree(from, join(srcRel, n), dest, join(dstRel, n));
  } else {
    copyFileSync(src, dst);
    chmodSync(dst, 0o644); // preserveFileMode: false - exec bits are gone
  }
}

/** Copy `paths` (repo-relative) of `from` into a fresh extraction folder, keeping their place in the tree. */
export function extractCopy(paths: readonly string[], from = REPO): string {
  const dest = extractDir();
  for (const p of paths) copyTree(from, p, dest, p);
  return dest;
}

/** Copy the folder `rel` of `from` as the root of a fresh extraction folder (what a partial tarball unpacks to). */
export function extractSubtree(rel: string, from: string): string {
  const dest = extractDir();
  for (const n of readdirSync(join(from, rel))) if (!SKIP_COPY.has(n)) copyTree(from, join(rel, n), dest, n);
  return dest;
}

/**
 * The folder the repo-server tars when `reposerver.plugin.use.manifest.generate.paths` is on: the common
 * parent of the app path and every `argocd.argoproj.io/manifest-generate-paths` entry (`;`-separated,
 * relative to the app path, or absolute from the repository root; `..` cannot leave the root: securejoin).
 * Mirrors argo-cd reposerver/repository/utils.go (getApplicationRootPath, getPaths) and
 * reposerver/repository/repository.go runConfigManagementPluginSidecars. Repo-relative, "" for the root.
 */
export function manifestGenerateRoot(sourcePath: string, annotation: string | undefined): string {
  const app = posix
    .normalize('/' + sourcePath)
    .split('/')
    .filter(Boolean);
  const paths = (annotation ?? '').split(';').filter((a) => a !== '');
  if (paths.length === 0) return ''; // no annotation: the whole repository, as without the option
  let common = app;
  for (const a of paths) {
    const abs = a.startsWith('/') ? posix.normalize(a) : posix.normalize('/' + [...app, a].join('/'));
    const parts = abs.split('/').filter(Boolean);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join('/');
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
  return { PATH: [bin, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'), HOME: tmpdir(), STRATA_CACHE_DIR: cacheDir, STRATA_WARM_IDLE_MS: '20000' };
}

export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  /** Send SIGTERM to the process group after this long (Argo CD's deadline), SIGKILL 5 s later. */
  sigtermAfterMs?: number;
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

/** argv run directly (no shell), in its own process group, stdin empty. */
export function runCommand(argv: readonly string[], o: RunOptions): Promise<RunResult> {
  const start = Date.now();
  return new Promise((resolveRun, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timers: NodeJS.Timeout[] = [];
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        /* already gone */
      }
    };
    if (o.sigtermAfterMs !== undefined) {
      timers.push(setTimeout(() => killGroup('SIGTERM'), o.sigtermAfterMs));
      timers.push(setTimeout(() => killGroup('SIGKILL'), o.sigtermAfterMs + 5000));
    }
    timers.push(setTimeout(() => killGroup('SIGKILL'), o.timeoutMs ?? 30_000));
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
      resolveRun({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - start });
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

/** The sidecar's error text for a failed command, as the UI shows it. */
export function argoError(argv: readonly string[], r: RunResult): string {
  return `\`${argv.join(' ')}\` failed exit status ${r.code ?? -1}: ${r.stderr}`;
}

export interface CmpServer {
  plugin: PluginYaml;
  bin: string;
  /** Tarballs sent to the sidecar so far (match steps and generate calls). */
  streams: number;
  generate(appDir: string, env: Record<string, string>, extra?: Partial<RunOptions>): Promise<RunResult & { manifests?: Manifest[] }>;
  /**
   * The repo-server side too: pick the plugin (discovery as upstream), decide what to send (the whole
   * checkout, or with `useManifestGeneratePaths` only the common parent of the app and its
   * manifest-generate-paths, without .git), unpack it to a fresh folder and run generate in the app dir there.
   */
  generateFor(
    source: { path: string; named?: boolean; manifestGeneratePaths?: string; useManifestGeneratePaths?: boolean },
    env: Record<string, string>,
    extra?: Partial<RunOptions>,
  ): Promise<RunResult & { manifests?: Manifest[]; cwd: string }>;
  parameters(appDir: string, env: Record<string, string>): Promise<RunResult & { announcements?: unknown[] }>;
}

/** A cmp-server for `root` (an extracted copy): env passed is the repo-server's; the sidecar adds PATH/HOME. */
export function cmpServer(root: string, bin: string): CmpServer {
  const plugin = loadPluginYaml(root);
  const argvOf = (c: { command: string[]; args?: string[] }): string[] => [...c.command, ...(c.args ?? [])];
  const run = async (appDir: string, env: Record<string, string>, extra: Partial<RunOptions>): Promise<RunResult & { manifests?: Manifest[] }> => {
    server.streams++;
    const r = await runCommand(argvOf(plugin.spec.generate), { cwd: appDir, env: { ...sidecarEnv(bin), ...env }, ...extra });
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
      const parent = source.useManifestGeneratePaths ? manifestGenerateRoot(appRel, source.manifestGeneratePaths) : '';
      const dest = extractSubtree(parent, root);
      const cwd = join(dest, relative(parent || '.', appRel || '.'));
      return { ...(await run(cwd, env, extra)), cwd };
    },
    async parameters(appDir, env) {
      const dyn = plugin.spec.parameters?.dynamic;
      if (!dyn) throw new Error('plugin.yaml has no parameters.dynamic');
      const r = await runCommand(argvOf(dyn), { cwd: appDir, env: { ...sidecarEnv(bin), ...env } });
      if (r.code !== 0) return r;
      const parsed = JSON.parse(r.stdout.toString('utf8')) as unknown; // must be only JSON: any log line breaks this
      if (parsed !== null && !Array.isArray(parsed)) throw new Error('parameters.dynamic must print a JSON array');
      return { ...r, announcements: [...((parsed as unknown[] | null) ?? []), ...(plugin.spec.parameters?.static ?? [])] };
    },
  };
  return server;
}
