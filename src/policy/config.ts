import { type AppConfig, Checker } from '../core/config.js';
import { UserError } from '../core/errors.js';
import { dirname, joinPath, resolvePath, type ReadOnlyFs } from '../core/fs.js';
import { childPath } from '../core/paths.js';
import type { Value } from '../core/types.js';
import { ParseCache } from '../core/parse-cache.js';
import { parseCustomRules, type CustomRule } from './custom.js';
import { RULES, type Options, type Severity } from './rules.js';
import { isPlainMap } from '../core/guards.js';

// Policy configuration (docs/policy.md). One block shape, used at four levels, later wins:
//   built-in defaults -> repo file spec -> repo file spec.environments[env] -> strata.yaml spec.policy
//   -> spec.policy.environments[env]
// A block:  { severity?: error|warn|off, rules?: { <rule>: <severity> | { severity?, <option>: ... } },
//             environments?: { <env>: { severity?, rules? } } }
// A block's `severity` applies to every rule still enabled at that point; `rules` then sets single rules.
// The top-level blocks also define custom rules (`custom`, src/policy/custom.ts), known to every block, and
// the repo file lists CRD files (`schemas`, read by src/validate/crd.ts).

export const POLICY_FILE = 'strata-policy.yaml';
/**
 * `spec.policy.repository: none` in strata.yaml: the app declares that no repository policy file applies to it,
 * so a partial tree (Argo CD's manifest-generate-paths) may render without one. Where a strata-policy.yaml does
 * apply, the declaration is an error: it can never switch a repository policy off.
 */
export const NO_REPOSITORY_POLICY = 'none';
const SEVERITIES = ['error', 'warn', 'off'] as const;

export interface EffectiveRule {
  severity: Severity;
  options: Options;
  /** Set for a custom rule (no options, only a severity). */
  custom?: CustomRule;
}

export type EffectivePolicy = Map<string, EffectiveRule>;

/** What the policy file and the app's spec.policy resolve to for one environment. */
export type ResolvedPolicy = EffectivePolicy & { file?: string };

export function defaultPolicy(): EffectivePolicy {
  const out: EffectivePolicy = new Map();
  for (const [id, rule] of RULES) {
    const options: Options = {};
    for (const [k, spec] of Object.entries(rule.options))
      options[k] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    out.set(id, { severity: rule.severity, options });
  }
  return out;
}

/** A severity: `error`, `warn`, `"off"`, or `false` (strata's YAML loader refuses a bare `off`: YAML 1.1 reads it as false). */
function severityOf(v: Checker, raw: Value | undefined, path: string): Severity {
  return raw === false ? 'off' : v.oneOf(raw, path, SEVERITIES);
}

/** Apply one policy block (at `path` in `file`) to `policy`, validating it. */
function applyBlock(policy: EffectivePolicy, block: Value, v: Checker, path: string, topKeys: readonly string[]): void {
  const m = v.map(block, path, ['severity', 'rules', ...topKeys]);
  if (m.severity !== undefined) {
    const s = severityOf(v, m.severity, childPath(path, 'severity'));
    for (const r of policy.values()) if (r.severity !== 'off') r.severity = s;
  }
  if (m.rules === undefined) return;
  const rulesPath = childPath(path, 'rules');
  const rules = v.map(m.rules, rulesPath, [...policy.keys()]);
  for (const [id, entry] of Object.entries(rules)) {
    const rp = childPath(rulesPath, id);
    const eff = policy.get(id)!;
    const options = eff.custom ? {} : RULES.get(id)!.options;
    if (typeof entry === 'string' || typeof entry === 'boolean') {
      eff.severity = severityOf(v, entry, rp);
      continue;
    }
    const opts = v.map(entry, rp, ['severity', ...Object.keys(options)]);
    for (const [k, raw] of Object.entries(opts)) {
      const op = childPath(rp, k);
      if (k === 'severity') {
        eff.severity = severityOf(v, raw, op);
        continue;
      }
      const spec = options[k];
      if (spec.type === 'number') {
        if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0)
          v.fail(op, `expected a whole number >= 0, found ${JSON.stringify(raw)}`);
        eff.options[k] = raw;
      } else if (spec.type === 'boolean') {
        eff.options[k] = v.bool(raw, op);
      } else {
        const list = v.list(raw, op).map((x, i) => v.string(x, childPath(op, i)));
        list.forEach((x, i) => {
          if (spec.allowed && !spec.allowed.includes(x))
            v.fail(childPath(op, i), `"${x}" is not one of ${spec.allowed.join(', ')}`);
        });
        eff.options[k] = list;
      }
    }
  }
}

/** Apply a top-level block and then its `environments[env]` block. */
function applyWithEnv(
  policy: EffectivePolicy,
  block: Value,
  v: Checker,
  path: string,
  env: string,
  topKeys: readonly string[],
  knownEnvs?: readonly string[],
): void {
  applyBlock(policy, block, v, path, ['environments', ...topKeys]);
  const envs = (block as Record<string, Value>).environments;
  if (envs === undefined) return;
  const envsPath = childPath(path, 'environments');
  const m = v.map(envs, envsPath, knownEnvs ?? Object.keys(envs as object));
  if (m[env] !== undefined) applyBlock(policy, m[env], v, childPath(envsPath, env), []);
}

/** The nearest strata-policy.yaml from the app directory up to the repository root, or undefined. */
export function findPolicyFile(fs: ReadOnlyFs, appDir: string): string | undefined {
  for (let d = appDir; ; d = dirname(d)) {
    const f = joinPath(d, POLICY_FILE);
    if (fs.stat(f) === 'file') return f;
    if (d === '') return undefined;
  }
}

interface PolicyFile {
  file: string;
  checker: Checker;
  spec?: Value;
}

/** Whether strata.yaml says `spec.policy.repository: none` (validated: `none` is the only value). */
export function declaresNoRepositoryPolicy(config: AppConfig): boolean {
  const block = config.policy;
  if (!isPlainMap(block) || block.repository === undefined) return false;
  const v = new Checker(config.file, config.positions);
  if (block.repository !== NO_REPOSITORY_POLICY)
    v.fail(
      '.spec.policy.repository',
      `expected "${NO_REPOSITORY_POLICY}" (the only value: the app has no repository policy)`,
    );
  return true;
}

/** Where a partial tree's root lies in the repository, when known (repo-relative, "" for the root). */
export interface PartialTree {
  rootPath?: string;
}

/**
 * The fail-closed rule of a partial tree: when Argo CD sent only part of the repository and no strata-policy.yaml
 * is in it, the repository's `error` rules would silently not apply, so the render stops unless the app declares
 * it has no repository policy. The fix names the annotation entry to add: the policy file's path from the
 * repository root, which widens the root whatever its place in the list (a file entry always branches off).
 */
export function requireRepositoryPolicy(fs: ReadOnlyFs, config: AppConfig, partial: PartialTree): void {
  if (declaresNoRepositoryPolicy(config) || findPolicyFile(fs, config.dir) !== undefined) return;
  const from =
    partial.rootPath === undefined
      ? 'part of the repository'
      : partial.rootPath === ''
        ? 'the repository'
        : `only ${partial.rootPath}/`;
  const candidates = partial.rootPath
    ? ancestors(partial.rootPath).map((d) => `/${d ? d + '/' : ''}${POLICY_FILE}`)
    : [`/${POLICY_FILE}`];
  throw new UserError(
    `Argo CD sent ${from} (argocd.argoproj.io/manifest-generate-paths) and no ${POLICY_FILE} is in it, so the repository policy would be skipped; ` +
      `add the policy file's path from the repository root (${candidates.join(' or ')}) to that annotation, or set spec.policy.repository: ${NO_REPOSITORY_POLICY} in strata.yaml if no policy applies`,
    { file: config.file },
  );
}

/** The folders above a repo-relative folder, nearest first, ending with the root (""). */
function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dirname(dir); ; d = dirname(d)) {
    out.push(d);
    if (d === '') return out;
  }
}

/** The repo-wide policy file of an app, its header checked; undefined when there is none. */
function loadPolicyFile(fs: ReadOnlyFs, config: AppConfig, cache: ParseCache): PolicyFile | undefined {
  const file = findPolicyFile(fs, config.dir);
  if (!file) return undefined;
  const { value, positions } = cache.load(fs, file);
  const v = new Checker(file, positions);
  const root = v.map(value ?? {}, '', ['apiVersion', 'kind', 'spec']);
  if (root.apiVersion !== 'strata.dev/v1')
    v.fail('.apiVersion', `expected "strata.dev/v1", found ${JSON.stringify(root.apiVersion ?? null)}`);
  if (root.kind !== 'Policy') v.fail('.kind', `expected "Policy", found ${JSON.stringify(root.kind ?? null)}`);
  return { file, checker: v, ...(root.spec !== undefined ? { spec: root.spec } : {}) };
}

// Parsed custom rules by their list as loaded and the names taken before them: a render --all, and the warm
// renderer across requests, parse a policy file's rules once. Keyed by content: the list object is the parse
// cache's value for one path and one sequence of bytes (src/core/parse-cache.ts returns the same object only
// while both are unchanged), and the rules also depend on the file (messages), the YAML path of the list and
// the names already taken, which the inner key holds (docs/caches.md).
const parsedCustom = new WeakMap<object, Map<string, CustomRule[]>>();

function addCustom(policy: EffectivePolicy, v: Checker, block: Value, path: string): void {
  const raw = isPlainMap(block) ? block.custom : undefined;
  if (raw === undefined) return;
  const taken = new Set(policy.keys());
  const key = `${v.file}\0${path}\0${[...taken].join('\0')}`;
  const memo = typeof raw === 'object' && raw !== null ? parsedCustom.get(raw) : undefined;
  let rules = memo?.get(key);
  if (!rules) {
    rules = parseCustomRules(v, raw, childPath(path, 'custom'), taken, (r, p) => severityOf(v, r, p));
    if (typeof raw === 'object' && raw !== null) {
      if (!parsedCustom.has(raw)) parsedCustom.set(raw, new Map());
      parsedCustom.get(raw)!.set(key, rules);
    }
  }
  for (const rule of rules) policy.set(rule.name, { severity: rule.severity, options: {}, custom: rule });
}

/** The rules in force for an app in an environment, with their options. Throws UserError on a bad config. */
export function resolvePolicy(
  fs: ReadOnlyFs,
  config: AppConfig,
  env: string,
  cache: ParseCache = new ParseCache(),
): ResolvedPolicy {
  const policy: ResolvedPolicy = defaultPolicy();
  const repo = loadPolicyFile(fs, config, cache);
  const app = config.policy !== undefined ? new Checker(config.file, config.positions) : undefined;
  // Custom rules first, from both files: any block may set the severity of any of them.
  if (repo?.spec !== undefined) addCustom(policy, repo.checker, repo.spec, '.spec');
  if (app) addCustom(policy, app, config.policy!, '.spec.policy');
  if (repo) {
    policy.file = repo.file;
    if (repo.spec !== undefined) applyWithEnv(policy, repo.spec, repo.checker, '.spec', env, ['custom', 'schemas']);
  }
  if (app) {
    if (declaresNoRepositoryPolicy(config) && repo)
      app.fail(
        '.spec.policy.repository',
        `says the app has no repository policy, but ${repo.file} applies to it; remove the field`,
      );
    applyWithEnv(policy, config.policy!, app, '.spec.policy', env, ['custom', 'repository'], config.environments);
  }
  return policy;
}

/**
 * The CRD files and folders named by the repo policy file's `spec.schemas`, repo-relative (resolved against
 * the policy file's folder; none may leave the repository). Empty when there is no file or no list.
 */
export function policySchemaPaths(
  fs: ReadOnlyFs,
  config: AppConfig,
  cache: ParseCache,
): { file: string; paths: { path: string; at: string }[] } | undefined {
  const repo = loadPolicyFile(fs, config, cache);
  const spec = repo?.spec;
  if (!repo || !isPlainMap(spec) || spec.schemas === undefined) return undefined;
  const v = repo.checker;
  const paths = v.list(spec.schemas, '.spec.schemas').map((raw, i) => {
    const at = `.spec.schemas[${i}]`;
    const rel = v.string(raw, at);
    try {
      return { path: resolvePath(dirname(repo.file), rel, repo.file), at };
    } catch (e) {
      return v.fail(at, (e as Error).message);
    }
  });
  return { file: repo.file, paths };
}
