import type { Writable } from 'node:stream';
import type { Limits } from '../core/limits.js';
import type { CompiledStore } from '../core/templates.js';
import type { RenderCaches } from '../core/render.js';
import type { Logger } from '../io/logger.js';
import type { Io } from './main.js';
import { helpText, parseCommand, type CommandDecl, type OptionDecls, type Parsed } from './declare.js';

/** What a command gets from the process: entry points read nothing else from `process`. */
export interface CommandContext {
  readonly argv: readonly string[];
  /**
   * Bounds on one run's work, resolved once by main from STRATA_* variables and global `--max-*` flags.
   * Always set by main; optional only so tests may build a context by hand (then the core's defaults apply).
   */
  readonly limits?: Limits;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Standard input (`diff --against-manifests -`); absent where there is none to read (tests, the warm renderer). */
  readonly stdin?: AsyncIterable<Buffer | string>;
  /** Whether the real stdout is a terminal (commands write to a buffer; colour decisions need the truth). */
  readonly stdoutIsTTY?: boolean;
  /** Where compiled templates and schemas are kept between runs (absent in tests). */
  readonly store?: CompiledStore;
  /** Diagnostics (pino, stderr, level from STRATA_LOG_LEVEL). */
  readonly logger?: Logger;
  /** True inside the warm renderer (many requests, one process): no process-wide handlers or state. */
  readonly embedded?: boolean;
  /** The warm renderer's caches, shared by its requests (content-checked; see GenerateOptions.caches). */
  readonly caches?: RenderCaches;
  /**
   * main itself, for the warm renderer, which runs each request's argv through it. Handed in, not imported: main
   * loads the command modules, so a command importing main.ts would close an import cycle (architecture.test.ts).
   */
  readonly main?: (io: Io) => Promise<number>;
}

/**
 * A CLI command. `run` returns the exit code; it throws UserError (exit 1) or UsageError (exit 2) and
 * main maps them in one place. A command writes stdout once, after everything has succeeded.
 */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full `--help` text, generated from the declaration. */
  readonly help: string;
  /** Exit code for a UserError (default 1). `diff` uses 2, like diff(1): 1 already means "different". */
  readonly errorExitCode?: number;
  run(ctx: CommandContext): Promise<number>;
}

/** A command from its declaration (src/cli/declarations.ts) and a run function that gets the typed options. */
export function defineCommand<O extends OptionDecls>(
  decl: CommandDecl<O>,
  run: (ctx: CommandContext, args: Parsed<O>) => Promise<number>,
): Command {
  const help = helpText(decl);
  return {
    name: decl.name,
    summary: decl.summary,
    help,
    ...(decl.errorExitCode !== undefined ? { errorExitCode: decl.errorExitCode } : {}),
    async run(ctx) {
      const args = parseCommand(decl, ctx.argv);
      if (args.help) {
        ctx.stdout.write(help);
        return 0;
      }
      return run(ctx, args);
    },
  };
}
