import type { Check } from '../core/render.js';
import type { Finding } from '../core/types.js';
import { objectId } from '../validate/kube-schema.js';
import { traceValue } from '../validate/trace.js';
import { resolvePolicy } from './config.js';
import { RULES } from './rules.js';

/**
 * The per-environment policy as a check: resolve the rules in force for the app and environment, run each
 * enabled rule over every object, and name the values file:line behind a finding where it can be traced.
 */
export function policyCheck(): Check {
  return (input) => {
    const policy = resolvePolicy(input.fs, input.config, input.env, input.caches.parsed);
    const out: Finding[] = [];
    for (const [id, eff] of policy) {
      if (eff.severity === 'off') continue;
      const rule = RULES.get(id)!;
      for (const ro of input.objects) {
        for (const hit of rule.check(ro, eff.options)) {
          const origin = hit.trace ? traceValue(input, ro.template, hit.trace, hit.hint) : undefined;
          out.push({
            severity: eff.severity,
            rule: id,
            message: hit.message,
            object: objectId(ro.object),
            template: ro.template,
            path: hit.path,
            ...(origin ? { origin } : {}),
          });
        }
      }
    }
    return out;
  };
}
