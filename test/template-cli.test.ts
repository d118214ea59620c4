import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { numbered, selectTemplates } from '../src/cli/commands/render.js';
import { cli, makeRepo } from './helpers.js';

// `render --debug`, `--show-only`, and the default environment note, run in-process.

const app = (extra: Record<string, string> = {}) =>
  makeRepo({
    'app/strata.yaml':
      'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [dev, prod]\n  defaultEnvironment: dev\n  namespace: ns\n',
    'app/values.yaml': 'name: web\n',
    'app/templates/a.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n',
    'app/templates/b.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n',
    ...extra,
  });

describe('strata render: --show-only, --debug, default environment', () => {
  it('--show-only limits output to one template (repeatable); an unknown path is a usage error', async () => {
    const root = app();
    const one = await cli(['render', 'app', '--env', 'dev', '--show-only', 'templates/b.yaml.hbs'], { cwd: root });
    assert.equal(one.code, 0);
    assert.match(one.stdout, /name: b/);
    assert.doesNotMatch(one.stdout, /name: a\n/);
    const both = await cli(
      [
        'render',
        'app',
        '--env',
        'dev',
        '--show-only',
        'templates/a.yaml.hbs',
        '--show-only',
        'app/templates/b.yaml.hbs',
      ],
      { cwd: root },
    );
    assert.match(both.stdout, /name: a\n[\s\S]*name: b\n/);
    const bad = await cli(['render', 'app', '--env', 'dev', '--show-only', 'templates/c.yaml.hbs'], { cwd: root });
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(
      bad.stderr,
      /--show-only: no template "templates\/c\.yaml\.hbs" in this app \(templates: templates\/a\.yaml\.hbs, templates\/b\.yaml\.hbs\)/,
    );
  });

  it('--debug prints the rendered text with line numbers when it does not parse; stdout stays empty', async () => {
    const root = app({
      'app/templates/c.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.name}}\n  x: [\n',
    });
    const r = await cli(['render', 'app', '--env', 'dev', '--debug'], { cwd: root });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /--debug: rendered output of app\/templates\/c\.yaml\.hbs:\n1 \| apiVersion: v1\n2 \| kind: ConfigMap\n3 \| metadata:\n4 \| {3}name: web\n5 \| {3}x: \[\n/,
    );
    const quiet = await cli(['render', 'app', '--env', 'dev'], { cwd: root });
    assert.doesNotMatch(quiet.stderr, /--debug/);
  });

  it('says which environment it rendered when --env is left out', async () => {
    const r = await cli(['render', 'app'], { cwd: app() });
    assert.equal(r.code, 0);
    assert.match(r.stderr, /rendered environment "dev" \(spec\.defaultEnvironment of app\/strata\.yaml\)/);
    assert.doesNotMatch((await cli(['render', 'app', '--env', 'prod'], { cwd: app() })).stderr, /rendered environment/);
  });

  it('unit: numbered and selectTemplates', () => {
    assert.equal(numbered('t', 'a\nb\n'), 'strata: --debug: rendered output of t:\n1 | a\n2 | b\n');
    assert.deepEqual(
      [...selectTemplates(['./templates/a.yaml.hbs'], ['x/templates/a.yaml.hbs'], 'x')],
      ['x/templates/a.yaml.hbs'],
    );
  });
});
