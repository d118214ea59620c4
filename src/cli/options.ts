import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, UserError } from '../core/errors.js';
import type { Override } from '../core/layers.js';
import { parseSetExpression, type SetKind } from '../core/set-parser.js';
import { DEFAULT_RENDER_LIMITS, type Limits } from '../core/limits.js';
import { decodeUtf8 } from '../core/yaml-load.js';
import { BoundedReadError, readBounded } from '../io/bounded-read.js';

// Flag parsing shared by the commands: one table per command, parsed into one options object.

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export const LAYER_OPTIONS: OptionSpec = {
  values: { type: 'string', short: 'f', multiple: true },
  set: { type: 'string', multiple: true },
  'set-string': { type: 'string', multiple: true },
  'set-json': { type: 'string', multiple: true },
  'set-file': { type: 'string', multiple: true },
};

export const APP_OPTIONS: OptionSpec = {
  env: { type: 'string', short: 'e' },
  'repo-root': { type: 'string' },
  output: { type: 'string', short: 'o' },
};

export const RELEASE_OPTIONS: OptionSpec = {
  namespace: { type: 'string', short: 'n' },
  revision: { type: 'string' },
  'repo-url': { type: 'string' },
  'target-revision': { type: 'string' },
  'kube-version': { type: 'string' },
  'api-versions': { type: 'string' },
};

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  /** Layer flags in command-line order. */
  layerFlags: { name: string; value: string }[];
}

export function parse(argv: readonly string[], options: OptionSpec, maxPositionals = 1): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  const layerFlags: Parsed['layerFlags'] = [];
  for (const t of parsed.tokens ?? []) {
    if (t.kind === 'option' && t.name in LAYER_OPTIONS) layerFlags.push({ name: t.name, value: String(t.value ?? '') });
  }
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals, layerFlags };
}

/** A file named by -f or --set-file: the user's choice of path, but read under the same bounds as repository files. */
function readUserFile(path: string, cwd: string, flag: string, maxBytes: number): string {
  const abs = resolve(cwd, path);
  let bytes: Buffer;
  try {
    bytes = readBounded(abs, maxBytes);
  } catch (e) {
    if (e instanceof BoundedReadError) throw new UserError(e.message, { flag }, { cause: e }); // the flag names the path
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { flag });
  }
  return decodeUtf8(bytes, path);
}

/** `-f` and `--set*` flags into overrides, in command-line order. Files named on the command line are the user's choice, like `helm -f`. */
export function layerOverrides(flags: Parsed['layerFlags'], cwd: string, limits: Pick<Limits, 'fileBytes'> = DEFAULT_RENDER_LIMITS): Override[] {
  return flags.map(({ name, value }): Override => {
    const flag = `--${name} ${value}`;
    if (name === 'values') return { kind: 'yaml', name: value, text: readUserFile(value, cwd, `-f ${value}`, limits.fileBytes) };
    const assignments = parseSetExpression(value, name as SetKind, flag);
    if (name === 'set-file') {
      for (const a of assignments) a.value = readUserFile(String(a.value), cwd, flag, limits.fileBytes);
    }
    return { kind: 'set', assignments, origin: { flag } };
  });
}

/** The `--env` flag, required by commands that render one environment. */
export function requireEnv(p: Parsed): string {
  const env = p.values.env;
  if (typeof env !== 'string' || env === '') throw new UsageError('--env is required');
  return env;
}

export function outputFormat(v: unknown, allowed: readonly string[] = ['yaml', 'json']): string {
  const f = v === undefined ? allowed[0] : String(v);
  if (!allowed.includes(f)) throw new UsageError(`--output must be one of ${allowed.join(', ')}`);
  return f;
}
