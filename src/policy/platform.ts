import { Checker } from '../core/config.js';
import { rethrowUnlessUser, UserError } from '../core/errors.js';
import { isPlainMap } from '../core/guards.js';
import { childPath } from '../core/paths.js';
import type { Severity as FindingSeverity, Value } from '../core/types.js';
import { loadYamlFile } from '../core/yaml-load.js';
import { parseCustomRules, parseKind, type CustomRule, type KindMatch } from './custom.js';
import { RULES, type Options, type Severity } from './rules.js';

// The platform policy (docs/policy.md "Platform policy"): a Policy file the sidecar's operator names with
// STRATA_PLATFORM_POLICY. It lives outside every repository, so no repository can edit it; the entry points
// read its bytes (src/policy/platform-file.ts) and this module turns them into data. Its rules run after
// the repository's own (src/policy/platform-check.ts) with the platform's severities and options, so a
// repository can add findings (tighten) but never remove one (relax).
//
//   spec:
//     platform: { denyKinds, allowKinds, namespaces, allowClusterKinds, clusterScopedKinds }
//     rules:    { <built-in or platform custom rule>: <severity> | { severity, <option>: ... } }
//     custom:   [ CEL rules, as in strata-policy.yaml ]
//     projects: { <AppProject>: { platform, rules, custom } }   merged over the above by ARGOCD_APP_PROJECT_NAME

/** The operator setting naming the file (the sidecar container's environment; never an Application's). */
export const PLATFORM_POLICY_VAR = 'STRATA_PLATFORM_POLICY';

const SEVERITIES = ['error', 'warn', 'off'] as const;
const PLATFORM_FIELDS = ['denyKinds', 'allowKinds', 'namespaces', 'allowClusterKinds', 'clusterScopedKinds'] as const;
const BLOCK_FIELDS = ['platform', 'rules', 'custom'];

/** What one AppProject may emit and which rules it is held to. */
export interface PlatformRules {
  /** The platform file's path, named by every finding. */
  file: string;
  /** Kinds no object may have. */
  denyKinds?: KindMatch[];
  /** When set, the only kinds an object may have. */
  allowKinds?: KindMatch[];
  /** Namespaces objects may be in: the Application's destination, or a list. Unset: any. */
  namespaces?: 'destination' | string[];
  /** Cluster-scoped kinds allowed although `namespaces` is set (a cluster-scoped object has no namespace). */
  allowClusterKinds?: KindMatch[];
  /** Kinds to treat as cluster-scoped besides the built-in list and the CRDs of the render (`Kind` or `group/Kind`). */
  clusterScopedKinds?: string[];
  /** Built-in rules at the platform's severity and options (defaults for options it does not set). */
  rules: Map<string, { severity: FindingSeverity; options: Options }>;
  /** The platform's CEL rules, with their severity after `rules` (never off). */
  custom: (CustomRule & { severity: FindingSeverity })[];
}

interface Block {
  platform: Partial<Omit<PlatformRules, 'file' | 'rules' | 'custom'>>;
  /** Severity and options as written (options not set fall back to the built-in defaults). */
  rules: Map<string, { severity?: Severity; options: Options }>;
  custom: CustomRule[];
}

/** A parsed platform file: the defaults and the per-project sections. */
export interface PlatformPolicy {
  file: string;
  defaults: Block;
  projects: Map<string, Block>;
}

function severityOf(v: Checker, raw: Value | undefined, path: string): Severity {
  return raw === false ? 'off' : v.oneOf(raw, path, SEVERITIES);
}

function kinds(v: Checker, raw: Value | undefined, path: string): KindMatch[] {
  return v.list(raw, path).map((k, i) => {
    const parsed = parseKind(v.string(k, childPath(path, i)));
    if (!parsed)
      v.fail(
        childPath(path, i),
        'expected Kind, version/Kind or group/version/Kind (e.g. ClusterRoleBinding, argoproj.io/v1alpha1/Application)',
      );
    return parsed;
  });
}

function strings(v: Checker, raw: Value | undefined, path: string): string[] {
  return v.list(raw, path).map((x, i) => v.string(x, childPath(path, i)));
}

function parsePlatformSection(v: Checker, raw: Value, path: string): Block['platform'] {
  const m = v.map(raw, path, PLATFORM_FIELDS);
  const out: Block['platform'] = {};
  if (m.denyKinds !== undefined) out.denyKinds = kinds(v, m.denyKinds, childPath(path, 'denyKinds'));
  if (m.allowKinds !== undefined) out.allowKinds = kinds(v, m.allowKinds, childPath(path, 'allowKinds'));
  if (m.allowClusterKinds !== undefined)
    out.allowClusterKinds = kinds(v, m.allowClusterKinds, childPath(path, 'allowClusterKinds'));
  if (m.clusterScopedKinds !== undefined)
    out.clusterScopedKinds = strings(v, m.clusterScopedKinds, childPath(path, 'clusterScopedKinds'));
  if (m.namespaces !== undefined) {
    const np = childPath(path, 'namespaces');
    if (m.namespaces === 'destination') out.namespaces = 'destination';
    else if (Array.isArray(m.namespaces)) out.namespaces = strings(v, m.namespaces, np);
    else v.fail(np, 'expected "destination" or a list of namespaces');
  }
  return out;
}

/** One block's `rules`: the names known are the built-ins and every custom rule of the file. */
function parseRules(
  v: Checker,
  raw: Value,
  path: string,
  known: readonly string[],
  customNames: ReadonlySet<string>,
): Block['rules'] {
  const out: Block['rules'] = new Map();
  const m = v.map(raw, path, known);
  for (const [id, entry] of Object.entries(m)) {
    const rp = childPath(path, id);
    if (typeof entry === 'string' || typeof entry === 'boolean') {
      out.set(id, { severity: severityOf(v, entry, rp), options: {} });
      continue;
    }
    const specs = customNames.has(id) ? {} : RULES.get(id)!.options;
    const fields = v.map(entry, rp, ['severity', ...Object.keys(specs)]);
    const rule: { severity?: Severity; options: Options } = { options: {} };
    for (const [k, rawOpt] of Object.entries(fields)) {
      const op = childPath(rp, k);
      if (k === 'severity') {
        rule.severity = severityOf(v, rawOpt, op);
        continue;
      }
      const spec = specs[k];
      if (spec.type === 'number') {
        if (typeof rawOpt !== 'number' || !Number.isInteger(rawOpt) || rawOpt < 0)
          v.fail(op, 'expected a whole number >= 0');
        rule.options[k] = rawOpt;
      } else if (spec.type === 'boolean') rule.options[k] = v.bool(rawOpt, op);
      else {
        const list = strings(v, rawOpt, op);
        list.forEach((x, i) => {
          if (spec.allowed && !spec.allowed.includes(x))
            v.fail(childPath(op, i), `expected one of ${spec.allowed.join(', ')}`);
        });
        rule.options[k] = list;
      }
    }
    out.set(id, rule);
  }
  return out;
}

function customOf(v: Checker, block: Value | undefined, path: string, taken: Set<string>): CustomRule[] {
  if (!isPlainMap(block) || block.custom === undefined) return [];
  const rules = parseCustomRules(v, block.custom, childPath(path, 'custom'), taken, (r, p) => severityOf(v, r, p));
  for (const r of rules) taken.add(r.name);
  return rules;
}

// The last file parsed, by path and text: the warm renderer reads the file for every request (it may have
// changed: a ConfigMap update), and parsing it again, CEL rules included, only when its bytes did.
let last: { file: string; text: string; policy: PlatformPolicy } | undefined;

/**
 * Parse a platform file's bytes. Every mistake is a UserError at the file's line that says "platform policy":
 * the render must never go on without the policy it was told to apply.
 */
export function parsePlatformPolicy(file: string, bytes: Uint8Array): PlatformPolicy {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  if (last && last.file === file && last.text === text) return last.policy;
  try {
    const policy = parse(file, bytes);
    last = { file, text, policy };
    return policy;
  } catch (e) {
    rethrowUnlessUser(e);
    throw new UserError(`platform policy: ${e.head}`, e.where ?? { file }, { cause: e });
  }
}

function parse(file: string, bytes: Uint8Array): PlatformPolicy {
  const { value, positions } = loadYamlFile(bytes, file);
  const v = new Checker(file, positions);
  if (value === undefined)
    throw new UserError('the file is empty; expected a Policy (apiVersion: strata.dev/v1, kind: Policy)', { file });
  const root = v.map(value, '', ['apiVersion', 'kind', 'spec']);
  if (root.apiVersion !== 'strata.dev/v1') v.fail('.apiVersion', 'expected "strata.dev/v1"');
  if (root.kind !== 'Policy') v.fail('.kind', 'expected "Policy"');
  const spec = v.map(root.spec ?? {}, '.spec', [...BLOCK_FIELDS, 'projects']);
  // Custom rules of every section first, so any `rules` map may name any of them; names are unique in the file.
  const taken = new Set(RULES.keys());
  const defaultCustom = customOf(v, spec, '.spec', taken);
  const projectsRaw =
    spec.projects === undefined ? {} : v.map(spec.projects, '.spec.projects', Object.keys(spec.projects as object));
  const projectCustom = new Map<string, CustomRule[]>();
  for (const [name, raw] of Object.entries(projectsRaw)) {
    const pp = childPath('.spec.projects', name);
    v.map(raw, pp, BLOCK_FIELDS);
    projectCustom.set(name, customOf(v, raw, pp, taken));
  }
  const customNames = new Set([...taken].filter((n) => !RULES.has(n)));
  const known = [...taken];
  const block = (raw: Record<string, Value>, path: string, custom: CustomRule[]): Block => ({
    platform: raw.platform === undefined ? {} : parsePlatformSection(v, raw.platform, childPath(path, 'platform')),
    rules:
      raw.rules === undefined
        ? new Map<string, { severity?: Severity; options: Options }>()
        : parseRules(v, raw.rules, childPath(path, 'rules'), known, customNames),
    custom,
  });
  const projects = new Map<string, Block>();
  for (const [name, raw] of Object.entries(projectsRaw))
    projects.set(
      name,
      block(raw as Record<string, Value>, childPath('.spec.projects', name), projectCustom.get(name)!),
    );
  return { file, defaults: block(spec, '.spec', defaultCustom), projects };
}

/**
 * What an Application of `project` is held to: the defaults, then the project's section over them (each
 * `platform` field replaces the default's; `rules` entries replace theirs one by one; custom rules add up).
 * A rule is in force when its severity, after both, is not off; a custom rule's own `severity` is its start.
 */
export function platformFor(policy: PlatformPolicy, project: string | undefined): PlatformRules {
  const section = project !== undefined ? policy.projects.get(project) : undefined;
  const blocks = section ? [policy.defaults, section] : [policy.defaults];
  const out: PlatformRules = { file: policy.file, rules: new Map(), custom: [] };
  for (const b of blocks) Object.assign(out, b.platform);
  const custom = blocks.flatMap((b) => b.custom);
  const severity = new Map<string, Severity>(custom.map((c) => [c.name, c.severity]));
  const options = new Map<string, Options>();
  for (const b of blocks) {
    for (const [id, r] of b.rules) {
      // A rule named without a severity ({ min: 3 }) is enforced at error: the platform names rules to hold them.
      severity.set(id, r.severity ?? severity.get(id) ?? 'error');
      options.set(id, { ...(options.get(id) ?? {}), ...r.options });
    }
  }
  for (const [id, rule] of RULES) {
    const s = severity.get(id);
    if (s === undefined || s === 'off') continue;
    const opts: Options = {};
    for (const [k, spec] of Object.entries(rule.options))
      opts[k] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    out.rules.set(id, { severity: s, options: { ...opts, ...options.get(id) } });
  }
  for (const c of custom) {
    const s = severity.get(c.name)!;
    if (s !== 'off') out.custom.push({ ...c, severity: s });
  }
  return out;
}
