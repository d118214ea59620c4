import type { Check, CheckInput } from '../core/render.js';
import type { Finding, RenderedObject, Severity } from '../core/types.js';
import { objectId } from '../core/kinds.js';
import { resolvePolicy } from './config.js';
import { customFindings } from './custom-check.js';
import { reportedByPlatform } from './platform-reported.js';
import { RULES, type Options, type RuleContext } from './rules.js';
import { toText } from '../core/guards.js';
import { secretTexts } from '../core/secret-values.js';

/**
 * The per-environment policy as a check: resolve the rules in force for the app and environment, run each
 * enabled rule over every object, and name the values file:line behind a finding where it can be traced.
 * The platform policy (platform-check.ts) runs before it in the same render and cannot be relaxed by it.
 */
export function policyCheck(): Check {
  return (input) => {
    const policy = resolvePolicy(input.fs, input.config, input.env, input.caches.parsed);
    const out: Finding[] = [];
    const ctx = { ...ruleContext(input.objects), secretTexts: secretTexts(input.merged) };
    for (const [id, eff] of policy) {
      if (eff.severity === 'off') continue;
      if (eff.custom) {
        out.push(...customFindings(eff.custom, eff.severity, input));
        continue;
      }
      out.push(...ruleFindings(id, eff.options, eff.severity, input, ctx));
    }
    // A finding the platform policy's check reported already (same rule, object, path and message, at least as
    // severe) is its to show: the platform's line names the platform file (src/policy/platform-check.ts).
    return out.filter((f) => !reportedByPlatform(input.objects, f));
  };
}

/**
 * One built-in rule over every object, as findings at `severity`, each naming the values file:line behind it
 * where it can be traced. The repository's policy and the platform's (platform-check.ts) both run rules so.
 */
export function ruleFindings(
  id: string,
  options: Options,
  severity: Severity,
  input: CheckInput,
  ctx: RuleContext,
): Finding[] {
  const out: Finding[] = [];
  const rule = RULES.get(id)!;
  for (const ro of input.objects) {
    for (const hit of rule.check(ro, options, ctx)) {
      const at = hit.at ?? ro;
      const origin = input.tracer.first(at.template, hit.trace ?? [], hit.hint);
      out.push({
        severity,
        rule: id,
        message: hit.message,
        object: objectId(at.object),
        template: at.template,
        path: hit.path,
        ...(origin ? { origin } : {}),
      });
    }
  }
  return out;
}

function meta(o: RenderedObject): { name?: unknown; namespace?: unknown } {
  const m = o.object.metadata;
  return typeof m === 'object' && m !== null ? m : {};
}

/** HPAs by the object they scale (scaleTargetRef: apiVersion, kind, name; same namespace), built on first use. */
export function ruleContext(objects: readonly RenderedObject[]): RuleContext {
  let targets: Map<string, RenderedObject> | undefined;
  const key = (ns: unknown, apiVersion: unknown, kind: unknown, name: unknown): string =>
    `${toText(ns ?? '')}\0${toText(apiVersion)}\0${toText(kind)}\0${toText(name)}`;
  return {
    hpaOf(o) {
      if (!targets) {
        targets = new Map();
        for (const h of objects) {
          if (h.object.kind !== 'HorizontalPodAutoscaler' || !String(h.object.apiVersion).startsWith('autoscaling/'))
            continue;
          const spec = h.object.spec as Record<string, unknown> | undefined;
          const ref = spec?.scaleTargetRef as Record<string, unknown> | undefined;
          if (ref) targets.set(key(meta(h).namespace, ref.apiVersion, ref.kind, ref.name), h);
        }
      }
      if (targets.size === 0) return undefined;
      return targets.get(key(meta(o).namespace, o.object.apiVersion, o.object.kind, meta(o).name));
    },
  };
}
