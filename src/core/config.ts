import { UserError } from './errors.js';
import type { ReadOnlyFs } from './fs.js';
import { basename, joinPath } from './fs.js';
import type { ParseCache } from './parse-cache.js';
import type { ListRule } from './merge.js';
import { childPath } from './paths.js';
import type { Value, Values } from './types.js';
import { loadYamlFile, type Positions } from './yaml-load.js';
import { isPlainMap } from './guards.js';

// strata.yaml, format v1 (docs/config.md). Unknown fields are errors naming the field: a typo such as
// `layer:` for `layers:` must not silently fall back to defaults.

export const CONFIG_FILE = 'strata.yaml';
export const API_VERSION = 'strata.dev/v1';

export interface LayerSpec {
  /** Relative to the app directory; `{env}` is replaced by the environment name. */
  path: string;
  optional: boolean;
}

export interface LabelKeys {
  managedBy: string;
  name: string;
  environment: string;
}

export type RevisionMode = 'app' | 'repo' | 'off';

/**
 * How templates treat what Go templates treat loosely (docs/config.md, `spec.semantics`): `strata` (strict: a
 * missing value is an error, raw prints are checked) or `helm` (Helm's engine: a missing value is Go's nil,
 * raw text prints as is, `tpl` reads Go template text, `toYaml` writes yaml.v2's layout). `strata import helm`
 * writes `helm`.
 */
export type Semantics = 'strata' | 'helm';

export interface AppConfig {
  /** Repo-relative directory of the app (where strata.yaml is). */
  dir: string;
  /** Repo-relative path of strata.yaml, for messages. */
  file: string;
  name: string;
  environments: string[];
  defaultEnvironment?: string;
  layers: LayerSpec[];
  templates: string;
  namespace?: string;
  allowEmpty: boolean;
  labels: LabelKeys;
  revision: RevisionMode;
  listRules: ListRule[];
  /** Relative to the app directory; validated only when the file exists. */
  valuesSchema: string;
  /** `spec.policy` as written; validated by the policy module, which owns its format. */
  policy?: Value;
  semantics: Semantics;
  /** Position of every node of strata.yaml, for messages about it. */
  positions: Positions;
}

export const DEFAULT_LABELS: LabelKeys = {
  managedBy: 'app.kubernetes.io/managed-by',
  name: 'app.kubernetes.io/name',
  environment: 'strata.dev/environment',
};

const DEFAULT_LAYERS: LayerSpec[] = [
  { path: 'values.yaml', optional: false },
  { path: 'values-{env}.yaml', optional: true },
];

const ENV_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function loadAppConfig(fs: ReadOnlyFs, dir: string, cache?: ParseCache): AppConfig {
  const file = joinPath(dir, CONFIG_FILE);
  if (fs.stat(file) !== 'file') {
    throw new UserError(`no ${CONFIG_FILE} here: is this an app directory?`, { file: dir || '.' });
  }
  const { value, positions } = cache ? cache.load(fs, file) : loadYamlFile(fs.readFile(file), file);
  const v = new Checker(file, positions);
  const root = v.map(value ?? {}, '', ['apiVersion', 'kind', 'metadata', 'spec']);
  if (root.apiVersion !== API_VERSION)
    v.fail('.apiVersion', `expected "${API_VERSION}", found ${JSON.stringify(root.apiVersion ?? null)}`);
  if (root.kind !== 'App') v.fail('.kind', `expected "App", found ${JSON.stringify(root.kind ?? null)}`);
  const metadata = v.map(root.metadata ?? {}, '.metadata', ['name']);
  const spec = v.map(root.spec, '.spec', [
    'environments',
    'defaultEnvironment',
    'layers',
    'templates',
    'namespace',
    'allowEmpty',
    'metadata',
    'merge',
    'policy',
    'valuesSchema',
    'semantics',
  ]);

  const environments = v.list(spec.environments, '.spec.environments').map((e, i) => {
    const s = v.string(e, `.spec.environments[${i}]`);
    if (!ENV_NAME.test(s))
      v.fail(`.spec.environments[${i}]`, `"${s}" is not a valid environment name (lowercase letters, digits and "-")`);
    return s;
  });
  if (environments.length === 0) v.fail('.spec.environments', 'list at least one environment');

  const defaultEnvironment =
    spec.defaultEnvironment === undefined ? undefined : v.string(spec.defaultEnvironment, '.spec.defaultEnvironment');
  if (defaultEnvironment !== undefined && !environments.includes(defaultEnvironment)) {
    v.fail(
      '.spec.defaultEnvironment',
      `"${defaultEnvironment}" is not one of the environments (${environments.join(', ')})`,
    );
  }

  const layers =
    spec.layers === undefined
      ? DEFAULT_LAYERS
      : v.list(spec.layers, '.spec.layers').map((l, i): LayerSpec => {
          const p = `.spec.layers[${i}]`;
          if (typeof l === 'string') return { path: v.string(l, p), optional: false };
          const m = v.map(l, p, ['path', 'optional']);
          return {
            path: v.string(m.path, `${p}.path`),
            optional: m.optional === undefined ? false : v.bool(m.optional, `${p}.optional`),
          };
        });

  const meta = v.map(spec.metadata ?? {}, '.spec.metadata', ['labels', 'revision']);
  const labelSpec = v.map(meta.labels ?? {}, '.spec.metadata.labels', ['managedBy', 'name', 'environment']);
  const labels: LabelKeys = { ...DEFAULT_LABELS };
  for (const k of Object.keys(labelSpec) as (keyof LabelKeys)[])
    labels[k] = v.string(labelSpec[k], `.spec.metadata.labels.${k}`);
  const revision =
    meta.revision === undefined
      ? 'app'
      : v.oneOf(meta.revision, '.spec.metadata.revision', ['app', 'repo', 'off'] as const);

  const merge = v.map(spec.merge ?? {}, '.spec.merge', ['lists']);
  const listRules = v.list(merge.lists ?? [], '.spec.merge.lists').map((r, i): ListRule => {
    const p = `.spec.merge.lists[${i}]`;
    const m = v.map(r, p, ['path', 'strategy', 'key']);
    const strategy = v.oneOf(m.strategy, `${p}.strategy`, ['replace', 'append', 'mergeByKey'] as const);
    const key = m.key === undefined ? undefined : v.string(m.key, `${p}.key`);
    if (strategy === 'mergeByKey' && !key) v.fail(`${p}.key`, 'mergeByKey needs a key (e.g. name)');
    const path = v.string(m.path, `${p}.path`);
    return { path: path.startsWith('.') ? path : `.${path}`, strategy, ...(key ? { key } : {}) };
  });

  return {
    dir,
    file,
    name: metadata.name === undefined ? basename(dir) || 'app' : v.string(metadata.name, '.metadata.name'),
    environments,
    ...(defaultEnvironment ? { defaultEnvironment } : {}),
    layers,
    templates: spec.templates === undefined ? 'templates' : v.string(spec.templates, '.spec.templates'),
    ...(spec.namespace !== undefined ? { namespace: v.string(spec.namespace, '.spec.namespace') } : {}),
    allowEmpty: spec.allowEmpty === undefined ? false : v.bool(spec.allowEmpty, '.spec.allowEmpty'),
    labels,
    revision,
    listRules,
    valuesSchema:
      spec.valuesSchema === undefined ? 'values.schema.json' : v.string(spec.valuesSchema, '.spec.valuesSchema'),
    ...(spec.policy !== undefined ? { policy: spec.policy } : {}),
    semantics:
      spec.semantics === undefined ? 'strata' : v.oneOf(spec.semantics, '.spec.semantics', ['strata', 'helm'] as const),
    positions,
  };
}

/**
 * The one environment resolver (CLI, Argo CD `generate`, the server): the environment asked for, else
 * spec.defaultEnvironment, else an error in one wording that says how this entry point takes one (`howToGive`:
 * "pass --env" for the CLI).
 */
export function resolveEnvironment(config: AppConfig, env: string | undefined, howToGive = 'pass --env'): string {
  const name = env ?? config.defaultEnvironment;
  if (name === undefined) {
    throw new UserError(
      `no environment: ${howToGive} (one of ${config.environments.join(', ')}), or set spec.defaultEnvironment`,
      { file: config.file },
    );
  }
  if (!config.environments.includes(name)) {
    throw new UserError(`unknown environment "${name}": this app declares ${config.environments.join(', ')}`, {
      file: config.file,
      path: '.spec.environments',
      ...config.positions.get('.spec.environments'),
    });
  }
  return name;
}

/** Type checks for a config document that report the file, line and YAML path of what is wrong. */
export class Checker {
  constructor(
    readonly file: string,
    readonly positions: Positions,
  ) {}

  fail(path: string, message: string): never {
    const pos = this.positions.get(path);
    throw new UserError(message, { file: this.file, ...(pos ? { line: pos.line, column: pos.column } : {}), path });
  }

  map(v: Value | undefined, path: string, allowed: readonly string[]): Values {
    if (!isPlainMap(v)) this.fail(path || '.', `expected a map, found ${kindOf(v)}`);
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k))
        this.fail(childPath(path, k), `unknown field "${k}"; expected one of: ${allowed.join(', ')}`);
    }
    return v;
  }

  list(v: Value | undefined, path: string): Value[] {
    if (!Array.isArray(v)) this.fail(path, `expected a list, found ${kindOf(v)}`);
    return v;
  }

  string(v: Value | undefined, path: string): string {
    if (typeof v !== 'string' || v === '') this.fail(path, `expected a non-empty string, found ${kindOf(v)}`);
    return v;
  }

  bool(v: Value | undefined, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, `expected true or false, found ${kindOf(v)}`);
    return v;
  }

  oneOf<T extends string>(v: Value | undefined, path: string, options: readonly T[]): T {
    if (typeof v !== 'string' || !options.includes(v as T))
      this.fail(path, `expected one of ${options.join(', ')}, found ${kindOf(v)}`);
    return v as T;
  }
}

function kindOf(v: Value | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return v === '' ? 'an empty string' : `"${v}"`;
  return String(v);
}
