import { UserError } from './errors.js';
import type { ReadOnlyFs } from './fs.js';
import { DEFAULT_RENDER_LIMITS, type Limits } from './limits.js';
import { ValuesBuilder, type ListRule } from './merge.js';
import type { SetAssignment } from './set-parser.js';
import { isPlainMap } from './guards.js';
import type { MergedValues, Origin, Values } from './types.js';
import { ParseCache } from './parse-cache.js';
import { DEFAULT_LIMITS, loadYamlText, type LoadedYaml, type LoadLimits, type Positions } from './yaml-load.js';

// Load an app's layer files for one environment (core/app.ts names them), then the overrides, in order, into
// merged values with provenance.

/** What comes after the app's own layers, in the order given (command line, or Argo CD parameters). */
export type Override =
  /** A repo-relative values file (Argo CD `valueFiles`): read through the confined file system. */
  | { kind: 'file'; path: string }
  /** YAML text with a name for messages (`-f FILE` read by the CLI, the inline `values` parameter). */
  | { kind: 'yaml'; name: string; text: string }
  /** Parsed `--set`-family assignments, all from one flag or parameter. */
  | { kind: 'set'; assignments: SetAssignment[]; origin: Origin };

export interface LoadValuesOptions {
  fs: ReadOnlyFs;
  /** The app's layer files for the environment, in merge order (App.layerFiles). */
  layers: readonly string[];
  /** strata.yaml's spec.merge.lists. */
  listRules: readonly ListRule[];
  overrides: readonly Override[];
  cache?: ParseCache;
  /** File size and nesting caps (core/limits.ts) for every layer and override; defaults when absent. */
  limits?: Pick<Limits, 'fileBytes' | 'nestingDepth'>;
  /** Decrypts encrypted layers (SOPS): given by the entry point with its keys (src/secrets); absent: none can be read. */
  decrypt?: LayerDecrypt;
}

/** A decrypted layer: the plain tree, and the value paths (core/paths.ts) whose values were encrypted. */
export interface DecryptedLayer {
  value: Values;
  secretPaths: ReadonlySet<string>;
}

/**
 * Decrypts a layer that isSopsTree says is encrypted. Called once per layer per render, after the parse cache:
 * the cache keeps the encrypted tree only, and the plain one lives as long as the render's merged values.
 */
export type LayerDecrypt = (file: string, value: Values) => DecryptedLayer;

/**
 * A tree that carries SOPS metadata: a top-level `sops` map with a `mac` or `lastmodified` (every sops version
 * writes both). A layer that merely has a `sops:` key of its own is not taken for one.
 */
export function isSopsTree(v: Values | undefined): v is Values {
  const s = v?.sops;
  return isPlainMap(s) && (typeof s.mac === 'string' || s.lastmodified !== undefined);
}

/** Whether a provenance origin is a value that was decrypted: masked wherever strata shows values. */
export function isSecretOrigin(o: Origin | undefined): boolean {
  return o instanceof FileOrigin && o.secret;
}

/** The loader's limits from the render's: one nesting cap for files, inline YAML, --set and parameters. */
export function loadLimitsOf(limits: Pick<Limits, 'fileBytes' | 'nestingDepth'>): LoadLimits {
  return { ...DEFAULT_LIMITS, maxBytes: limits.fileBytes, maxDepth: limits.nestingDepth };
}

export function loadValues(opts: LoadValuesOptions): MergedValues & { files: string[] } {
  const { fs } = opts;
  const cache = opts.cache ?? new ParseCache();
  const limits = opts.limits ?? DEFAULT_RENDER_LIMITS;
  const loadLimits = loadLimitsOf(limits);
  const builder = new ValuesBuilder(opts.listRules, limits.nestingDepth);
  const files = [...opts.layers];
  const mergeLoaded = (file: string, loaded: LoadedYaml): void => {
    if (!isSopsTree(loaded.value)) {
      builder.mergeLayer(loaded.value, (p) => new FileOrigin(file, loaded.positions, p));
      return;
    }
    if (!opts.decrypt)
      throw new UserError('values file is encrypted with SOPS, and this command was given no keys to decrypt it', {
        file,
      });
    const { value, secretPaths } = opts.decrypt(file, loaded.value);
    builder.mergeLayer(value, (p) => new FileOrigin(file, loaded.positions, p, secretPaths.has(p || '.')));
  };
  for (const file of files) mergeLoaded(file, cache.load(fs, file, loadLimits));
  for (const o of opts.overrides) {
    if (o.kind === 'file') {
      if (fs.stat(o.path) !== 'file') throw new UserError('values file does not exist', { file: o.path });
      files.push(o.path);
      mergeLoaded(o.path, cache.load(fs, o.path, loadLimits));
    } else if (o.kind === 'yaml') {
      mergeLoaded(o.name, loadYamlText(o.text, o.name, loadLimits));
    } else {
      for (const a of o.assignments) builder.setPath(a.segments, a.value, o.origin);
    }
  }
  return { ...builder.result(), files };
}

/**
 * The origin of a node in a values file. Line and column are looked up when first read: most renders never
 * print an origin, and computing positions is the expensive part of loading YAML. Serializes as a plain
 * `{file, line, column}`.
 */
export class FileOrigin implements Origin {
  readonly #positions: Positions;
  readonly #path: string;
  constructor(
    readonly file: string,
    positions: Positions,
    path: string,
    /** The value was encrypted in the file (SOPS): never shown unless asked for (docs/secrets.md). */
    readonly secret = false,
  ) {
    this.#positions = positions;
    this.#path = path;
  }
  get line(): number | undefined {
    return this.#positions.get(this.#path)?.line;
  }
  get column(): number | undefined {
    return this.#positions.get(this.#path)?.column;
  }
  toJSON(): Origin & { secret?: true } {
    return { file: this.file, line: this.line, column: this.column, ...(this.secret ? { secret: true as const } : {}) };
  }
}
