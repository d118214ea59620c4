// Issue 24 §3: defects a Helm port hit (lint/diff and spec.defaultEnvironment, --show-only, lint -o json for
// `.`, missing-value did-you-mean, empty --set path segments, unclosed blocks, raw flow output).
// Run: node --import tsx --test test/helmdiff-defects.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { parseSetExpression } from '../src/core/set-parser.js';
import { cli, makeRepo } from './helpers.js';

const STRATA = `apiVersion: strata.dev/v1
kind: App
metadata:
  name: web
spec:
  environments: [dev, prod]
  defaultEnvironment: dev
`;

const CM = (body: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
${body}`;

function app(templates: Record<string, string>, values = 'replicas: 2\nname: web\n', dir = 'app'): string {
  const files: Record<string, string> = {
    [`${dir}/strata.yaml`.replace(/^\//, '')]: STRATA,
    [`${dir}/values.yaml`.replace(/^\//, '')]: values,
  };
  for (const [k, v] of Object.entries(templates)) files[`${dir}/templates/${k}`.replace(/^\//, '')] = v;
  return makeRepo(files);
}

describe('spec.defaultEnvironment in lint and diff', () => {
  test('lint without --env lints the default environment', async () => {
    const root = app({ 'cm.yaml.hbs': CM('  env: {{env.name}}\n') });
    const r = await cli(['lint', 'app', '-o', 'json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).env, 'dev');
  });
  test('diff --against without --env renders the default environment as the "after" side', async () => {
    const root = app({ 'cm.yaml.hbs': CM('  env: {{env.name}}\n') });
    const r = await cli(['diff', 'app', '--against', 'prod', '-o', 'json'], { cwd: root });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(JSON.parse(r.stdout).after, 'dev');
  });
});

describe('lint -o json names the app', () => {
  test('an app at the repository root is "."', async () => {
    const root = app({ 'cm.yaml.hbs': CM('  a: "1"\n') }, undefined, '');
    const r = await cli(['lint', '.', '--env', 'dev', '-o', 'json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout).apps.map((a: { app: string }) => a.app),
      ['.'],
    );
  });
});

describe('missing value: did you mean', () => {
  test('a misspelt values path names the nearest keys of the merged values', async () => {
    const root = app({ 'cm.yaml.hbs': CM('  n: "{{values.replica}}"\n') });
    const r = await cli(['render', 'app', '--env', 'dev'], { cwd: root });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /missing value "values\.replica".*did you mean "values\.replicas"\?/);
  });
  test('nested, and passed to a helper', async () => {
    const root = app({ 'cm.yaml.hbs': CM('  n: {{quote values.image.tagg}}\n') }, 'image:\n  tag: "1"\n');
    const r = await cli(['render', 'app', '--env', 'dev'], { cwd: root });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /did you mean "values\.image\.tag"\?/);
  });
});

describe('--show-only', () => {
  test('a template that renders nothing is said so', async () => {
    const root = app({
      'a.yaml.hbs': CM('  a: "1"\n'),
      'b.yaml.hbs': '{{#if values.off}}\n' + CM('  b: "1"\n') + '{{/if}}\n',
    });
    const r = await cli(['render', 'app', '--env', 'dev', '--show-only', 'templates/b.yaml.hbs'], { cwd: root });
    assert.equal(r.stdout, '');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--show-only: templates\/b\.yaml\.hbs rendered no objects for environment dev/);
  });
  test("Helm's spelling (no .hbs) gets a did-you-mean", async () => {
    const root = app({ 'a.yaml.hbs': CM('  a: "1"\n') });
    const r = await cli(['render', 'app', '--env', 'dev', '--show-only', 'templates/a.yaml'], { cwd: root });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no template "templates\/a\.yaml" in this app \(did you mean "templates\/a\.yaml\.hbs"\?\)/);
  });
});

describe('--set: empty path segments are errors, as in Helm', () => {
  for (const expr of ['name1.=name2', 'a.b.=c', 'a..b=1', '.a=b']) {
    test(expr, () => {
      assert.throws(() => parseSetExpression(expr, 'set', `--set ${expr}`), /empty key before/);
    });
  }
});

describe('unclosed blocks', () => {
  test('an unclosed {{#if}} names the line it was opened at', async () => {
    const root = app({ 'cm.yaml.hbs': CM('  a: "1"\n{{#if values.replicas}}\n  b: "2"\n') });
    const r = await cli(['render', 'app', '--env', 'dev'], { cwd: root });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /templates\/cm\.yaml\.hbs:7: \{\{#if\}\} opened at line 7 is never closed \(expected \{\{\/if\}\}\)/,
    );
    assert.doesNotMatch(r.stderr, /EOF/);
  });
  test('the innermost unclosed block is named', async () => {
    const root = app({ 'cm.yaml.hbs': '{{#with values}}\n' + CM('{{#each list}}\n  a: "1"\n{{/with}}\n') });
    const r = await cli(['render', 'app', '--env', 'dev'], { cwd: root });
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, /EOF/);
    assert.match(
      r.stderr,
      /\{\{\/with\}\} at line 9 does not close \{\{#each\}\} opened at line 7 \(expected \{\{\/each\}\}\)/,
    );
  });
});

describe('raw output read back as one node equal to the value', () => {
  test('data: {{toJson values.m}} (a flow mapping) renders', async () => {
    const root = app(
      { 'cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata: {{toJson values.m}}\n' },
      'm:\n  a: "1"\n  b: "x: y"\n',
    );
    const r = await cli(['render', 'app', '--env', 'dev', '-o', 'json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).items[0].data, { a: '1', b: 'x: y' });
  });
  test('a flow list inside a flow map, and a JSON string: args: {{toJson values.args}}', async () => {
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{toJson values.name}}\nspec:\n  containers: [{name: web, image: "web:1", args: {{toJson values.args}} }]\n';
    const root = app({ 'pod.yaml.hbs': pod }, 'name: web\nargs: ["--a=1", "b, c", "<&>"]\n');
    const r = await cli(['render', 'app', '--env', 'dev', '-o', 'json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout).items[0];
    assert.equal(out.metadata.name, 'web');
    assert.deepEqual(out.spec.containers[0].args, ['--a=1', 'b, c', '<&>']);
  });
  test('a string value that looks like JSON is still held to the one-scalar rule', async () => {
    const root = app({ 'cm.yaml.hbs': CM('  a: {{values.v}}\n') }, 'v: \'{"b": "1"}\'\n');
    const r = await cli(['render', 'app', '--env', 'dev'], { cwd: root });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"values\.v" printed raw would change the YAML around it/);
  });
  test('toJson that does not stand alone as one node is still refused', async () => {
    // Inside a flow map beside other keys, the printed map merges into it: not one node equal to the value.
    const root = app({ 'cm.yaml.hbs': CM('  x: {a: 1, {{toJson values.m}}: 2}\n') }, 'm:\n  b: "1"\n');
    const r = await cli(['render', 'app', '--env', 'dev'], { cwd: root });
    assert.notEqual(r.code, 0);
  });
});

describe('examples/podinfo with extra environment variables', () => {
  test("--set-json extraEnvs renders them after the chart's own (nindent after ~, not indent)", async () => {
    const r = await cli([
      'render',
      'examples/podinfo',
      '--env',
      'dev',
      '-o',
      'json',
      '--set-json',
      'extraEnvs=[{"name":"FOO","value":"bar"},{"name":"B","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}]',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const dep = (
      JSON.parse(r.stdout).items as {
        kind: string;
        spec: { template: { spec: { containers: { env: { name: string }[] }[] } } };
      }[]
    ).find((o) => o.kind === 'Deployment')!;
    assert.deepEqual(
      dep.spec.template.spec.containers[0].env.map((e) => e.name),
      ['PODINFO_UI_COLOR', 'FOO', 'B'],
    );
  });
});
