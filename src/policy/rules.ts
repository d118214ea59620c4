import type { RenderedObject } from '../core/types.js';
import type { Hint } from '../core/trace.js';
import { asList, asObj, containersOf, isDigest, parseImage, podSpecOf, type ContainerAt } from './pods.js';

// The built-in policy rules (docs/policy.md has a failing and a passing example of each). A rule is a plain
// function over one rendered object and its options; it returns hits. The policy check adds severity, the
// object's id, the template and the origin (by tracing `trace` back to the values that printed it).

export type Severity = 'error' | 'warn' | 'off';

export type OptionType = 'number' | 'boolean' | 'strings';
export type Options = Record<string, number | boolean | string[]>;

export interface Hit {
  message: string;
  /** Field path inside the object. */
  path: string;
  /** Rendered texts to trace back to a values file, tried in order (an image tag, then the whole image). */
  trace?: string | string[];
  /** Values keys that usually hold `trace` (`tag`, `host`, `replicaCount`): see src/core/trace.ts. */
  hint?: Hint;
  /** The object the finding is about, when it is not the one checked (an HPA that scales a Deployment). */
  at?: RenderedObject;
}

/** What a rule may know about the whole render besides the object it checks. */
export interface RuleContext {
  /** The HorizontalPodAutoscaler whose scaleTargetRef names this object (same namespace), if any. */
  hpaOf(o: RenderedObject): RenderedObject | undefined;
  /** Texts of the values decrypted from SOPS layers in this render (src/secrets/reveal.ts secretTexts). */
  secretTexts?: ReadonlySet<string>;
}

export interface Rule {
  id: string;
  summary: string;
  severity: Severity;
  /** Every option with its type and default; any other option name is a config error. */
  options: Record<string, { type: OptionType; default: number | boolean | string[]; allowed?: readonly string[] }>;
  check(o: RenderedObject, opts: Options, ctx: RuleContext): Hit[];
}

const RESOURCE_KEYS = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const;

function eachContainer(o: RenderedObject, fn: (c: ContainerAt) => Hit[]): Hit[] {
  const pod = podSpecOf(o.object);
  return pod ? containersOf(pod, String(o.object.kind)).flatMap(fn) : [];
}

const imageTagPinned: Rule = {
  id: 'image-tag-pinned',
  summary: 'images name a tag other than latest (or, with requireDigest, a digest)',
  severity: 'warn',
  options: { requireDigest: { type: 'boolean', default: false } },
  check: (o, opts) =>
    eachContainer(o, (c) => {
      const image = c.container.image;
      if (typeof image !== 'string' || image === '')
        return [{ message: `container "${c.name}" has no image`, path: `${c.path}.image` }];
      const ref = parseImage(image);
      const path = `${c.path}.image`;
      if (ref.digest !== undefined && !isDigest(ref.digest)) {
        return [
          {
            message: `image "${image}" of container "${c.name}" has a malformed digest (expected algorithm:hex, e.g. sha256: and 64 hex digits)`,
            path,
            trace: image,
            hint: 'image',
          },
        ];
      }
      if (opts.requireDigest && !ref.digest) {
        return [
          {
            message: `image "${image}" of container "${c.name}" is not pinned by digest (@sha256:...)`,
            path,
            ...(ref.tag ? { trace: [ref.tag, image], hint: 'tag' } : { trace: image }),
          },
        ];
      }
      if (ref.digest) return [];
      if (ref.tag === undefined || ref.tag === '')
        return [
          {
            message: `image "${image}" of container "${c.name}" has no tag (that means latest)`,
            path,
            trace: image,
            hint: 'image',
          },
        ];
      if (ref.tag === 'latest')
        return [
          {
            message: `image "${image}" of container "${c.name}" uses the tag "latest"; pin a version`,
            path,
            trace: [ref.tag, image],
            hint: 'tag',
          },
        ];
      return [];
    }),
};

const resources: Rule = {
  id: 'container-resources',
  summary: 'containers set cpu and memory requests and limits',
  severity: 'warn',
  options: { require: { type: 'strings', default: [...RESOURCE_KEYS], allowed: RESOURCE_KEYS } },
  check: (o, opts) =>
    eachContainer(o, (c) => {
      const res = asObj(c.container.resources) ?? {};
      const missing = (opts.require as string[]).filter((k) => {
        const [group, name] = k.split('.') as [string, string];
        const v = asObj(res[group])?.[name];
        return v === undefined || v === null || v === '';
      });
      return missing.length
        ? [{ message: `container "${c.name}" sets no ${missing.join(', ')}`, path: `${c.path}.resources` }]
        : [];
    }),
};

const minReplicas: Rule = {
  id: 'min-replicas',
  summary: 'Deployments and StatefulSets run at least `min` replicas (with an HPA: its minReplicas)',
  severity: 'warn',
  options: { min: { type: 'number', default: 2 } },
  check: (o, opts, ctx) => {
    if (o.object.kind !== 'Deployment' && o.object.kind !== 'StatefulSet') return [];
    // The HPA owns the replica count of its target (spec.replicas is ignored once it scales): check its floor.
    const hpa = ctx.hpaOf(o);
    if (hpa) {
      const min = asObj(hpa.object.spec)?.minReplicas ?? 1; // Kubernetes defaults minReplicas to 1
      if (typeof min !== 'number' || min >= (opts.min as number)) return [];
      return [
        {
          message: `scales ${o.object.kind}/${String(asObj(o.object.metadata)?.name)} down to ${min} replica${min === 1 ? '' : 's'}; at least ${String(opts.min)} required`,
          path: '.spec.minReplicas',
          trace: String(min),
          hint: ['minReplicas', 'min'],
          at: hpa,
        },
      ];
    }
    const spec = asObj(o.object.spec) ?? {};
    const replicas = spec.replicas === undefined ? 1 : spec.replicas;
    if (typeof replicas !== 'number' || replicas >= (opts.min as number)) return [];
    return [
      {
        message: `${replicas} replica${replicas === 1 ? '' : 's'}; at least ${String(opts.min)} required`,
        path: '.spec.replicas',
        trace: String(replicas),
        hint: ['replicaCount', 'replicas'],
      },
    ];
  },
};

const probes: Rule = {
  id: 'probes',
  summary: 'long-running containers have liveness and readiness probes',
  severity: 'warn',
  options: {
    require: { type: 'strings', default: ['liveness', 'readiness'], allowed: ['liveness', 'readiness', 'startup'] },
  },
  check: (o, opts) =>
    eachContainer(o, (c) => {
      if (!c.longRunning) return [];
      const missing = (opts.require as string[]).filter((p) => !asObj(c.container[`${p}Probe`]));
      return missing.length
        ? [{ message: `container "${c.name}" has no ${missing.map((p) => `${p}Probe`).join(', ')}`, path: c.path }]
        : [];
    }),
};

const imageRegistry: Rule = {
  id: 'image-registry',
  summary: 'images come from an allowed registry (or registry/path prefix)',
  severity: 'off',
  options: { allow: { type: 'strings', default: [] } },
  check: (o, opts) =>
    eachContainer(o, (c) => {
      const image = c.container.image;
      if (typeof image !== 'string' || image === '') return [];
      const ref = parseImage(image);
      const allow = opts.allow as string[];
      const full = ref.registry === 'docker.io' && !image.startsWith('docker.io/') ? `docker.io/${ref.name}` : ref.name;
      if (allow.some((a) => a === ref.registry || full.startsWith(a.replace(/\/+$/, '') + '/'))) return [];
      return [
        {
          message: `image "${image}" of container "${c.name}" is from ${ref.registry}, which is not allowed (allowed: ${allow.join(', ') || 'none'})`,
          path: `${c.path}.image`,
          trace: [ref.registry, image],
          hint: 'registry',
        },
      ];
    }),
};

const podSecurity: Rule = {
  id: 'pod-security',
  summary: 'containers run as non-root, unprivileged, without privilege escalation, with all capabilities dropped',
  severity: 'warn',
  options: {
    runAsNonRoot: { type: 'boolean', default: true },
    privileged: { type: 'boolean', default: true },
    allowPrivilegeEscalation: { type: 'boolean', default: true },
    dropAll: { type: 'boolean', default: true },
  },
  check: (o, opts) => {
    const pod = podSpecOf(o.object);
    if (!pod) return [];
    const podSc = asObj(pod.spec.securityContext) ?? {};
    return containersOf(pod, String(o.object.kind)).flatMap((c): Hit[] => {
      const sc = asObj(c.container.securityContext) ?? {};
      const at = `${c.path}.securityContext`;
      const hits: Hit[] = [];
      const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
      if (opts.runAsNonRoot && nonRoot !== true)
        hits.push({
          message: `container "${c.name}" may run as root: set runAsNonRoot: true`,
          path: `${at}.runAsNonRoot`,
        });
      if (opts.privileged && sc.privileged === true)
        hits.push({ message: `container "${c.name}" is privileged`, path: `${at}.privileged` });
      if (opts.allowPrivilegeEscalation && sc.allowPrivilegeEscalation !== false) {
        hits.push({
          message: `container "${c.name}" does not set allowPrivilegeEscalation: false`,
          path: `${at}.allowPrivilegeEscalation`,
        });
      }
      if (opts.dropAll && !asList(asObj(sc.capabilities)?.drop).includes('ALL')) {
        hits.push({ message: `container "${c.name}" does not drop ALL capabilities`, path: `${at}.capabilities.drop` });
      }
      return hits;
    });
  },
};

function hostCovered(host: string, tlsHosts: readonly string[]): boolean {
  return tlsHosts.some(
    (t) =>
      t === host || (t.startsWith('*.') && host.endsWith(t.slice(1)) && !host.slice(0, -t.length + 1).includes('.')),
  );
}

const ingressTls: Rule = {
  id: 'ingress-tls',
  summary: 'every Ingress host is covered by a spec.tls entry',
  severity: 'warn',
  options: {},
  check: (o) => {
    if (o.object.kind !== 'Ingress') return [];
    const spec = asObj(o.object.spec) ?? {};
    const tlsHosts = asList(spec.tls)
      .flatMap((t) => asList(asObj(t)?.hosts))
      .map(String);
    return asList(spec.rules).flatMap((r, i): Hit[] => {
      const host = asObj(r)?.host;
      if (typeof host !== 'string' || host === '' || hostCovered(host, tlsHosts)) return [];
      return [
        {
          message: `host "${host}" is served without TLS: list it in spec.tls[].hosts`,
          path: `.spec.rules[${i}].host`,
          trace: host,
          hint: 'host',
        },
      ];
    });
  },
};

/** Every built-in rule, by id, in the order findings are reported. */
// Shorter decrypted texts (a port, `true`) are not searched: they would match unrelated fields.
const SECRET_MIN_LENGTH = 6;

/** String fields of `v` (path, text), skipping a core Secret's own data and stringData. */
function stringFields(v: unknown, path: string, skipSecretData: boolean, out: [string, string][]): void {
  if (typeof v === 'string') out.push([path, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => stringFields(x, `${path}[${i}]`, false, out));
  else if (asObj(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (skipSecretData && (k === 'data' || k === 'stringData')) continue;
      stringFields(
        x,
        /^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`,
        false,
        out,
      );
    }
  }
}

const secretsInSecrets: Rule = {
  id: 'secrets-in-secrets',
  summary: "values decrypted from SOPS layers are rendered only into a Secret's data or stringData",
  severity: 'warn',
  options: {},
  check: (o, _opts, ctx) => {
    const texts = [...(ctx.secretTexts ?? [])].filter((t) => t.length >= SECRET_MIN_LENGTH);
    if (!texts.length) return [];
    const isSecret = o.object.kind === 'Secret' && o.object.apiVersion === 'v1';
    const fields: [string, string][] = [];
    stringFields(o.object, '', isSecret, fields);
    const hits: Hit[] = [];
    for (const [path, s] of fields) {
      const t = texts.find((x) => s.includes(x));
      // The message names the field, never the text: it is a secret.
      if (t !== undefined)
        hits.push({
          message: `a value decrypted from a SOPS layer is rendered into ${path} of a ${String(o.object.kind)}, outside a Secret's data/stringData`,
          path,
          trace: t,
        });
    }
    return hits;
  },
};

export const RULES: ReadonlyMap<string, Rule> = new Map(
  [imageTagPinned, resources, minReplicas, probes, imageRegistry, podSecurity, ingressTls, secretsInSecrets].map(
    (r) => [r.id, r],
  ),
);
