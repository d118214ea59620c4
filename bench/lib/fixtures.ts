import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Values } from '../../src/core/types.js';

// Inputs the benchmark writes to a temp dir: an equivalent kustomize overlay of plate-api, a large generated
// GitOps repository, and a large values tree in layers.

export const PLATE = join(__dirname, '..', '..', 'examples', 'plate');
export const PLATE_API = 'helm/applications/plate-api';

/** What Argo CD's repo-server gives `strata generate` for plate-api-prod (docs/argocd.md), for the generate rows. */
export const PLATE_API_ARGOCD_ENV: Readonly<Record<string, string>> = {
  ARGOCD_APP_NAME: 'plate-api-prod',
  ARGOCD_APP_NAMESPACE: 'plate',
  ARGOCD_APP_PROJECT_NAME: 'default',
  ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
  ARGOCD_APP_REVISION_SHORT: '0123456',
  ARGOCD_APP_REVISION_SHORT_8: '01234567',
  ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example.com/plate.git',
  ARGOCD_APP_SOURCE_PATH: PLATE_API,
  ARGOCD_APP_SOURCE_TARGET_REVISION: 'HEAD',
  ARGOCD_APP_PARAMETERS: '[{"name":"env","string":"prod"}]',
  KUBE_VERSION: '1.30.11',
  KUBE_API_VERSIONS: 'apps/v1,autoscaling/v2,networking.k8s.io/v1,policy/v1,v1',
};

type Obj = Record<string, any>;

/**
 * A kustomize base + prod overlay that produces what `strata render --env prod` produces for plate-api's
 * Deployment, Service, Ingress and HPA: the base holds the objects without strata's labels, the stg tag and
 * one replica; the overlay adds the labels (selectors included), the namespace, the prod tag and replica
 * count, and patches the Ingress host and the HPA bounds. Built from strata's own JSON output so both tools
 * handle the same objects. Returns the overlay directory.
 */
export function writeKustomizeOverlay(dir: string, rendered: { items: Obj[] }): string {
  const want = new Set(['Deployment', 'Service', 'Ingress', 'HorizontalPodAutoscaler']);
  const objs = rendered.items.filter((o) => want.has(o.kind)).map((o) => structuredClone(o));
  const labels: Record<string, string> = { ...objs[0].metadata.labels };
  const strip = (o: Obj): void => {
    delete o.metadata.labels;
    delete o.metadata.namespace;
  };
  const files: string[] = [];
  for (const o of objs) {
    strip(o);
    if (o.kind === 'Deployment') {
      o.spec.replicas = 1;
      delete o.spec.selector;
      delete o.spec.template.metadata.labels;
      const c = o.spec.template.spec.containers[0];
      c.image = c.image.replace(/:[^:]+$/, ':2.15.0-rc.1');
    }
    if (o.kind === 'Service') delete o.spec.selector;
    if (o.kind === 'Ingress') {
      o.spec.tls[0].hosts = ['api.stg.plate.example.com'];
      o.spec.rules[0].host = 'api.stg.plate.example.com';
    }
    if (o.kind === 'HorizontalPodAutoscaler') Object.assign(o.spec, { minReplicas: 1, maxReplicas: 3 });
    const f = `${o.kind.toLowerCase()}.yaml`;
    files.push(f);
    mkdirSync(join(dir, 'base'), { recursive: true });
    writeFileSync(join(dir, 'base', f), stringify(o));
  }
  writeFileSync(
    join(dir, 'base', 'kustomization.yaml'),
    stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: files }),
  );
  const overlay = join(dir, 'overlays', 'prod');
  mkdirSync(overlay, { recursive: true });
  const image = objs
    .find((o) => o.kind === 'Deployment')!
    .spec.template.spec.containers[0].image.replace(/:[^:]+$/, '');
  const selectorKeys = ['app.kubernetes.io/name', 'app.kubernetes.io/instance'];
  const selector = Object.fromEntries(selectorKeys.map((k) => [k, labels[k]]));
  const rest = Object.fromEntries(Object.entries(labels).filter(([k]) => !selectorKeys.includes(k)));
  writeFileSync(
    join(overlay, 'kustomization.yaml'),
    stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: 'plate',
      resources: ['../../base'],
      labels: [
        { pairs: selector, includeSelectors: true, includeTemplates: true },
        { pairs: rest, includeSelectors: false },
      ],
      images: [{ name: image, newTag: '2.14.3' }],
      replicas: [{ name: 'plate-api', count: 3 }],
      patches: [
        {
          target: { kind: 'Ingress', name: 'plate-api' },
          patch: stringify([
            { op: 'replace', path: '/spec/tls/0/hosts/0', value: 'api.plate.example.com' },
            { op: 'replace', path: '/spec/rules/0/host', value: 'api.plate.example.com' },
          ]),
        },
        {
          patch: stringify({
            apiVersion: 'autoscaling/v2',
            kind: 'HorizontalPodAutoscaler',
            metadata: { name: 'plate-api' },
            spec: { minReplicas: 3, maxReplicas: 10 },
          }),
        },
      ],
    }),
  );
  return overlay;
}

/**
 * Copy the plate example into `dir` as a repository: an empty `.git` folder marks the root, or with `git` a
 * real one-commit repository, as Argo CD's tarball carries it (generate's `app` revision mode runs `git log`).
 */
export function copyPlate(dir: string, opts: { git?: boolean } = {}): string {
  cpSync(PLATE, dir, { recursive: true });
  if (!opts.git) {
    mkdirSync(join(dir, '.git'), { recursive: true });
    return dir;
  }
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@example.com',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@example.com',
  };
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'plate'],
  ])
    execFileSync('git', args, { cwd: dir, env, stdio: 'ignore' });
  return dir;
}

/**
 * A GitOps monorepo of `apps` service apps in teams of 50, each rendering for stg and prod from shared
 * templates (plate's service templates) and four layers: environments/common.yaml, environments/{env}.yaml,
 * the app's values.yaml (plate-api's, ~4 KiB with comments) and values-{env}.yaml. Every third app
 * autoscales in prod, every fifth mounts its config, so not every app renders the same object set.
 */
export function writeLargeRepo(root: string, apps: number): void {
  mkdirSync(join(root, '.git'), { recursive: true });
  cpSync(join(PLATE, 'environments'), join(root, 'environments'), { recursive: true });
  cpSync(join(PLATE, 'helm', 'templates', 'service'), join(root, 'templates', 'service'), { recursive: true });
  const api = join(PLATE, PLATE_API);
  const baseValues = readFileSync(join(api, 'values.yaml'), 'utf8');
  const prodValues = readFileSync(join(api, 'values-prod.yaml'), 'utf8');
  const stgValues = readFileSync(join(api, 'values-stg.yaml'), 'utf8');
  for (let i = 0; i < apps; i++) {
    const team = `team-${String(Math.floor(i / 50)).padStart(2, '0')}`;
    const name = `svc-${String(i).padStart(4, '0')}`;
    const dir = join(root, 'apps', team, name);
    mkdirSync(dir, { recursive: true });
    const strata = [
      'apiVersion: strata.dev/v1',
      'kind: App',
      'metadata:',
      `  name: ${name}`,
      'spec:',
      '  environments: [stg, prod]',
      '  defaultEnvironment: stg',
      '  layers:',
      '    - ../../../environments/common.yaml',
      '    - path: ../../../environments/{env}.yaml',
      '      optional: true',
      '    - values.yaml',
      '    - path: values-{env}.yaml',
      '      optional: true',
      '  templates: ../../../templates/service',
      `  namespace: ${team}`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'strata.yaml'), strata);
    const values =
      baseValues
        .replaceAll('plate-api', name)
        .replace('component: api', `component: ${name}`)
        .replace('team: api', `team: ${team}`)
        .replace('repository: plate/api', `repository: ${team}/${name}`)
        .replace('config:\n  LOG_LEVEL: info', `config:\n  SERVICE_ID: "${i}"\n  TEAM: ${team}\n  LOG_LEVEL: info`) +
      (i % 5 === 0 ? `\nconfigMount:\n  path: /etc/${name}\n` : '');
    writeFileSync(join(dir, 'values.yaml'), values);
    const prod = prodValues
      .replace('tag: 2.14.3', `tag: 1.${i % 40}.${i % 7}`)
      .replace('replicaCount: 3', `replicaCount: ${2 + (i % 4)}`)
      .replace('api.plate.example.com', `${name}.plate.example.com`)
      .replace('enabled: true\n  minReplicas', `enabled: ${i % 3 === 0}\n  minReplicas`);
    writeFileSync(join(dir, 'values-prod.yaml'), prod);
    const stg = stgValues
      .replace('tag: 2.15.0-rc.1', `tag: 1.${i % 40}.${i % 7}-rc.1`)
      .replace('api.stg.plate.example.com', `${name}.stg.plate.example.com`);
    writeFileSync(join(dir, 'values-stg.yaml'), stg);
  }
}

export function countApps(root: string): number {
  return readdirSync(join(root, 'apps')).reduce((n, team) => n + readdirSync(join(root, 'apps', team)).length, 0);
}

export interface Layer {
  file: string;
  value: Values;
  positions: Map<string, { line: number; column: number }>;
}

/**
 * Five layers over a tree of `leaves` leaves (groups x 100 services x (6 fields + a list of two ports)): the
 * first sets everything, each later one overrides a different 10% of the leaves, deletes a few keys with
 * null, and adds new ones. Positions are recorded for every node, as the YAML loader does.
 */
export function makeLayers(leaves: number): Layer[] {
  const services = 100;
  const fields = 6; // plus a list of two ports: 10 leaves per service
  const groups = Math.ceil(leaves / (services * (fields + 4)));
  const layers: Layer[] = [];
  for (let l = 0; l < 5; l++) {
    const value: Values = {};
    const positions = new Map<string, { line: number; column: number }>();
    let line = 1;
    const pos = (p: string, depth: number): void => void positions.set(p, { line: line++, column: 1 + 2 * depth });
    for (let g = 0; g < groups; g++) {
      const gk = `group${g}`;
      const group: Values = {};
      for (let s = 0; s < services; s++) {
        const sk = `svc${s}`;
        if (l > 0 && (g * services + s) % 10 !== l - 1 && s % 17 !== l) continue;
        const svc: Values = {};
        for (let f = 0; f < fields; f++) {
          if (l === 0) svc[`f${f}`] = f % 3 === 0 ? `value-${g}-${s}-${f}` : f % 3 === 1 ? g * s + f : f % 2 === 0;
          else if (s % 17 === l && f === fields - 1)
            svc[`f${f}`] = null; // delete
          else if ((g * services + s) % 10 === l - 1) svc[`f${f}`] = `override-${l}-${f}`;
        }
        if (l > 0 && s % 17 === l) svc[`added${l}`] = { nested: `new-${l}`, n: l };
        if (l === 0)
          svc.ports = [
            { name: 'http', port: 8080 },
            { name: 'metrics', port: 9090 },
          ];
        pos(`.${gk}.${sk}`, 1);
        for (const k of Object.keys(svc)) pos(`.${gk}.${sk}.${k}`, 2);
        group[sk] = svc;
      }
      pos(`.${gk}`, 0);
      value[gk] = group;
    }
    layers.push({ file: `layers/layer-${l}.yaml`, value, positions });
  }
  return layers;
}

/** Leaves in a values tree (scalars, list elements' scalars). */
export function countLeaves(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countLeaves(x), 0);
  if (v !== null && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + countLeaves(x), 0);
  return 1;
}
