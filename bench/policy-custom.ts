import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLargeRepo } from './lib/fixtures.js';
import { check, runOnce, type Cmd } from './lib/proc.js';
import { median, ms } from './lib/stats.js';

// `node --import tsx bench/policy-custom.ts [--quick]` (after `npm run build`): the cost of custom policy
// rules and repository CRDs (issue 12). The bench's 1,000-app `render --all` (row 4) runs on two copies of
// the same generated repository, interleaved in the same run: one as today, one with a strata-policy.yaml
// holding two custom CEL rules and one CRD (with a pattern and an x-kubernetes-validations rule) that every
// app's ServiceMonitor is validated against. Both copies render the ServiceMonitor; without the CRD it passes
// the structural check only. Prints one line per measurement and, last, one JSON line with the ratio.
// Target: ratio <= 1.2.

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'strata.js');

const SERVICE_MONITOR = `{{!-- Prometheus Operator scrape config of the service (bench only). --}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{app.name}}
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: {{app.name}}
  endpoints:
    - port: http
      interval: 30s
      path: /metrics
`;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: servicemonitors.monitoring.coreos.com }
spec:
  group: monitoring.coreos.com
  names: { kind: ServiceMonitor, plural: servicemonitors }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          required: [spec]
          properties:
            spec:
              type: object
              required: [selector, endpoints]
              x-kubernetes-validations:
                - rule: "self.endpoints.all(e, has(e.port) || has(e.targetPort))"
                  message: every endpoint names a port
              properties:
                selector:
                  type: object
                  properties:
                    matchLabels: { type: object, additionalProperties: { type: string } }
                endpoints:
                  type: array
                  minItems: 1
                  items:
                    type: object
                    properties:
                      port: { type: string }
                      targetPort: { x-kubernetes-int-or-string: true }
                      interval: { type: string, pattern: "^([0-9]+(ms|s|m|h))+$" }
                      path: { type: string }
`;

const POLICY = `apiVersion: strata.dev/v1
kind: Policy
spec:
  custom:
    - name: team-label
      match: { kinds: [Deployment, StatefulSet, Service] }
      expression: "has(object.metadata.labels) && 'plate.example.com/team' in object.metadata.labels"
      messageExpression: "object.kind + ' ' + object.metadata.name + ' names no owning team'"
      severity: error
    - name: ingress-rate-limit
      match: { kinds: [networking.k8s.io/v1/Ingress] }
      expression: >-
        has(object.metadata.annotations)
        && 'nginx.ingress.kubernetes.io/limit-rps' in object.metadata.annotations
        && int(object.metadata.annotations['nginx.ingress.kubernetes.io/limit-rps']) <= 500
      message: set nginx.ingress.kubernetes.io/limit-rps to at most 500
      severity: error
  schemas: [crds]
`;

function makeRepo(dir: string, apps: number, custom: boolean): void {
  writeLargeRepo(dir, apps);
  writeFileSync(join(dir, 'templates', 'service', 'servicemonitor.yaml.hbs'), SERVICE_MONITOR);
  if (!custom) return;
  writeFileSync(join(dir, 'strata-policy.yaml'), POLICY);
  mkdirSync(join(dir, 'crds'));
  writeFileSync(join(dir, 'crds', 'servicemonitor.yaml'), CRD);
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const apps = quick ? 100 : 1000;
  const rounds = quick ? 2 : 5;
  const tmp = mkdtempSync(join(tmpdir(), 'strata-bench-policy-'));
  try {
    const repos = { base: join(tmp, 'base'), custom: join(tmp, 'custom') };
    makeRepo(repos.base, apps, false);
    makeRepo(repos.custom, apps, true);
    const cmd = (repo: string, env: string): Cmd => ({
      file: process.execPath,
      args: [CLI, 'render', '--all', '--env', env, repo],
      env: { STRATA_CACHE_DIR: join(tmp, 'cache') },
    });
    const out = join(tmp, 'out.yaml');
    // Prove both produce the same objects (and that the custom rules and the CRD pass), and warm the cache.
    for (const env of ['stg', 'prod']) {
      const texts = (['base', 'custom'] as const).map((k) => {
        check(runOnce(cmd(repos[k], env), out), `render --all --env ${env} (${k})`);
        return readFileSync(out, 'utf8');
      });
      if (texts[0] !== texts[1]) throw new Error(`render --all --env ${env}: the output differs with custom rules`);
      const monitors = texts[0].match(/^kind: ServiceMonitor$/gm)?.length ?? 0;
      if (monitors !== apps) throw new Error(`expected ${apps} ServiceMonitors, found ${monitors}`);
    }
    const walls: Record<'base' | 'custom', number[]> = { base: [], custom: [] };
    for (let i = 0; i < rounds; i++) {
      // Alternate which variant goes first, so drift on a shared machine hits both alike.
      for (const k of i % 2 === 0 ? (['base', 'custom'] as const) : (['custom', 'base'] as const)) {
        let wall = 0;
        for (const env of ['stg', 'prod'])
          wall += check(runOnce(cmd(repos[k], env), out), `render --all --env ${env} (${k})`).wallMs;
        walls[k].push(wall);
      }
    }
    const base = median(walls.base);
    const custom = median(walls.custom);
    const ratio = custom / base;
    process.stdout.write(
      `render --all, ${apps} apps x 2 envs, median of ${rounds}: without ${ms(base)}, with 2 custom rules + 1 CRD ${ms(custom)}\n`,
    );
    process.stdout.write(`ratio ${ratio.toFixed(3)} (target <= 1.2): ${ratio <= 1.2 ? 'PASS' : 'MISS'}\n`);
    process.stdout.write(JSON.stringify({ apps, rounds, baseMs: base, customMs: custom, ratio }) + '\n');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
