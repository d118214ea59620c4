import yaml from 'js-yaml';
import { UserError } from './errors.js';
import { DEFAULT_RENDER_LIMITS, limitHint, type Limits } from './limits.js';
import { FORBIDDEN_KEYS } from './paths.js';
import { checkParsed, GO_YAML_SCHEMA, STRATA_SCHEMA, type ParsedProblem } from './yaml-schema.js';
import { findComplexKey, findDuplicateKey, positionsOf, type Position } from './yaml-positions.js';

// The one reader of untrusted YAML (values layers, strata.yaml, policy files, what a template printed, CRD
// files, Argo CD Application files and .argocd-source*.yaml): js-yaml with a strata schema (yaml-schema.ts),
// then one walk for what js-yaml does not bound or refuse, then one check for collection keys. One profile
// per use says what is accepted; one mapping words every failure: a reason and line:col, never a source line
// or a value (messages reach Argo CD's UI and a value may be a secret). Callers add their own context.

export type ProfileName = 'values' | 'output' | 'crd' | 'argocd';

export interface YamlProfile {
  readonly name: ProfileName;
  /** What the text is, in messages ("over the limit for …"). */
  readonly what: string;
  /** `one`: a second document is an error (js-yaml's "expected a single document"). */
  readonly documents: 'one' | 'many';
  /** Deepest nesting accepted (a caller may lower it: values take `nestingDepth`). */
  readonly maxDepth: number;
  /** Limit key that changes maxDepth, named in the message; none when the cap is fixed. */
  readonly depthLimit?: keyof Limits;
  /** Most nodes visited, counting every alias expansion, shared by the documents of one text. */
  readonly maxNodes: number;
  /** Keys refused: `__proto__` always (js-yaml keeps it as an own key that later code must never see). */
  readonly forbiddenKeys: ReadonlySet<string>;
  /** js-yaml would turn `? [a, b]` into the key "a,b": always refused. */
  readonly complexKeys: 'refused';
  /** Always refused (js-yaml's own check), the message naming the key and its map. */
  readonly duplicateKeys: 'refused';
  /**
   * Plain scalars read differently by the file's other reader are refused, not guessed: `yaml-1.1` (Helm, Argo
   * CD's output reader: words, octals, `_` numbers, sexagesimals, dates) or `go-yaml` (only what Go's yaml.v2
   * reads differently from YAML 1.2: words, octals, `_` numbers; see goYamlDiffers).
   */
  readonly ambiguousScalars: 'yaml-1.1' | 'go-yaml';
  /** `literals`: integer literals beyond 2^53; `any`: also integer-valued floats (`1e20`), for output. */
  readonly bigNumbers: 'literals' | 'any';
  /** `copied`: an alias gets its own copy (code writes into these objects; docs/security.md §4). */
  readonly aliases: 'shared' | 'copied';
  /** Whether line:col of the text are lines of the file (not for output: the engine maps those to the template). */
  readonly filePositions: boolean;
}

const PROTO_ONLY: ReadonlySet<string> = new Set(['__proto__']);

export const PROFILES: Readonly<Record<ProfileName, YamlProfile>> = {
  // User-authored layers, strata.yaml, policy files (and fromYaml): the strictest reading.
  values: {
    name: 'values',
    what: 'a values file',
    documents: 'one',
    maxDepth: DEFAULT_RENDER_LIMITS.nestingDepth,
    depthLimit: 'nestingDepth',
    maxNodes: 1_000_000,
    forbiddenKeys: FORBIDDEN_KEYS,
    complexKeys: 'refused',
    duplicateKeys: 'refused',
    ambiguousScalars: 'yaml-1.1',
    bigNumbers: 'literals',
    aliases: 'shared',
    filePositions: true,
  },
  // What a template printed: Kubernetes objects, a generous depth, `constructor:` is data in a manifest.
  output: {
    name: 'output',
    what: 'rendered output',
    documents: 'many',
    maxDepth: 1_000,
    maxNodes: 2_000_000,
    forbiddenKeys: PROTO_ONLY,
    complexKeys: 'refused',
    duplicateKeys: 'refused',
    ambiguousScalars: 'yaml-1.1',
    bigNumbers: 'any',
    aliases: 'copied',
    filePositions: false,
  },
  // CustomResourceDefinitions kept in the repository (strata-policy.yaml spec.schemas): read only.
  crd: {
    name: 'crd',
    what: 'a CRD file',
    documents: 'many',
    maxDepth: 200,
    maxNodes: 1_000_000,
    forbiddenKeys: FORBIDDEN_KEYS,
    complexKeys: 'refused',
    duplicateKeys: 'refused',
    ambiguousScalars: 'yaml-1.1',
    bigNumbers: 'literals',
    aliases: 'shared',
    filePositions: true,
  },
  // Application manifests (`render --application`) and .argocd-source*.yaml, which Argo CD reads with Go's
  // sigs.k8s.io/yaml: a valid file keeps its meaning; only what Go reads otherwise is refused.
  argocd: {
    name: 'argocd',
    what: 'an Argo CD file',
    documents: 'many',
    maxDepth: 200,
    maxNodes: 1_000_000,
    forbiddenKeys: PROTO_ONLY,
    complexKeys: 'refused',
    duplicateKeys: 'refused',
    ambiguousScalars: 'go-yaml',
    bigNumbers: 'literals',
    aliases: 'copied',
    filePositions: true,
  },
};

/** A .argocd-source*.yaml: one document (a JSON merge patch). */
export const ARGOCD_SOURCE_PROFILE: YamlProfile = { ...PROFILES.argocd, documents: 'one' };

export type YamlProblem =
  'syntax' | 'duplicate-key' | 'too-deep-for-reader' | 'complex-key' | 'size' | 'utf8' | ParsedProblem;

/**
 * Every failure of the reader: `reason` says what is wrong (the message, after "invalid YAML: " when the text
 * does not parse); `at` is line:col in the text when known (in `where` too when they are lines of the file).
 */
export class YamlError extends UserError {
  constructor(
    readonly problem: YamlProblem,
    readonly reason: string,
    readonly at: Position | undefined,
    where: UserError['where'],
    cause?: unknown,
  ) {
    super(
      problem === 'syntax' || problem === 'duplicate-key' ? `invalid YAML: ${reason}` : reason,
      where,
      cause === undefined ? undefined : { cause },
    );
  }

  /** Whether the text is not YAML at all (rather than YAML strata refuses). */
  get syntax(): boolean {
    return (
      this.problem === 'syntax' ||
      this.problem === 'duplicate-key' ||
      this.problem === 'too-deep-for-reader' ||
      this.problem === 'complex-key'
    );
  }
}

/** The one wording of each problem; `detail` is a limit, a key or a shape, never a value. */
function reasonOf(problem: YamlProblem, detail: string, profile: YamlProfile): string {
  switch (problem) {
    case 'syntax':
      return detail;
    case 'duplicate-key':
      return `duplicated mapping key${detail ? ` ${detail}` : ''}`;
    case 'too-deep-for-reader':
      // js-yaml recurses per nesting level: a deep flow collection (`[[[[...`) exhausts the stack before our walk.
      return 'nesting too deep for the YAML reader';
    case 'complex-key':
      return 'a list or map used as a key is not supported (js-yaml would turn it into a string); keys must be plain strings';
    case 'nodes':
      return `more than ${detail} nodes after expanding aliases (an alias bomb?)`;
    case 'depth':
      return `nesting deeper than ${detail} levels${profile.depthLimit ? ` (${limitHint(profile.depthLimit)})` : ''}`;
    case 'ambiguous':
      return `"${detail}" means different things in YAML 1.1 (Helm, Argo CD) and YAML 1.2; write true/false or a plain number, or quote it to keep a string${profile.name === 'output' ? ' ({{quote …}} in a template)' : ''}`;
    case 'unsafe-int':
      return 'integer beyond 2^53 would lose precision; quote it to keep it as a string';
    case 'key':
      return `the key "${detail}" is not allowed (it could reach JavaScript's Object.prototype)`;
    case 'type':
      return `unsupported value (${detail})`;
    case 'size':
      return `file is ${detail}, over the limit for ${profile.what}`;
    case 'utf8':
      return `file is not valid UTF-8 (byte ${detail})`;
  }
}

export interface YamlBounds {
  maxDepth?: number;
  maxNodes?: number;
}

/**
 * The documents of `text` (one entry per document, empty ones `null`/`undefined`, so indices are document
 * numbers), read under `profile`; throws YamlError. `file` is named in errors.
 */
export function readYaml(text: string, file: string, profile: YamlProfile, bounds: YamlBounds = {}): unknown[] {
  const maxDepth = bounds.maxDepth ?? profile.maxDepth;
  const maxNodes = bounds.maxNodes ?? profile.maxNodes;
  const fail = (problem: YamlProblem, detail: string, at?: Position, path?: string, cause?: unknown): never => {
    const where = { file, ...(path ? { path } : {}), ...(at && profile.filePositions ? at : {}) };
    throw new YamlError(problem, reasonOf(problem, detail, profile), at, where, cause);
  };

  let docs: unknown[];
  const options = { schema: profile.ambiguousScalars === 'go-yaml' ? GO_YAML_SCHEMA : STRATA_SCHEMA, filename: file };
  try {
    docs = profile.documents === 'one' ? [yaml.load(text, options)] : yaml.loadAll(text, undefined, options);
  } catch (e) {
    if (e instanceof RangeError) return fail('too-deep-for-reader', '', undefined, undefined, e);
    // js-yaml's message quotes the source line (it may hold a secret): keep only the reason and the mark.
    const err = e as { reason?: string; mark?: { line: number; column: number } };
    const at = err.mark ? { line: err.mark.line + 1, column: err.mark.column + 1 } : undefined;
    if (err.reason === 'duplicated mapping key') {
      const dup = secondReading(file, () => findDuplicateKey(text));
      return fail('duplicate-key', dup ? JSON.stringify(dup.key) : '', at ?? dup?.position, dup?.path);
    }
    return fail('syntax', err.reason ?? 'parse error', at);
  }

  const budget = { n: maxNodes };
  docs.forEach((doc, i) => {
    const limits = {
      maxDepth,
      maxNodes,
      forbiddenKeys: profile.forbiddenKeys,
      anyUnsafeNumber: profile.bigNumbers === 'any',
    };
    checkParsed(
      doc,
      limits,
      (problem, path, detail) =>
        fail(
          problem,
          detail,
          secondReading(file, () => positionsOf(text, i).get(path)),
          path,
        ),
      budget,
    );
  });

  const complex = secondReading(file, () => findComplexKey(text), true);
  if (complex) fail('complex-key', '', complex.position, complex.path);

  // An alias needs an anchor, and an anchor is spelt with `&`: the normal path skips the copy walk.
  if (profile.aliases === 'copied' && text.includes('&')) docs = docs.map((d) => unshare(d));
  return docs;
}

/**
 * Positions and key checks are a second reading of the text (the `yaml` package). On an error path that
 * reading must not replace the error; for the complex-key check (`required`), a text it cannot read is refused.
 */
function secondReading<T>(file: string, read: () => T, required = false): T | undefined {
  try {
    return read();
  } catch (e) {
    if (required)
      throw new UserError('the YAML could not be read a second time to check its keys', { file }, { cause: e });
    return undefined;
  }
}

/** `bytes` decoded and read under `profile`, refused first when over `maxBytes` (named by `limit`). */
export function readYamlBytes(
  bytes: Uint8Array,
  file: string,
  profile: YamlProfile,
  size: { maxBytes: number; limit: keyof Limits },
  bounds: YamlBounds = {},
): unknown[] {
  if (bytes.length > size.maxBytes) {
    throw new YamlError(
      'size',
      `${reasonOf('size', `${bytes.length} bytes`, profile)} (${size.maxBytes} bytes, ${limitHint(size.limit)})`,
      undefined,
      { file },
    );
  }
  return readYaml(decodeUtf8(bytes, file), file, profile, bounds);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode bytes as UTF-8 (BOM stripped), or fail naming the file and the line of the first bad byte. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    const text = utf8.decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    const bad = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
    throw new YamlError('utf8', reasonOf('utf8', String(bad), PROFILES.values), { line, column: 1 }, { file, line });
  }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (error path only). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > b.length) return i;
    try {
      utf8.decode(b.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return b.length;
}

/**
 * js-yaml hands an alias back as the same object as its anchor: a template with `labels: &l …` and
 * `matchLabels: *l` would get strata's labels injected into its selector (docs/security.md §4). Give every
 * aliased node its own copy before anything writes into the documents.
 */
export function unshare(doc: unknown, seen = new Set<object>()): unknown {
  if (doc === null || typeof doc !== 'object') return doc;
  if (seen.has(doc)) return structuredClone(doc);
  seen.add(doc);
  if (Array.isArray(doc)) {
    for (let i = 0; i < doc.length; i++) doc[i] = unshare(doc[i], seen);
  } else {
    const o = doc as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = unshare(o[k], seen);
  }
  return doc;
}
