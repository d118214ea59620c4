import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLI, REPO } from '../helpers.js';
import { goHarnessMissing, harnessApiVersions } from '../import/charts.js';
import { compareRenders } from '../import/compare.js';

// `strata import helm` end to end: import a chart, render the app with strata, render the chart with Go
// text/template + sprig (test/chart/render.sh, the project's stand-in for `helm template`), and compare
// object by object up to strata's injected metadata (test/import/compare.ts).

const FIXTURE = join(REPO, 'test/fixtures/import/webapp');

function strata(args: string[], cwd = REPO): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('strata import helm', () => {
  const root = mkdtempSync(join(tmpdir(), 'strata-import-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('writes a complete app, lists nothing left for the fixture, and refuses a non-empty --out', () => {
    const out = join(root, 'web');
    const r = strata([
      'import',
      'helm',
      FIXTURE,
      '--out',
      out,
      '--name',
      'demo',
      '--namespace',
      'web',
      '--env',
      `full=${join(FIXTURE, 'ci/full-values.yaml')}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /webapp: 5 templates imported .* 0 place\(s\) left/);
    assert.deepEqual(readdirSync(out).sort(), [
      'IMPORT.md',
      'strata.yaml',
      'templates',
      'values-full.yaml',
      'values.yaml',
    ]);
    assert.deepEqual(readdirSync(join(out, 'templates')).sort(), [
      '_helpers.hbs',
      '_strata-chart.hbs',
      '_templates.hbs',
      'configmap.yaml.hbs',
      'deployment.yaml.hbs',
      'hpa.yaml.hbs',
      'ingress.yaml.hbs',
      'service.yaml.hbs',
    ]);
    assert.match(readFileSync(join(out, 'strata.yaml'), 'utf8'), /environments: \[full\]/);
    assert.match(readFileSync(join(out, 'IMPORT.md'), 'utf8'), /NOTES\.txt is not imported/);
    const again = strata(['import', 'helm', FIXTURE, '--out', out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not empty \(use --force/);
    assert.equal(strata(['import', 'helm', FIXTURE, '--out', out, '--force']).code, 0);
    assert.match(readFileSync(join(out, 'strata.yaml'), 'utf8'), /environments: \[default\]/);
    assert.match(readFileSync(join(out, 'strata.yaml'), 'utf8'), /^ {2}semantics: helm$/m);
    assert.deepEqual(
      readdirSync(root).filter((n) => n.includes('.import-')),
      [],
      'no temporary directory is left beside --out',
    );
  });

  test('a chart with places left: listed in IMPORT.md and on stderr with file and line; the render fails there', () => {
    const chart = join(root, 'left-chart');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: left\nversion: 0.1.0\n');
    writeFileSync(join(chart, 'values.yaml'), 'a: 1\n');
    writeFileSync(
      join(chart, 'templates/secret.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n{{- $old := lookup "v1" "Secret" .Release.Namespace "s" }}\ndata:\n  k: {{ $old | toString | b64enc }}\n',
    );
    const out = join(root, 'left');
    const r = strata(['import', 'helm', chart, '--out', out]);
    assert.equal(r.code, 0);
    assert.match(r.stderr, / 1 place\(s\) left/);
    assert.match(r.stderr, /templates\/secret\.yaml:5: lookup: a render never queries the cluster/);
    assert.match(readFileSync(join(out, 'IMPORT.md'), 'utf8'), /\| templates\/secret\.yaml \| 5 \| `lookup` \|/);
    execFileSync('git', ['init', '-q', out]);
    const render = strata(['render', out, '--env', 'default']);
    assert.equal(render.code, 1);
    assert.match(render.stderr, /strata import: lookup at templates\/secret\.yaml:5 has no strata equivalent/);
    assert.equal(render.stdout, '');
  });

  for (const [label, valuesFile] of [
    ['default values', undefined],
    ['ci/full-values.yaml', 'ci/full-values.yaml'],
  ] as const) {
    test(`renders the same objects as the chart (Go text/template + sprig), ${label}`, (t) => {
      const missing = goHarnessMissing();
      if (missing) {
        t.skip(`${missing}: run test/chart/run.sh once to install it`);
        return;
      }
      const out = join(root, `cmp-${valuesFile ? 'full' : 'default'}`);
      assert.equal(strata(['import', 'helm', FIXTURE, '--out', out, '--name', 'demo', '--namespace', 'web']).code, 0);
      execFileSync('git', ['init', '-q', out]);
      const f = valuesFile ? ['-f', join(FIXTURE, valuesFile)] : [];
      const helm = execFileSync(
        'bash',
        [
          join(REPO, 'test/chart/render.sh'),
          '--name',
          'demo',
          '--namespace',
          'web',
          '--kube-version',
          'v1.31.0',
          ...f,
          FIXTURE,
        ],
        { encoding: 'utf8' },
      );
      const r = strata([
        'render',
        out,
        '--env',
        'default',
        '--kube-version',
        '1.31.0',
        // The harness's .Capabilities.APIVersions (helm template's default set); strata gets the same list.
        '--api-versions',
        harnessApiVersions(),
        ...f,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const c = compareRenders(helm, r.stdout);
      assert.deepEqual(c.different, []);
      assert.deepEqual([c.onlyHelm, c.onlyStrata], [[], []]);
      assert.equal(c.equal.length, valuesFile ? 5 : 3);
    });
  }
});
