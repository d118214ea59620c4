import { type AppConfig, Checker } from '../core/config.js';
import { dirname, joinPath, type ReadOnlyFs } from '../core/fs.js';
import { childPath } from '../core/paths.js';
import type { Value } from '../core/types.js';
import { ParseCache } from '../core/layers.js';
import { RULES, type Options, type Severity } from './rules.js';

// Policy configuration (docs/policy.md). One block shape, used at four levels, later wins:
//   built-in defaults -> repo file spec -> repo file spec.environments[env] -> strata.yaml spec.policy
//   -> spec.policy.environments[env]
// A block:  { severity?: error|warn|off, rules?: { <rule>: <severity> | { severity?, <option>: ... } },
//             environments?: { <env>: { severity?, rules? } } }
// A block's `severity` applies to every rule still enabled at that point; `rules` then sets single rules.

export const POLICY_FILE = 'strata-policy.yaml';
const SEVERITIES = ['error', 'warn', 'off'] as const;

export interface EffectiveRule {
  severity: Severity;
  options: Options;
}

export type EffectivePolicy = Map<string, EffectiveRule>;

export function defaultPolicy(): EffectivePolicy {
  const out: EffectivePolicy = new Map();
  for (const [id, rule] of RULES) {
    const options: Options = {};
    for (const [k, spec] of Object.entries(rule.options)) options[k] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    out.set(id, { severity: rule.severity, options });
  }
  return out;
}

/** A severity: `error`, `warn`, `"off"`, or `false` (strata's YAML loader refuses a bare `off`: YAML 1.1 reads it as false). */
function severityOf(v: Checker, raw: Value | undefined, path: string): Severity {
  return raw === false ? 'off' : v.oneOf(raw, path, SEVERITIES);
}

/** Apply one policy block (at `path` in `file`) to `policy`, validating it. */
function applyBlock(policy: EffectivePolicy, block: Value, v: Checker, path: string, withEnvs: boolean): void {
  const m = v.map(block, path, withEnvs ? ['severity', 'rules', 'environments'] : ['severity', 'rules']);
  if (m.severity !== undefined) {
    const s = severityOf(v, m.severity, childPath(path, 'severity'));
    for (const r of policy.values()) if (r.severity !== 'off') r.severity = s;
  }
  if (m.rules === undefined) return;
  const rulesPath = childPath(path, 'rules');
  const rules = v.map(m.rules, rulesPath, [...RULES.keys()]);
  for (const [id, entry] of Object.entries(rules)) {
    const rp = childPath(rulesPath, id);
    const rule = RULES.get(id)!;
    const eff = policy.get(id)!;
    if (typeof entry === 'string' || typeof entry === 'boolean') {
      eff.severity = severityOf(v, entry, rp);
      continue;
    }
    const opts = v.map(entry, rp, ['severity', ...Object.keys(rule.options)]);
    for (const [k, raw] of Object.entries(opts)) {
      const op = childPath(rp, k);
      if (k === 'severity') {
        eff.severity = severityOf(v, raw, op);
        continue;
      }
      const spec = rule.options[k]!;
      if (spec.type === 'number') {
        if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0) v.fail(op, `expected a whole number >= 0, found ${JSON.stringify(raw)}`);
        eff.options[k] = raw;
      } else if (spec.type === 'boolean') {
        eff.options[k] = v.bool(raw, op);
      } else {
        const list = v.list(raw, op).map((x, i) => v.string(x, childPath(op, i)));
        list.forEach((x, i) => {
          if (spec.allowed && !spec.allowed.includes(x)) v.fail(childPath(op, i), `"${x}" is not one of ${spec.allowed.join(', ')}`);
        });
        eff.options[k] = list;
      }
    }
  }
}

/** Apply a top-level block and then its `environments[env]` block. */
function applyWithEnv(policy: EffectivePolicy, block: Value, v: Checker, path: string, env: string, knownEnvs?: readonly string[]): void {
  applyBlock(policy, block, v, path, true);
  const envs = (block as Record<string, Value>).environments;
  if (envs === undefined) return;
  const envsPath = childPath(path, 'environments');
  const m = v.map(envs, envsPath, knownEnvs ?? Object.keys(envs as object));
  if (m[env] !== undefined) applyBlock(policy, m[env], v, childPath(envsPath, env), false);
}

/** The nearest strata-policy.yaml from the app directory up to the repository root, or undefined. */
export function findPolicyFile(fs: ReadOnlyFs, appDir: string): string | undefined {
  for (let d = appDir; ; d = dirname(d)) {
    const f = joinPath(d, POLICY_FILE);
    if (fs.stat(f) === 'file') return f;
    if (d === '') return undefined;
  }
}

/** The rules in force for an app in an environment, with their options. Throws UserError on a bad config. */
export function resolvePolicy(fs: ReadOnlyFs, config: AppConfig, env: string, cache: ParseCache = new ParseCache()): EffectivePolicy & { file?: string } {
  const policy: EffectivePolicy & { file?: string } = defaultPolicy();
  const file = findPolicyFile(fs, config.dir);
  if (file) {
    policy.file = file;
    const { value, positions } = cache.load(fs, file);
    const v = new Checker(file, positions);
    const root = v.map(value ?? {}, '', ['apiVersion', 'kind', 'spec']);
    if (root.apiVersion !== 'strata.dev/v1') v.fail('.apiVersion', `expected "strata.dev/v1", found ${JSON.stringify(root.apiVersion ?? null)}`);
    if (root.kind !== 'Policy') v.fail('.kind', `expected "Policy", found ${JSON.stringify(root.kind ?? null)}`);
    if (root.spec !== undefined) applyWithEnv(policy, root.spec, v, '.spec', env);
  }
  if (config.policy !== undefined) {
    applyWithEnv(policy, config.policy, new Checker(config.file, config.positions), '.spec.policy', env, config.environments);
  }
  return policy;
}
