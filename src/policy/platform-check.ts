import { toText } from '../core/guards.js';
import { crdClusterScopedKinds, groupOf, isClusterScoped, objectId } from '../core/kinds.js';
import type { Check } from '../core/render.js';
import type { Finding, Severity } from '../core/types.js';
import { ruleContext, ruleFindings } from './check.js';
import { defaultPolicy, resolvePolicy } from './config.js';
import { customFindings } from './custom-check.js';
import { kindMatches, type KindMatch } from './custom.js';
import type { PlatformRules } from './platform.js';
import { findingKey, recordPlatformFindings, SEVERITY_RANK } from './platform-reported.js';

// The platform policy as a check (docs/policy.md "Platform policy"). It runs before the repository's policy
// check and records what it reported (platform-reported.ts), so that check drops the same finding rather than
// list it twice: the platform's line, naming the platform file, is the one kept. Nothing a repository writes reaches
// this check
// except through the rendered objects: the repository's policy is read only to warn that a setting of it is
// overridden.

export interface PlatformCheckOptions {
  /**
   * The Application's destination namespace (ARGOCD_APP_NAMESPACE; "" when it names none). Absent in local
   * runs (`render`, `lint`): the render's namespace (`--namespace`, else strata.yaml's) stands in for it.
   */
  destination?: string;
}

function kindList(kinds: readonly KindMatch[]): string {
  return kinds.map((k) => (k.apiVersion ? `${k.apiVersion}/${k.kind}` : k.kind)).join(', ') || 'none';
}

export function platformCheck(p: PlatformRules, opts: PlatformCheckOptions = {}): Check {
  const source = `platform policy (${p.file})`;
  const ask = 'ask your platform team';
  return (input) => {
    const out: Finding[] = [];
    const keys = new Map<string, Severity>();
    const destination = opts.destination ?? input.namespace;
    const clusterScoped = new Set([
      ...crdClusterScopedKinds(input.objects.map((o) => o.object)),
      ...(p.clusterScopedKinds ?? []),
    ]);
    const allowedNs = p.namespaces === 'destination' ? (destination ? [destination] : []) : (p.namespaces ?? []);
    const nsText =
      p.namespaces === 'destination'
        ? destination
          ? `the destination namespace "${destination}"`
          : 'the destination namespace'
        : allowedNs.map((n) => `"${n}"`).join(', ');

    for (const ro of input.objects) {
      const api = toText(ro.object.apiVersion);
      const kind = toText(ro.object.kind);
      const matches = (list: readonly KindMatch[] | undefined): boolean =>
        list?.some((k) => kindMatches(k, api, kind)) ?? false;
      const finding = (rule: string, path: string, message: string): Finding => ({
        severity: 'error',
        rule,
        message: `${source}: ${message}; ${ask}`,
        object: objectId(ro.object, clusterScoped),
        template: ro.template,
        path,
      });
      if (p.allowKinds && !matches(p.allowKinds)) {
        out.push(
          finding(
            'platform-kinds',
            '.kind',
            `kind ${kind} is not allowed for this app (allowed: ${kindList(p.allowKinds)})`,
          ),
        );
        continue; // one reason per object: where a refused kind would go adds nothing
      }
      if (matches(p.denyKinds)) {
        out.push(finding('platform-kinds', '.kind', `kind ${kind} is not allowed for this app`));
        continue;
      }
      if (p.namespaces === undefined) continue;
      if (isClusterScoped(kind, clusterScoped, groupOf(api))) {
        if (!matches(p.allowClusterKinds))
          out.push(
            finding(
              'platform-namespaces',
              '.kind',
              `${kind} is cluster-scoped, and this app may create objects only in ${nsText}`,
            ),
          );
        continue;
      }
      const meta = ro.object.metadata as Record<string, unknown> | undefined;
      // An object without a namespace is created in the Application's destination (Argo CD's default).
      const ns = typeof meta?.namespace === 'string' && meta.namespace !== '' ? meta.namespace : destination;
      if (p.namespaces === 'destination' && destination === '')
        out.push(
          finding(
            'platform-namespaces',
            '.metadata.namespace',
            'the Application names no destination namespace, and this app may create objects only in it',
          ),
        );
      else if (!ns)
        out.push(
          finding(
            'platform-namespaces',
            '.metadata.namespace',
            `the object has no namespace and the Application names no destination; this app may create objects only in ${nsText}`,
          ),
        );
      else if (!allowedNs.includes(ns))
        out.push(
          finding(
            'platform-namespaces',
            '.metadata.namespace',
            `namespace "${ns}" is not allowed for this app (allowed: ${nsText})`,
          ),
        );
    }

    // The platform's rules, run with its own options whatever the repository's policy says of them.
    const ctx = ruleContext(input.objects);
    for (const [id, eff] of p.rules) {
      for (const f of ruleFindings(id, eff.options, eff.severity, input, ctx)) {
        keys.set(findingKey(f), eff.severity);
        out.push({ ...f, message: `${source}: ${f.message}` });
      }
    }
    for (const rule of p.custom) {
      for (const f of customFindings(rule, rule.severity, input))
        out.push({ ...f, message: `${source}: ${f.message}` });
    }

    // A repository setting below the platform's severity is overridden, not an error: say so once per render,
    // so the team sees that its "off" does nothing. Only settings that differ from the built-in default count.
    const repo = resolvePolicy(input.fs, input.config, input.env, input.caches.parsed);
    const defaults = defaultPolicy();
    for (const [id, eff] of p.rules) {
      const theirs = repo.get(id)?.severity ?? 'off';
      if (theirs === defaults.get(id)?.severity || SEVERITY_RANK[theirs] >= SEVERITY_RANK[eff.severity]) continue;
      out.push({
        severity: 'warn',
        rule: 'platform-policy',
        message: `${id} is "${theirs}" in the repository's policy, below the platform policy's "${eff.severity}" (${p.file}); the platform's applies`,
        template: repo.file ?? input.config.file,
      });
    }
    recordPlatformFindings(input.objects, keys);
    return out;
  };
}
