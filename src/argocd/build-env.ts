import { compareStrings } from '../core/compare.js';
import {
  CONTROL_PLANE_NAMESPACE,
  DYNAMIC_PARAMETER_VARS,
  ENV_PREFIX,
  PARAMETERS_VAR,
  type BuildVar,
  type ParameterValue,
  type PluginSource,
} from './contract.js';

// The environment the repo-server builds for a plugin command, rebuilt from an Application (local emulation
// and the conformance harness). Mirrors Argo CD's repository.go / cmpserver: same names, same escaping.

/** `ARGOCD_APP_NAME`: `<namespace>_<name>` when the Application lives outside the control-plane namespace. */
export function appName(
  name: string,
  appNamespace: string | undefined,
  controlPlane = CONTROL_PLANE_NAMESPACE,
): string {
  return appNamespace && appNamespace !== controlPlane ? `${appNamespace}_${name}` : name;
}

/**
 * `$VAR`, `${VAR}` and `$$` in a plugin.env value, against the build variables (Go's os.Expand semantics as
 * Argo CD uses them: unknown names expand to "", `$$` is a literal `$`).
 */
export function interpolate(value: string, vars: Readonly<Record<string, string>>): string {
  // Go's shell names: one special char or digit, or [A-Za-z_][A-Za-z0-9_]*; an unclosed `${` is eaten.
  // A scanner, not a regex: `${` without a closing brace must not rescan the rest of the value each time.
  const lookup = (name: string): string => (name === '$' ? '$' : Object.hasOwn(vars, name) ? vars[name] : '');
  const lastClose = value.lastIndexOf('}');
  let out = '';
  let i = 0;
  while (i < value.length) {
    const dollar = value.indexOf('$', i);
    if (dollar < 0 || dollar + 1 >= value.length) {
      out += value.slice(i);
      break;
    }
    out += value.slice(i, dollar);
    const c = value[dollar + 1];
    if (c === '$') {
      out += '$';
      i = dollar + 2;
    } else if (c === '{') {
      const close = dollar + 2 <= lastClose ? value.indexOf('}', dollar + 2) : -1;
      if (close < 0)
        i = dollar + 2; // `${` with no `}` after it: eaten, as Go does
      else {
        out += lookup(value.slice(dollar + 2, close)); // `${$}` names "$": a literal `$` in Go's os.Expand too
        i = close + 1;
      }
    } else if (/[*#@!?\-0-9]/.test(c)) {
      out += lookup(c);
      i = dollar + 2;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = dollar + 2;
      while (j < value.length && /[A-Za-z0-9_]/.test(value[j])) j++;
      out += lookup(value.slice(dollar + 1, j));
      i = j;
    } else {
      out += '$';
      i = dollar + 1;
    }
  }
  return out;
}

/**
 * Argo CD's PARAM_* name escaping: Go's strings.ToUpper (simple, one rune to one rune: `ß` stays), then every
 * rune outside [A-Z0-9_] replaced by one `_` (an emoji is one rune, not two UTF-16 units).
 */
export function escapeParamName(name: string): string {
  return Array.from(name, (ch) => {
    const up = ch.toUpperCase();
    const c = Array.from(up).length === 1 ? up : ch;
    return /^[A-Z0-9_]$/.test(c) ? c : '_';
  }).join('');
}

/** PARAM_* variables for a parameter list (collisions: the later one wins, as arbitrary as Argo CD's). */
export function paramVars(params: readonly ParameterValue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of params) {
    const base = `PARAM_${escapeParamName(p.name)}`;
    if (p.string !== undefined) out[base] = p.string;
    p.array?.forEach((v, i) => (out[`${base}_${i}`] = v));
    for (const [k, v] of Object.entries(p.map ?? {})) out[`${base}_${escapeParamName(k)}`] = v;
  }
  return out;
}

/** ARGOCD_APP_PARAMETERS as Go encodes it: keys of each object sorted, map keys sorted. */
export function encodeParameters(params: readonly ParameterValue[] | undefined): string {
  if (!params || params.length === 0) return 'null';
  const sorted = params.map((p) => {
    const o: Record<string, unknown> = {};
    if (p.array !== undefined) o.array = p.array;
    if (p.map !== undefined) o.map = Object.fromEntries(Object.entries(p.map).sort(([a], [b]) => compareStrings(a, b)));
    o.name = p.name;
    if (p.string !== undefined) o.string = p.string;
    return o;
  });
  return JSON.stringify(sorted);
}

export type BuildVars = Partial<Record<BuildVar, string>>;

/** Build variables plus, when the source has a plugin section, ARGOCD_ENV_*, ARGOCD_APP_PARAMETERS and PARAM_*. */
export function pluginCommandEnv(vars: BuildVars, plugin: PluginSource | undefined): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) base[k] = v;
  if (!plugin) return base;
  const out: Record<string, string> = { ...base };
  for (const e of plugin.env ?? []) out[`${ENV_PREFIX}${e.name}`] = interpolate(e.value ?? '', base);
  out[PARAMETERS_VAR] = encodeParameters(plugin.parameters);
  Object.assign(out, paramVars(plugin.parameters ?? []));
  return out;
}

/**
 * The environment of `parameters.dynamic`: only ARGOCD_APP_NAME, ARGOCD_APP_SOURCE_REPO_URL,
 * ARGOCD_APP_SOURCE_PATH and ARGOCD_APP_SOURCE_TARGET_REVISION, and plugin.env interpolated against those
 * alone (`$ARGOCD_APP_REVISION` is "" there), plus ARGOCD_APP_PARAMETERS and PARAM_*: argo-cd
 * reposerver/repository/repository.go populatePluginAppDetails -> getPluginParamEnvs.
 */
export function dynamicParametersEnv(vars: BuildVars, plugin: PluginSource | undefined): Record<string, string> {
  const reduced: BuildVars = {};
  for (const k of DYNAMIC_PARAMETER_VARS) if (vars[k] !== undefined) reduced[k] = vars[k];
  return pluginCommandEnv(reduced, plugin);
}
