import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..');
export const CLI = join(REPO, 'dist', 'strata.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
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
    'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.name}}\ndata:\n  replicas: {{quote values.replicas}}\n',
    ...overrides,
  };
}
