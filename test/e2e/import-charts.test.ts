import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO } from '../helpers.js';
import { goHarnessMissing, markdown, runCharts, summarize, vendoredCharts, type Row } from '../import/charts.js';

// `strata import helm` on real public charts (test/fixtures/import/charts/, sources in README.md there): each
// chart is imported once, then rendered by strata and by the Go harness (test/chart/render.sh, the stand-in for
// `helm template`) for its default values, each of its own ci/*.yaml files and ours
// (test/fixtures/import/values/<chart>-*.yaml), and compared object by object (test/import/compare.ts).
//
// EXPECTED is what the comparison gives today, per chart: objects equal out of the objects `helm template`
// renders, over all those values files. Fewer equal is a regression and fails; more equal also fails, with a
// message to raise the table, so the table (and the one in docs/from-helm.md) stays true. `goal` marks the charts
// that meet the goal (at least 95% of objects equal), asserted as such.
// To refresh: npm run build && npx tsx test/import/charts.ts --table --detail

interface Expected {
  readonly equal: number;
  readonly total: number;
  readonly goal?: true;
}

const EXPECTED: Record<string, Expected> = {
  // Helm reads values numbers as float64 and prints 1000000 as 1e+06 (a ConfigMap and its checksum, two files);
  // strata prints whole numbers as integers in both semantics (docs/from-helm.md, "Numbers").
  'argo-events': { equal: 14, total: 18 },
  'argo-rollouts': { equal: 53, total: 53, goal: true },
  // ci/item-templates.yaml renders one ApplicationSet twice, which strata refuses (Argo CD would see one object).
  'argocd-apps': { equal: 6, total: 7 },
  // `$_ := unset $m $k` inside a range over $m (dropping empty keys) has no strata equivalent: one place left.
  'argocd-image-updater': { equal: 0, total: 47 },
  'ingress-nginx': { equal: 275, total: 275, goal: true },
  // Values carried across range iterations ($final, $namespaces) have no strata equivalent: 6 places left.
  'kube-state-metrics': { equal: 0, total: 28 },
  podinfo: { equal: 21, total: 21, goal: true },
  'prometheus-blackbox-exporter': { equal: 49, total: 49, goal: true },
  'prometheus-json-exporter': { equal: 8, total: 8, goal: true },
  'prometheus-memcached-exporter': { equal: 12, total: 12, goal: true },
  'prometheus-node-exporter': { equal: 35, total: 35, goal: true },
  'prometheus-postgres-exporter': { equal: 77, total: 77, goal: true },
  // The three basic-auth values files need htpasswd (a random salt: a refused helper), left as a place.
  'prometheus-pushgateway': { equal: 60, total: 75 },
  'prometheus-redis-exporter': { equal: 12, total: 12, goal: true },
  'prometheus-snmp-exporter': { equal: 53, total: 53, goal: true },
  'prometheus-statsd-exporter': { equal: 3, total: 3, goal: true },
  // helm/strata, this repository's chart.
  strata: { equal: 16, total: 16, goal: true },
};

const GOAL = 0.95;

describe('strata import helm on vendored public charts and helm/strata, against the Go harness', () => {
  const missing = goHarnessMissing();
  // CI installs go and sprig (.ci/run) before this suite: there a missing harness is a failure, not a skip.
  const skip = missing && process.env.CI !== 'true' ? `${missing}: run test/chart/run.sh once to install it` : false;
  // Run once, on first use (so `--test-name-pattern harness` does not run the charts).
  let runs: Promise<{ rows: Row[]; seconds: number }> | undefined;
  const results = (): Promise<{ rows: Row[]; seconds: number }> =>
    (runs ??= (async () => {
      assert.equal(missing, undefined, `the Go harness is needed in CI: ${missing}`);
      const started = Date.now();
      const rows = await runCharts();
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(`import-charts: ${rows.length} comparisons in ${seconds.toFixed(1)}s\n`);
      return { rows, seconds };
    })());

  test('the harness answers as helm template where these charts depend on it', { skip }, () => {
    // Helm's values are JSON-decoded (float64 numbers, podinfo tests `kindIs "float64"`), toYaml goes through
    // JSON (a whole float prints as an integer), fromYaml/fromJsonArray put errors in the result
    // (pkg/engine/funcs.go), and --api-versions adds to the default set, which has group/versions only.
    const dir = mkdtempSync(join(tmpdir(), 'strata-harness-'));
    try {
      mkdirSync(join(dir, 'templates'));
      writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: h\nversion: 0.1.0\n');
      writeFileSync(join(dir, 'values.yaml'), 'n: 1000000\nm: {a: 1}\n');
      const lines = [
        'kind: {{ kindOf .Values.n }}',
        'raw: {{ .Values.n }}',
        'yaml: {{ toYaml .Values.n }}',
        'fromYaml: {{ hasKey (fromYaml "a: [") "Error" }}',
        'fromYamlArray: {{ fromYamlArray "- 1\\n- b" | toJson }}',
        'fromJson: {{ fromJson "{\\"x\\": 2}" | toJson }}',
        'fromJsonArray: {{ len (fromJsonArray "{") }}',
        'policy: {{ .Capabilities.APIVersions.Has "policy/v1" }}',
        'pdbKind: {{ .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" }}',
        'monitoring: {{ .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}',
        'kube: {{ .Capabilities.KubeVersion.Version }}',
      ];
      writeFileSync(join(dir, 'templates/a.yaml'), `${lines.join('\n')}\n`);
      const r = spawnSync(
        'bash',
        [join(REPO, 'test/chart/render.sh'), '--api-versions', 'x/v1,monitoring.coreos.com/v1', dir],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\n').slice(2, -1), [
        'kind: float64',
        'raw: 1e+06',
        'yaml: 1000000',
        'fromYaml: true',
        'fromYamlArray: [1,"b"]',
        'fromJson: {"x":2}',
        'fromJsonArray: 1',
        'policy: true',
        'pdbKind: false',
        'monitoring: true',
        'kube: v1.31.0',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the expected table names exactly the compared charts (vendored, and helm/strata)', { skip }, () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), vendoredCharts());
  });

  for (const [chart, want] of Object.entries(EXPECTED)) {
    test(
      `${chart}: ${want.equal} / ${want.total} objects equal${want.goal ? ' (goal met)' : ''}`,
      { skip },
      async () => {
        const mine = (await results()).rows.filter((r) => r.chart === chart);
        const got = summarize(mine)[0];
        assert.ok(got, `${chart}: no comparison ran`);
        const detail = `\n${markdown(mine, true)}`;
        assert.equal(
          got.total,
          want.total,
          `${chart}: the harness rendered ${got.total} objects, the table says ${want.total} (a chart, values file or harness changed: update EXPECTED)${detail}`,
        );
        assert.ok(
          got.equal >= want.equal,
          `${chart}: ${got.equal} objects equal, the table expects ${want.equal}: a regression${detail}`,
        );
        assert.ok(
          got.equal <= want.equal,
          `${chart}: ${got.equal} objects equal, more than the table's ${want.equal}: raise EXPECTED in test/e2e/import-charts.test.ts (and docs/from-helm.md's table: npx tsx test/import/charts.ts --table)`,
        );
        if (want.goal) assert.ok(got.equal / got.total >= GOAL, `${chart}: below the 95% goal${detail}`);
      },
    );
  }

  test('the whole comparison stays within a generous time bound', { skip }, async () => {
    const { seconds } = await results();
    // About 100 comparisons of two processes each; measured at 100-110 s on two busy shared cores.
    assert.ok(seconds < 600, `took ${seconds.toFixed(0)}s`);
  });
});
