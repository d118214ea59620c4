import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryFs } from '../src/core/fs.js';
import { render } from '../src/core/render.js';
import { inlinePartials } from '../src/core/template/inline.js';
import Handlebars from 'handlebars';
import { appFs, cm, dataOf, renderApp } from './template/app.js';

// Shared partials Helm style, `tpl`, `file`, and parsed documents that are never shared.

describe('inline partials in _*.hbs files', () => {
  const helpers =
    '{{#*inline "name"}}{{app.name}}-{{env.name}}{{/inline}}\n{{#*inline "team"}}{{values.team}}{{/inline}}\n';

  it('are usable from every template, by include and by {{> }}', () => {
    const r = renderApp(
      {
        '_helpers.hbs': helpers,
        'a.yaml.hbs': cm('  n: {{include "name" this}}\n', 'a'),
        'templates/b/b.yaml.hbs': cm('  t: {{> team}}\n', 'b'),
      },
      'team: blue\n',
    );
    assert.deepEqual([dataOf(r, 0), dataOf(r, 1)], [{ n: 'app-dev' }, { t: 'blue' }]);
  });

  it('an include is text to the logic helpers as to #if: empty is false, eq compares its text (Helm charts write `if and (include "x.enabled" .) …`, `eq (include "x.apiVersion" .) "networking.k8s.io/v1"`)', () => {
    const r = renderApp(
      {
        '_helpers.hbs': '{{#*inline "off"}}{{/inline}}{{#*inline "on"}}true{{/inline}}\n',
        'a.yaml.hbs': cm(
          [
            '  and: "{{#if (and (include "off" this) true)}}yes{{else}}no{{/if}}"',
            '  not: "{{#if (not (include "off" this))}}yes{{else}}no{{/if}}"',
            '  or: "{{or (include "off" this) "d"}}"',
            '  default: "{{default "d" (include "off" this)}}"',
            '  empty: "{{empty (include "off" this)}}"',
            '  on: "{{#if (and (include "on" this) true)}}yes{{else}}no{{/if}}"',
            '  eq: "{{eq (include "on" this) "true"}}"',
            '  ne: "{{ne (include "on" this) "true"}}"',
            '',
          ].join('\n'),
        ),
      },
      'team: blue\n',
    );
    assert.deepEqual(dataOf(r), {
      and: 'no',
      not: 'yes',
      or: 'd',
      default: 'd',
      empty: 'true',
      on: 'yes',
      eq: 'true',
      ne: 'false',
    });
    // required: an empty include is missing, as an empty string is.
    assert.throws(
      () =>
        renderApp({
          '_helpers.hbs': '{{#*inline "off"}}{{/inline}}\n',
          'a.yaml.hbs': cm('  r: "{{required "needs off" (include "off" this)}}"\n'),
        }),
      /required value missing: needs off/,
    );
  });

  it('a file of definitions only defines no partial of its own', () => {
    assert.throws(
      () => renderApp({ '_helpers.hbs': helpers, 'a.yaml.hbs': cm('  n: {{include "helpers" this}}\n') }),
      /no partial named "helpers"/,
    );
  });

  it('names collide loudly, naming both files', () => {
    assert.throws(
      () => renderApp({ '_a.hbs': helpers, '_b.hbs': '{{#*inline "team"}}x{{/inline}}', 'a.yaml.hbs': cm('  a: b\n') }),
      /partial "team" is defined twice: in app\/templates\/_a\.hbs and in app\/templates\/_b\.hbs/,
    );
    assert.throws(
      () => renderApp({ '_a.hbs': helpers, '_name.hbs': 'x', 'a.yaml.hbs': cm('  a: b\n') }),
      /partial "name" is defined twice/,
    );
  });

  it('errors inside name the partial file and its line', () => {
    assert.throws(
      () =>
        renderApp({
          '_h.hbs': '\n\n{{#*inline "x"}}\n{{values.nope}}{{/inline}}',
          'a.yaml.hbs': cm('  a: {{include "x" this}}\n'),
        }),
      (e: Error) => {
        assert.deepEqual((e as { where?: object }).where, { file: 'app/templates/_h.hbs', line: 4 });
        return true;
      },
    );
  });

  it('inlinePartials unit: top-level definitions and the rest', () => {
    const d = inlinePartials(Handlebars.parse('{{#*inline "a"}}A{{/inline}}\n{{! c }}\n{{#*inline "b"}}B{{/inline}}'));
    assert.deepEqual(
      d?.defs.map((x) => x.name),
      ['a', 'b'],
    );
    assert.equal(d?.onlyDefinitions, true);
    assert.equal(inlinePartials(Handlebars.parse('{{#*inline "a"}}A{{/inline}}text'))?.onlyDefinitions, false);
    assert.equal(inlinePartials(Handlebars.parse('plain')), undefined);
  });
});

describe('tpl', () => {
  it('renders a string as a template with the given context', () => {
    const r = renderApp(
      { 'a.yaml.hbs': cm('  a: {{tpl values.t this}}\n  b: {{tpl "{{name}}" values}}\n') },
      'name: web\nt: "{{values.name}}-{{env.name}}"\n',
    );
    assert.deepEqual(dataOf(r), { a: 'web-dev', b: 'web' });
  });
  it('its result is checked like any raw value', () => {
    assert.throws(
      () => renderApp({ 'a.yaml.hbs': cm('  a: {{tpl values.t this}}\n') }, 't: "x\\nkind: Secret"\n'),
      /multi-line string/,
    );
    assert.throws(
      () => renderApp({ 'a.yaml.hbs': cm('  a: {{tpl values.t this}}\n') }, 't: "x #y"\n'),
      /printed raw would change/,
    );
  });
  it('errors in the string name the template line that called tpl', () => {
    assert.throws(
      () => renderApp({ 'a.yaml.hbs': cm('  a: b\n  c: {{tpl values.t this}}\n') }, 't: "{{values.nope}}"\n'),
      /app\/templates\/a\.yaml\.hbs \(tpl at line 7\)/,
    );
  });
});

describe('file', () => {
  const files = { 'a.yaml.hbs': cm('  conf: {{quote (file "config/app.toml")}}\n'), 'config/app.toml': 'x = 1\n' };

  it('reads a file of the app and lists it in RenderResult.inputs', () => {
    const r = renderApp(files);
    assert.deepEqual(dataOf(r), { conf: 'x = 1\n' });
    assert.deepEqual(r.inputs, ['app/config/app.toml']);
    assert.deepEqual(r.templates, ['app/templates/a.yaml.hbs']);
  });

  it('refuses leaving the root, absolute paths, .git, templates, missing files and oversize files', () => {
    // Values of 2 bytes: under the 3-byte fileBytes limit of the last case, which values files obey too.
    const refuse = (expr: string, re: RegExp, limits = {}): void => {
      assert.throws(
        () =>
          renderApp({ 'a.yaml.hbs': cm(`  c: {{quote (file ${expr})}}\n`), 'config/app.toml': 'x = 1\n' }, '{}', {
            limits,
          }),
        re,
        expr,
      );
    };
    refuse('"../../etc/passwd"', /file: the path must be relative and stay inside the repository/);
    refuse('"/etc/passwd"', /file: the path must be relative/);
    refuse('"../.git/config"', /under \.git/);
    refuse('"templates/a.yaml.hbs"', /templates are not readable/);
    refuse('"nope.txt"', /file: no such file/);
    // The cap sits between the values file and the (larger) file the template reads.
    assert.throws(
      () =>
        renderApp(
          { 'a.yaml.hbs': cm('  c: {{quote (file "config/big.toml")}}\n'), 'config/big.toml': 'x'.repeat(4096) },
          undefined,
          { limits: { fileBytes: 1024 } },
        ),
      /larger than 1024 bytes \(limit fileBytes/,
    );
  });

  it("reads through the render's file system only", () => {
    const fs = appFs(files);
    const reads: string[] = [];
    const spy = {
      readFile: (p: string) => (reads.push(p), fs.readFile(p)),
      stat: (p: string) => fs.stat(p),
      readDir: (p: string) => fs.readDir(p),
    };
    render({ fs: spy, appDir: 'app', env: 'dev' });
    assert.ok(reads.includes('app/config/app.toml'));
    assert.ok(new MemoryFs({}).stat('x') === undefined);
  });
});

describe('parsed documents are never shared', () => {
  it('an anchored label map aliased as a selector gets no strata labels', () => {
    const t = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      '  labels: &l',
      '    app: web',
      'spec:',
      '  selector:',
      '    matchLabels: *l',
      '  template:',
      '    metadata:',
      '      labels: *l',
      '    spec:',
      '      containers: [{name: web, image: "web:1"}]',
      '',
    ].join('\n');
    const o = renderApp({ 'd.yaml.hbs': t }).objects[0].object as Record<string, any>;
    assert.deepEqual(o.spec.selector.matchLabels, { app: 'web' });
    assert.notEqual(o.spec.template.metadata.labels, o.spec.selector.matchLabels);
    assert.ok(Object.keys(o.metadata.labels).length > 1);
    assert.ok(Object.keys(o.spec.template.metadata.labels).length === 2);
  });
});

// set.ts calls every template, include and tpl the way Handlebars calls a partial, with the helper table,
// hooks and prototype rules it captured once: each of those must behave exactly as in a top-level call.
describe('templates, include and tpl share one call setup', () => {
  const partial =
    '{{#*inline "p"}}{{@root.values.team}}/{{lower "X"}}/{{#each values.list}}{{@index}}{{this}}{{/each}}{{/inline}}\n';

  it('@root, helpers and block helpers work the same at the top, in include, in tpl and in {{> }}', () => {
    const r = renderApp(
      {
        '_h.hbs': partial,
        'a.yaml.hbs': cm(
          '  top: "{{@root.values.team}}/{{lower "X"}}/{{#each values.list}}{{@index}}{{this}}{{/each}}"\n  inc: "{{include "p" this}}"\n  pin: "{{> p}}"\n  tpl: "{{tpl "{{@root.values.team}}-{{include \\"p\\" .}}" this}}"\n',
          'a',
        ),
      },
      'team: blue\nlist: [a, b]\n',
    );
    assert.deepEqual(dataOf(r, 0), {
      top: 'blue/x/0a1b',
      inc: 'blue/x/0a1b',
      pin: 'blue/x/0a1b',
      tpl: 'blue-blue/x/0a1b',
    });
  });

  it('a mustache section (Handlebars blockHelperMissing hook) works at the top, in include and in tpl', () => {
    const section = '{{#values.team}}{{x}}{{/values.team}}';
    const r = renderApp(
      {
        '_h.hbs': `{{#*inline "p"}}${section}{{/inline}}`,
        'a.yaml.hbs': cm(`  top: "${section}"\n  inc: "{{include "p" this}}"\n  tpl: "{{tpl values.text this}}"\n`),
      },
      `team: {x: 1}\ntext: '${section}'\n`,
    );
    assert.deepEqual(dataOf(r, 0), { top: '1', inc: '1', tpl: '1' });
  });

  it('prototype properties stay out of reach inside a partial (`constructor` of a map is not a value)', () => {
    const top = renderApp(
      { 'a.yaml.hbs': cm('  a: "{{#if values.team.constructor}}leak{{else}}none{{/if}}"\n') },
      'team: {x: 1}\n',
    );
    const inc = renderApp(
      {
        '_h.hbs': '{{#*inline "p"}}{{#if values.team.constructor}}leak{{else}}none{{/if}}{{/inline}}',
        'a.yaml.hbs': cm('  a: "{{include "p" this}}"\n'),
      },
      'team: {x: 1}\n',
    );
    assert.deepEqual([dataOf(top, 0), dataOf(inc, 0)], [{ a: 'none' }, { a: 'none' }]);
  });
});
