import type { AppConfig } from '../core/config.js';
import { UserError } from '../core/errors.js';
import { resolvePath } from '../core/fs.js';
import type { Override } from '../core/layers.js';
import { parseSetExpression, typed, type SetAssignment } from '../core/set-parser.js';
import type { Value } from '../core/types.js';
import {
  ENV_VAR_STRATA_ENV,
  PARAMETERS_VAR,
  type Announcement,
  type CollectionType,
  type Env,
  type ParameterValue,
} from './contract.js';
import { isPlainMap } from '../core/guards.js';
import { compareStrings } from '../core/compare.js';

// The plugin's parameters: what `strata parameters` announces, how ARGOCD_APP_PARAMETERS is read, and how
// the values become layer overrides. Argo CD sends only what an Application sets, never announced
// defaults, so the defaults below are applied here, not by Argo CD.

/** Every parameter the plugin accepts, with its one allowed collection type. */
export const PARAMETER_TYPES: Readonly<Record<string, Exclude<CollectionType, ''>>> = {
  env: 'string',
  valueFiles: 'array',
  values: 'string',
  set: 'map',
  setString: 'map',
};

/** Parameters after validation and defaults, in the order their layers apply. */
export interface StrataParameters {
  env?: string;
  valueFiles: string[];
  values?: string;
  set: [string, string][];
  setString: [string, string][];
}

function fail(message: string): never {
  throw new UserError(message, { flag: PARAMETERS_VAR });
}

function collectionOf(p: ParameterValue): string {
  const kinds = (['string', 'array', 'map'] as const).filter((k) => p[k] !== undefined && p[k] !== null);
  return kinds.length === 1 ? kinds[0] : kinds.length === 0 ? 'nothing' : kinds.join(' and ');
}

/**
 * Read ARGOCD_APP_PARAMETERS (absent or `null`: no parameters). PARAM_* variables are ignored on purpose:
 * their escaped names can collide, the JSON cannot.
 */
export function parseParameters(env: Env): StrataParameters {
  const raw = env[PARAMETERS_VAR];
  const out: StrataParameters = { valueFiles: [], set: [], setString: [] };
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'null') return out;
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    fail('is not valid JSON'); // V8's message quotes the text around the error: parameters may hold secrets
  }
  if (list === null) return out;
  if (!Array.isArray(list)) fail('must be a JSON array of parameters');
  const seen = new Set<string>();
  for (const item of list as unknown[]) {
    if (typeof item !== 'object' || item === null || typeof (item as ParameterValue).name !== 'string') {
      fail('every parameter needs a "name"');
    }
    const p = item as ParameterValue;
    const expected = PARAMETER_TYPES[p.name];
    if (!Object.hasOwn(PARAMETER_TYPES, p.name) || expected === undefined) {
      fail(`unknown parameter "${p.name}"; this plugin accepts ${Object.keys(PARAMETER_TYPES).join(', ')}`);
    }
    if (seen.has(p.name)) fail(`parameter "${p.name}" is set twice`);
    seen.add(p.name);
    if (collectionOf(p) !== expected)
      fail(
        `parameter "${p.name}" must be ${expected === 'array' ? 'an' : 'a'} ${expected} (collectionType ${expected}), found ${collectionOf(p)}`,
      );
    if (expected === 'string') {
      if (typeof p.string !== 'string') fail(`parameter "${p.name}" must be a string`);
      // An ApplicationSet template that resolved to "" must not quietly render the default environment.
      if (p.name === 'env' && p.string.trim() === '')
        fail('parameter "env" is set but empty: give an environment or drop the parameter');
      if (p.name === 'env') out.env = p.string;
      else out.values = p.string;
    } else if (expected === 'array') {
      if (!Array.isArray(p.array) || p.array.some((x) => typeof x !== 'string'))
        fail(`parameter "${p.name}" must be an array of strings`);
      out.valueFiles = p.array.filter((x) => x !== ''); // the UI's list editor leaves empty rows behind
    } else {
      const m = p.map;
      if (!isPlainMap(m) || Object.values(m).some((x) => typeof x !== 'string')) {
        fail(`parameter "${p.name}" must be a map of strings`);
      }
      // Keys sorted: Go's JSON encoding of the map is sorted already; sorting again keeps us deterministic.
      const entries = Object.entries(m).sort(([a], [b]) => compareStrings(a, b));
      if (p.name === 'set') out.set = entries;
      else out.setString = entries;
    }
  }
  return out;
}

/**
 * One map entry of `set`/`setString` as an assignment. The key is a `--set` path (dots, `[i]`, escapes); the
 * value is taken raw, so commas and backslashes in it mean themselves. As with Argo CD's Helm parameters, a
 * `set` value wrapped in `{...}` is a list in `--set` syntax.
 */
export function mapEntryAssignment(key: string, raw: string, kind: 'set' | 'setString'): SetAssignment {
  const flag = `parameter ${kind}[${key}]`;
  const parsed = parseSetExpression(`${key}=`, 'set-string', flag);
  if (parsed.length !== 1 || parsed[0].value !== '') {
    throw new UserError(`"${key}" is not a single value path (escape "," "=" "." "[" with a backslash)`, { flag });
  }
  let value: Value = raw;
  if (kind === 'set') {
    if (raw.startsWith('{') && raw.endsWith('}')) {
      const list = parseSetExpression(`x=${raw}`, 'set', flag);
      if (list.length !== 1) throw new UserError('is not one {a,b} list', { flag });
      value = list[0].value;
    } else value = typed(raw, flag);
  }
  return { segments: parsed[0].segments, value };
}

/** Overrides in layer order: valueFiles, values, set, setString (after the app's own layers). */
export function parameterOverrides(params: StrataParameters, appDir: string): Override[] {
  const out: Override[] = [];
  for (const f of params.valueFiles) {
    let path: string;
    try {
      path = resolvePath(appDir, f);
    } catch (e) {
      throw new UserError((e as Error).message, { flag: 'parameter valueFiles' });
    }
    out.push({ kind: 'file', path });
  }
  if (params.values !== undefined && params.values.trim() !== '')
    out.push({ kind: 'yaml', name: 'parameter values', text: params.values });
  for (const kind of ['set', 'setString'] as const) {
    for (const [key, raw] of params[kind]) {
      out.push({
        kind: 'set',
        assignments: [mapEntryAssignment(key, raw, kind)],
        origin: { flag: `parameter ${kind}[${key}]` },
      });
    }
  }
  return out;
}

/**
 * The environment generate would render, for the Parameters tab, and where it comes from: the `env` parameter,
 * else plugin.env STRATA_ENV (it reaches the dynamic parameters command as ARGOCD_ENV_STRATA_ENV:
 * reposerver/repository/repository.go:2327-2354, populatePluginAppDetails), else the app's default. Never
 * throws: a failing dynamic command breaks the whole tab, so a bad choice is announced and flagged instead.
 * Flags name the source only, never the value.
 */
export function announcedEnvironment(config: AppConfig, env: Env): { value: string; from: string; problem?: string } {
  const fallback = { value: config.defaultEnvironment ?? '', from: config.defaultEnvironment ? 'the default' : '' };
  let param: string | undefined;
  try {
    param = parseParameters(env).env;
  } catch {
    return { ...fallback, problem: `${PARAMETERS_VAR} is not valid: generate will fail` };
  }
  const known = (name: string): boolean => config.environments.includes(name);
  if (param !== undefined)
    return known(param)
      ? { value: param, from: 'the "env" parameter' }
      : { ...fallback, problem: 'the "env" parameter is not one of the environments: generate will fail' };
  const fromEnv = env[ENV_VAR_STRATA_ENV];
  if (fromEnv === undefined) return fallback;
  if (known(fromEnv)) return { value: fromEnv, from: 'plugin.env STRATA_ENV' };
  return {
    ...fallback,
    problem: `plugin.env STRATA_ENV is ${fromEnv === '' ? 'empty' : 'not one of the environments'}: generate will fail`,
  };
}

/** What `strata parameters` prints for an app: the UI's form, with the environment generate would pick. */
export function announce(config: AppConfig, env: Env = {}): Announcement[] {
  const envs = config.environments.join(', ');
  const chosen = announcedEnvironment(config, env);
  const tooltip =
    `One of: ${envs}.` +
    (chosen.problem ? ` ${chosen.problem[0].toUpperCase()}${chosen.problem.slice(1)}.` : '') +
    (chosen.from && !chosen.problem ? ` Rendered: ${chosen.value} (from ${chosen.from}).` : '') +
    (config.defaultEnvironment
      ? ` Default: ${config.defaultEnvironment}.`
      : ' No default: set it here or with plugin.env STRATA_ENV.');
  return [
    {
      name: 'env',
      title: 'Environment',
      tooltip,
      required: config.defaultEnvironment === undefined && env[ENV_VAR_STRATA_ENV] === undefined,
      itemType: 'string',
      collectionType: 'string',
      // What generate renders: Argo CD never sends this back, so showing anything else would lie.
      string: chosen.value,
    },
    {
      name: 'valueFiles',
      title: 'Value files',
      tooltip: 'Extra values files after the app layers, relative to the app directory, inside the repository.',
      itemType: 'string',
      collectionType: 'array',
      array: [],
    },
    {
      name: 'values',
      title: 'Values (YAML)',
      tooltip: 'Inline YAML merged after the value files.',
      itemType: 'string',
      collectionType: 'string',
      string: '',
    },
    {
      name: 'set',
      title: 'Set',
      tooltip: '--set semantics: key is a value path (a.b[0].c), value typed like Helm.',
      itemType: 'string',
      collectionType: 'map',
      map: {},
    },
    {
      name: 'setString',
      title: 'Set (strings)',
      tooltip: 'Like set, but every value stays a string.',
      itemType: 'string',
      collectionType: 'map',
      map: {},
    },
  ];
}
