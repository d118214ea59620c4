import { UsageError } from './errors.js';

// Every bound strata puts on the work one render may do, in one table: the default, the environment variable
// and the CLI flag that change it. The core takes a resolved `Limits` value (never reads process.env); entry
// points build it with `resolveLimits`. docs/security.md lists the same table for operators.

export interface Limits {
  /** Largest single file read (values, templates, strata.yaml, policy, schemas, -f, --set-file, `file`). */
  fileBytes: number;
  /** Largest rendered output of one app (all templates), well under Argo CD's 100 MiB gRPC message cap. */
  outputBytes: number;
  /** Wall-clock budget for one render (templates, parsing, checks), under Argo CD's 60 s default. */
  renderMs: number;
  /** Deepest chain of partials / `include` / `tpl` calls. */
  partialDepth: number;
  /** Largest string or numeric size a helper may produce or take (e.g. `indent N`, `repeat N`). */
  helperBytes: number;
  /** Deepest nesting of values from files, --set, --set-json and Argo CD parameters. */
  nestingDepth: number;
  /** Largest values schema or CRD file. */
  schemaBytes: number;
  /** Timeout of one git call (revision lookup, --against-ref). */
  gitMs: number;
  /** V8 heap ceiling of a strata process, in MiB, so a runaway render fails cleanly instead of an OOM kill. */
  heapMb: number;
  /** Largest size of the compile cache folder before the oldest entries are evicted. */
  cacheBytes: number;
}

export interface LimitSpec {
  key: keyof Limits;
  env: string;
  flag: string;
  default: number;
  unit: 'bytes' | 'ms' | 'count' | 'MiB';
}

const MiB = 1024 * 1024;

export const LIMIT_SPECS: readonly LimitSpec[] = [
  { key: 'fileBytes', env: 'STRATA_MAX_FILE_BYTES', flag: 'max-file-bytes', default: 4 * MiB, unit: 'bytes' },
  { key: 'outputBytes', env: 'STRATA_MAX_OUTPUT_BYTES', flag: 'max-output-bytes', default: 32 * MiB, unit: 'bytes' },
  { key: 'renderMs', env: 'STRATA_RENDER_TIMEOUT_MS', flag: 'render-timeout-ms', default: 30_000, unit: 'ms' },
  { key: 'partialDepth', env: 'STRATA_MAX_PARTIAL_DEPTH', flag: 'max-partial-depth', default: 32, unit: 'count' },
  { key: 'helperBytes', env: 'STRATA_MAX_HELPER_BYTES', flag: 'max-helper-bytes', default: 4 * MiB, unit: 'bytes' },
  { key: 'nestingDepth', env: 'STRATA_MAX_NESTING', flag: 'max-nesting', default: 64, unit: 'count' },
  { key: 'schemaBytes', env: 'STRATA_MAX_SCHEMA_BYTES', flag: 'max-schema-bytes', default: 1 * MiB, unit: 'bytes' },
  { key: 'gitMs', env: 'STRATA_GIT_TIMEOUT_MS', flag: 'git-timeout-ms', default: 5_000, unit: 'ms' },
  { key: 'heapMb', env: 'STRATA_MAX_HEAP_MB', flag: 'max-heap-mb', default: 1024, unit: 'MiB' },
  { key: 'cacheBytes', env: 'STRATA_MAX_CACHE_BYTES', flag: 'max-cache-bytes', default: 64 * MiB, unit: 'bytes' },
];

/**
 * How every message names a limit, so a person knows which knob to turn: "limit renderMs:
 * STRATA_RENDER_TIMEOUT_MS / --render-timeout-ms". Messages put it in parentheses.
 */
export function limitHint(key: keyof Limits): string {
  const spec = LIMIT_SPECS.find((s) => s.key === key)!;
  return `limit ${key}: ${spec.env} / --${spec.flag}`;
}

export const DEFAULT_RENDER_LIMITS: Limits = Object.fromEntries(
  LIMIT_SPECS.map((s) => [s.key, s.default]),
) as unknown as Limits;

/**
 * Limits from the environment, then from flags (flags win). A value that is not a positive whole number is a
 * usage error naming the variable or flag, never the value (it may come from a hostile parameter).
 */
export function resolveLimits(
  env: Readonly<Record<string, string | undefined>>,
  flags: Readonly<Record<string, unknown>> = {},
): Limits {
  const out = { ...DEFAULT_RENDER_LIMITS };
  for (const spec of LIMIT_SPECS) {
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') out[spec.key] = parseLimit(fromEnv, spec.env);
    const fromFlag = flags[spec.flag];
    if (typeof fromFlag === 'string') out[spec.key] = parseLimit(fromFlag, `--${spec.flag}`);
  }
  return out;
}

function parseLimit(text: string, name: string): number {
  if (!/^[0-9]{1,15}$/.test(text) || Number(text) <= 0) throw new UsageError(`${name} must be a positive whole number`);
  return Number(text);
}
