import type { Writable } from 'node:stream';
import { describeError, oneLine, UsageError, UserError } from '../core/errors.js';
import { LIMIT_SPECS, resolveLimits, type Limits } from '../core/limits.js';
import { createLogger, levelFrom } from '../io/logger.js';
import type { CompiledStore } from '../core/templates.js';
import type { RenderCaches } from '../core/render.js';
import { ByteSink } from './byte-sink.js';
import type { Command, CommandContext } from './command.js';
import { DECLARATIONS } from './declarations.js';
import { helpText, type CommandDecl } from './declare.js';
import { OneLineStderr } from './stderr-lines.js';
import type { StdinSource } from './manifests-input.js';

// The one place where errors become exit codes: 0 ok, 1 user error (bad input, failed validation or
// policy; `diff`: 2, since its 1 means "different"), 2 usage, 3 internal error. stdout is buffered and written once,
// only when the command
// returned: a thrown error leaves stdout empty, so Argo CD never sees a half-rendered manifest set.
// We set process.exitCode and never call process.exit(), which truncates piped output.

declare const STRATA_VERSION: string;
export const VERSION = typeof STRATA_VERSION === 'string' ? STRATA_VERSION : '0.0.0-dev';

type Loader = () => Promise<{ command: Command }>;

/**
 * Each command's module, loaded only when that command runs: `serve` pulls in express, `sidecar` the
 * Kubernetes client. Names, summaries, options and help come from declarations.ts without loading these.
 */
const LOADERS: Readonly<Record<string, Loader>> = {
  render: () => import('./commands/render.js'),
  values: () => import('./commands/values.js'),
  envs: () => import('./commands/envs.js'),
  generate: () => import('./commands/generate.js'),
  parameters: () => import('./commands/parameters.js'),
  lint: () => import('./commands/lint.js'),
  diff: () => import('./commands/diff.js'),
  serve: () => import('./commands/serve.js'),
  sidecar: () => import('./commands/sidecar.js'),
  'warm-server': () => import('./commands/warm-server.js'),
  'warm-renderer': () => import('./commands/warm-renderer.js'),
  import: () => import('./commands/import.js'),
};

/** A declared command and the loader of its module. */
export interface CommandEntry {
  readonly decl: CommandDecl;
  readonly load: Loader;
}

function entries(): Map<string, CommandEntry> {
  const out = new Map<string, CommandEntry>();
  for (const decl of DECLARATIONS) {
    const load = LOADERS[decl.name];
    if (!load) throw new Error(`command ${decl.name} is declared but has no module`);
    out.set(decl.name, { decl, load });
  }
  return out;
}

/** Every command, hidden ones included (`warm-server`, started by strata itself), by name. */
export const COMMAND_ENTRIES: ReadonlyMap<string, CommandEntry> = entries();

/** The commands `strata --help` lists, by name. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = Object.fromEntries(
  [...COMMAND_ENTRIES].filter(([, e]) => !e.decl.hidden),
);

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return `strata ${VERSION}: render Kubernetes manifests from layered values (an Argo CD config management plugin)

Usage: strata <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([n, c]) => `  ${n.padEnd(width)}  ${c.decl.summary}`)
  .join('\n')}

Limits (any command; also as STRATA_* variables, see docs/security.md):
${LIMIT_SPECS.map((s) => `  --${s.flag} N`.padEnd(width + 26) + `${s.env} (default ${s.default}${s.unit === 'count' ? '' : ` ${s.unit}`})`).join('\n')}

Run "strata <command> --help" for a command's options. Docs: README.md and docs/.
`;
}

export interface Io {
  argv: readonly string[];
  /** Compiled code kept between runs; the process entry provides one, tests do not. */
  store?: CompiledStore;
  /** Or a factory main calls with the resolved limits (the store's size cap is one of them). */
  openStore?: (limits: Limits) => CompiledStore | undefined;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: Writable;
  /** Standard input, for the commands that read one (`diff --against-manifests -`); the process entry passes it. */
  stdin?: StdinSource;
  /** Set by the warm renderer, which runs many requests in one process: commands must not touch `process`. */
  embedded?: boolean;
  /** The warm renderer's caches, shared by its requests (content-checked, never `immutable`). */
  caches?: RenderCaches;
}

export async function main(io: Io): Promise<number> {
  const [name, ...rest] = io.argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const entry = COMMAND_ENTRIES.get(name);
  if (!entry) {
    io.stderr.write(`strata: unknown command "${oneLine(name)}"\n\n${usage()}`);
    return 2;
  }
  let limits: Limits;
  let argv: string[];
  try {
    ({ limits, argv } = globalLimits(rest, io.env));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`strata ${name}: ${oneLine(e.message)}\n`);
    return 2;
  }
  const dashDash = argv.indexOf('--');
  const flags = dashDash < 0 ? argv : argv.slice(0, dashDash);
  if (flags.includes('--help') || flags.includes('-h')) {
    io.stdout.write(helpText(entry.decl));
    return 0;
  }
  const store = io.store ?? io.openStore?.(limits);
  const out = new ByteSink();
  const stderr = new OneLineStderr(io.stderr); // one write, one line (stderr-lines.ts)
  const logger = createLogger(levelFrom(io.env), stderr);
  const ctx: CommandContext = {
    argv,
    limits,
    env: io.env,
    cwd: io.cwd,
    stdout: out,
    stderr,
    stdoutIsTTY: io.stdout.isTTY === true,
    logger,
    ...(store ? { store } : {}),
    ...(io.stdin ? { stdin: io.stdin } : {}),
    ...(io.embedded ? { embedded: true } : {}),
    ...(io.caches ? { caches: io.caches } : {}),
    main,
  };
  let code: number;
  try {
    const { command } = await entry.load();
    code = await command.run(ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`strata ${name}: ${oneLine(e.message)}\nRun "strata ${name} --help" for usage.\n`);
      return 2;
    }
    if (e instanceof UserError) {
      io.stderr.write(`strata: error: ${describeError(e)}\n`);
      return entry.decl.errorExitCode ?? 1;
    }
    logger.info({ err: e }, 'internal error');
    io.stderr.write(
      `strata: internal error: ${describeError(e)}\n(set STRATA_LOG_LEVEL=info for the stack trace; please report this)\n`,
    );
    return 3;
  }
  if (out.chunks.length) io.stdout.write(out.bytes());
  return code;
}

const LIMIT_FLAGS = new Set(LIMIT_SPECS.map((s) => `--${s.flag}`));

/**
 * The `--max-*` / `--*-timeout-ms` flags are global: accepted on any command, taken out of argv before the
 * command parses its own flags (declarations.ts), and resolved once with the environment (flags win). Only
 * flags before `--`. A pass of their own, not options of every declaration: the limits are needed before the
 * command's module loads (the compile store's size cap), and bin/strata reads --max-heap-mb the same way.
 * LIMIT_SPECS (core/limits.ts) is their declaration; `strata --help` lists it.
 */
export function globalLimits(argv: readonly string[], env: Io['env']): { limits: Limits; argv: string[] } {
  const rest: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!LIMIT_FLAGS.has(name)) {
      rest.push(a);
      continue;
    }
    const value = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    flags[name.slice(2)] = value;
  }
  return { limits: resolveLimits(env, flags), argv: rest };
}
