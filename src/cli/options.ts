import { resolve } from 'node:path';
import { UsageError, UserError } from '../core/errors.js';
import type { Override } from '../core/layers.js';
import { parseSetExpression, type SetKind } from '../core/set-parser.js';
import { DEFAULT_RENDER_LIMITS, type Limits } from '../core/limits.js';
import { decodeUtf8 } from '../core/yaml-load.js';
import { BoundedReadError, readBounded } from '../io/bounded-read.js';
import type { LayerFlag } from './declare.js';
import { toText } from '../core/guards.js';

// What the commands do with parsed flags (declare.ts parses them): layer flags into overrides, the shared checks.

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
export function layerOverrides(
  flags: readonly LayerFlag[],
  cwd: string,
  limits: Pick<Limits, 'fileBytes'> = DEFAULT_RENDER_LIMITS,
): Override[] {
  return flags.map(({ name, value }): Override => {
    const flag = `--${name} ${value}`;
    if (name === 'values')
      return { kind: 'yaml', name: value, text: readUserFile(value, cwd, `-f ${value}`, limits.fileBytes) };
    const assignments = parseSetExpression(value, name as SetKind, flag);
    if (name === 'set-file') {
      for (const a of assignments) a.value = readUserFile(toText(a.value), cwd, flag, limits.fileBytes);
    }
    return { kind: 'set', assignments, origin: { flag } };
  });
}

/** The `--env` flag, required by commands that render one environment. */
export function requireEnv(env: string | undefined): string {
  if (env === undefined || env === '') throw new UsageError('--env is required');
  return env;
}

export function outputFormat(v: string | undefined, allowed: readonly string[] = ['yaml', 'json']): string {
  const f = v ?? allowed[0];
  if (!allowed.includes(f)) throw new UsageError(`--output must be one of ${allowed.join(', ')}`);
  return f;
}
