import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';

export const REPO = resolve(__dirname, '..');
export const CLI = join(REPO, 'dist', 'strata.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Collects what a command writes, for the in-process runs. */
export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface CliOptions {
  /** Working directory (default: the repository). */
  cwd?: string;
  /** Environment on top of PATH (the process gets the same: see runCli). */
  env?: Record<string, string>;
  /** Standard input (`diff --against-manifests -`); absent like in the warm renderer unless given. */
  stdin?: string | Iterable<Buffer> | AsyncIterable<Buffer>;
}

/**
 * Run the CLI in this process: the same `main()` the process entry calls, with the same environment runCli
 * gives the process (PATH and `env`) and captured streams. Use it unless the process boundary itself is what is
 * tested (exit status of the process, signals, pipes, the compile cache, start-up): it costs no node start.
 */
export async function cli(args: string[], opts: CliOptions = {}): Promise<CliResult & { code: number }> {
  const { main } = await import('../src/cli/main.js');
  const stdout = new Capture();
  const stderr = new Capture();
  const { stdin } = opts;
  const code = await main({
    argv: args,
    env: { PATH: process.env.PATH ?? '', ...opts.env },
    cwd: opts.cwd ?? REPO,
    stdout,
    stderr,
    ...(stdin === undefined ? {} : { stdin: Readable.from(typeof stdin === 'string' ? [Buffer.from(stdin)] : stdin) }),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Run the built CLI as a real process, the way a user or Argo CD would. */
export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { PATH: process.env.PATH ?? '', ...opts.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temporary repository (it has a `.git` folder) holding the given files. */
export function makeRepo(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'strata-test-'));
  mkdirSync(join(root, '.git'));
  for (const [p, content] of Object.entries(files)) {
    const abs = join(root, p);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return root;
}

/** A minimal valid app: strata.yaml, values.yaml and one Deployment-ish ConfigMap template. */
export function minimalApp(overrides: Record<string, string | Buffer> = {}): Record<string, string | Buffer> {
  return {
    'app/strata.yaml': 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg, prod]\n  namespace: demo\n',
    'app/values.yaml': 'name: demo\nreplicas: 1\n',
    'app/templates/cm.yaml.hbs':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.name}}\ndata:\n  replicas: {{quote values.replicas}}\n',
    ...overrides,
  };
}
