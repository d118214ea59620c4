import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.js';

// One declaration per command: its name, summary, usage, options (with types and help lines) and positionals.
// main lists the summaries and prints the help without loading the command's module; the command parses its
// argv from the same declaration into a typed, readonly options object. Help text is generated from the
// declaration, so an option cannot be accepted without being documented, or documented without being accepted.

export interface OptionDecl {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Repeatable: the values in command-line order. */
  readonly multiple?: boolean;
  /** Value when the flag is absent (string options only). */
  readonly default?: string;
  /** Placeholder for the value in the help, e.g. `ENV`. */
  readonly arg?: string;
  /** Help line(s); `\n` starts a continuation line. */
  readonly help: string;
  /** A values layer (-f, --set*): kept in command-line order with the other layer flags, across flags. */
  readonly layer?: boolean;
}

export type OptionDecls = Readonly<Record<string, OptionDecl>>;

export interface CommandDecl<O extends OptionDecls = OptionDecls> {
  readonly name: string;
  /** One line, shown by `strata --help`. */
  readonly summary: string;
  /** Usage lines after `strata <name> `. */
  readonly usage: readonly string[];
  /** Paragraphs between the usage and the options. */
  readonly description: string;
  readonly options: O;
  /** How many positional arguments the command takes at most. */
  readonly maxPositionals: number;
  /** Text after the options. */
  readonly notes?: string;
  /** Started by strata itself: accepted, never listed. */
  readonly hidden?: boolean;
  /** Exit code for a UserError (default 1). `diff` uses 2, like diff(1): 1 already means "different". */
  readonly errorExitCode?: number;
}

/** Keeps the option keys' literal types, so the parsed options are typed from the declaration. */
export function declare<const O extends OptionDecls>(decl: CommandDecl<O>): CommandDecl<O> {
  return decl;
}

/** `repo-root` -> `repoRoot`. */
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

type ValueOf<D extends OptionDecl> = D['type'] extends 'boolean'
  ? boolean
  : D extends { readonly multiple: true }
    ? readonly string[]
    : D extends { readonly default: string }
      ? string
      : string | undefined;

/** The options object of a declaration: camelCase keys, booleans false when absent, repeatables `[]`. */
export type OptionsOf<O extends OptionDecls> = { readonly [K in keyof O & string as Camel<K>]: ValueOf<O[K]> };

export interface LayerFlag {
  /** The long name: values, set, set-string, set-json, set-file. */
  readonly name: string;
  readonly value: string;
}

export interface Parsed<O extends OptionDecls> {
  readonly options: OptionsOf<O>;
  readonly positionals: readonly string[];
  /** Layer flags in command-line order (flag order decides which layer wins). */
  readonly layers: readonly LayerFlag[];
  /** -h/--help was given. */
  readonly help: boolean;
}

export function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** argv (after the command name) -> typed options, with node:util parseArgs (strict, tokens for the order). */
export function parseCommand<O extends OptionDecls>(decl: CommandDecl<O>, argv: readonly string[]): Parsed<O> {
  const config: NonNullable<ParseArgsConfig['options']> = { ...HELP_OPTION };
  for (const [name, o] of Object.entries(decl.options)) {
    config[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const help = values.help === true;
  if (!help && parsed.positionals.length > decl.maxPositionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[decl.maxPositionals]}"`);
  }
  const options: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(decl.options)) {
    const v = values[name];
    options[camel(name)] = o.type === 'boolean' ? v === true : o.multiple ? (v ?? []) : (v ?? o.default);
  }
  const layers: LayerFlag[] = [];
  for (const t of parsed.tokens ?? []) {
    if (t.kind === 'option' && decl.options[t.name]?.layer) layers.push({ name: t.name, value: String(t.value ?? '') });
  }
  return { options: options as OptionsOf<O>, positionals: parsed.positionals, layers, help };
}

/** Column where option help starts. */
const HELP_COLUMN = 29;

/** `  -e, --env ENV` (the flag part of an option's help line). */
export function optionLabel(name: string, o: Pick<OptionDecl, 'short' | 'arg' | 'type'>): string {
  const value = o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : '';
  return `  ${o.short ? `-${o.short}, ` : '    '}--${name}${value}`;
}

function optionLines(name: string, o: Pick<OptionDecl, 'short' | 'arg' | 'type' | 'help'>): string[] {
  const label = optionLabel(name, o);
  const [first = '', ...more] = o.help.split('\n');
  const pad = label.length + 2 <= HELP_COLUMN ? label.padEnd(HELP_COLUMN) : `${label}  `;
  return [pad + first, ...more.map((l) => ' '.repeat(HELP_COLUMN) + l)];
}

/** The command's `--help` text, generated from its declaration. */
export function helpText(decl: CommandDecl): string {
  const prefix = `strata ${decl.name}`;
  const usage = decl.usage.map((u, i) => `${i === 0 ? 'Usage: ' : '       '}${prefix}${u ? ` ${u}` : ''}`).join('\n');
  const options = [
    ...Object.entries(decl.options),
    ['help', { type: 'boolean', short: 'h', help: 'show this help' }] as const,
  ].flatMap(([n, o]) => optionLines(n, o));
  return [
    usage,
    '',
    decl.description.trimEnd(),
    '',
    'Options:',
    ...options,
    ...(decl.notes ? ['', decl.notes.trimEnd()] : []),
    '',
    'The limit flags (--max-*, --*-timeout-ms) of "strata --help" apply to every command.',
    '',
  ].join('\n');
}
