import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRendered } from '../src/core/documents.js';
import { findGoSyntax, toStrata } from '../src/core/template/go-syntax.js';
import { closestNames, editDistance } from '../src/core/template/suggest.js';
import { syntaxError } from '../src/core/template/errors.js';
import { cm, renderApp } from './template/app.js';

// Errors that teach (issue 16): Go template syntax, unknown helpers, the template line of bad output.

function where(e: unknown): { file?: string; line?: number } {
  return (e as { where?: { file?: string; line?: number } }).where ?? {};
}

describe('Go template (Helm) syntax', () => {
  const cases: [string, RegExp][] = [
    ['{{ .Values.image.tag }}', /in strata write \{\{values\.image\.tag\}\}/],
    ['{{ include "labels" . | nindent 4 }}', /\{\{nindent 4 \(include "labels" this\)\}\}/],
    ['{{- define "x" }}', /\{\{#\*inline "x"\}\}…\{\{\/inline\}\} in a _\*\.hbs file/],
    ['{{ range .Values.hosts }}', /\{\{#each values\.hosts\}\}/],
    ['{{ range $k, $v := .Values.m }}', /\{\{#each values\.m as \|v k\|\}\}/],
    ['{{ end }}', /\{\{\/if\}\}, \{\{\/each\}\} or \{\{\/with\}\}/],
    ['{{ $.Values.x }}', /\{\{@root\.values\.x\}\}/],
    ['{{ if .Values.on }}', /\{\{#if values\.on\}\}/],
    ['{{ toYaml .Values.r | nindent 8 }}', /\{\{nindent 8 \(toYaml values\.r\)\}\}/],
    ['{{ default "x" .Values.y | quote }}', /\{\{quote \(default "x" values\.y\)\}\}/],
    ['{{ .Release.Namespace }}', /\{\{app\.namespace\}\}/],
  ];
  for (const [src, want] of cases) {
    it(`explains ${src}`, () => {
      assert.throws(
        () => renderApp({ 'cm.yaml.hbs': cm(`  a: b\n  x: ${src}\n`) }),
        (e: Error) => {
          assert.match(e.message, /this is Go template \(Helm\) syntax/);
          assert.match(e.message, want);
          assert.deepEqual(where(e), { file: 'app/templates/cm.yaml.hbs', line: 7 });
          assert.doesNotMatch(e.message, /Expecting/);
          return true;
        },
      );
    });
  }
  it('leaves Handlebars alone', () => {
    for (const ok of [
      '{{#each values.x as |y|}}{{y}}{{/each}}',
      '{{join "|" values.x}}',
      '{{.}}',
      '{{~values.x~}}',
      '{{include "a" .}}',
      '{{else if x}}',
    ]) {
      assert.equal(findGoSyntax(ok, 'f'), undefined, ok);
    }
  });
  it('translates pipelines into nested calls', () => {
    assert.equal(toStrata('.Values.a | upper | quote'), '{{quote (upper values.a)}}');
    assert.equal(toStrata('template "x" .'), '{{> x}} or {{include "x" this}}');
  });
  it('keeps Handlebars syntax errors short and without the source line', () => {
    const e = syntaxError(
      new Error("Parse error on line 3:\n...secret-line...\n---^\nExpecting 'ID', got 'EOF'"),
      't.hbs',
    );
    assert.equal(e.message, "template syntax error: Expecting 'ID', found 'EOF'");
    assert.equal(e.where?.line, 3);
  });
});

describe('unknown helpers', () => {
  it('names the helper and the closest known ones, at template:line', () => {
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': cm('  a: {{qoute values.name}}\n') }),
      (e: Error) => {
        assert.match(e.message, /^unknown helper "qoute" \(did you mean "quote"/);
        assert.equal(where(e).line, 6);
        return true;
      },
    );
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': cm('  a: {{upper (lowr values.name)}}\n') }),
      /unknown helper "lowr" \(did you mean "lower"/,
    );
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': cm('{{#iff values.name}}x{{/iff}}') }),
      /unknown helper "iff" \(did you mean "if"/,
    );
  });
  it('is never "missing value"', () => {
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': cm('  a: {{nosuchthing "x"}}\n') }),
      (e: Error) => /^unknown helper "nosuchthing"/.test(e.message),
    );
  });
  it('ranks by edit distance', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.deepEqual(closestNames('tojson', ['toJson', 'toYaml', 'join', '__emit']), ['toJson']);
    assert.deepEqual(closestNames('zzzzzz', ['toJson']), []);
  });
});

describe('invalid YAML output names the template line', () => {
  it('blames the template line that wrote the bad output line', () => {
    const t = cm('  a: b\n{{#if true}}\n  c: d: e\n{{/if}}\n  f: g\n');
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': t }),
      (e: Error) => {
        assert.match(e.message, /^rendered output is not valid YAML: .* at line \d+ of the rendered output/);
        assert.equal(where(e).line, 8);
        return true;
      },
    );
  });
  it('blames a partial line, naming the template whose output broke', () => {
    const files = {
      '_bad.hbs': 'x: 1\n y: [\n',
      'cm.yaml.hbs': cm('  a: b\n  n: {{nindent 4 (include "bad" this)}}\n'),
    };
    assert.throws(
      () => renderApp(files),
      (e: Error) => {
        assert.match(e.message, /of the output of app\/templates\/cm\.yaml\.hbs/);
        assert.equal(where(e).file, 'app/templates/_bad.hbs');
        return true;
      },
    );
  });
  it('names a duplicate key, not its value', () => {
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': cm('  dup: s3cr3t-one\n  other: x\n  dup: s3cr3t-two\n') }),
      (e: Error) => {
        assert.match(e.message, /duplicated mapping key "dup"/);
        assert.doesNotMatch(e.message, /s3cr3t/);
        assert.equal(where(e).line, 8);
        return true;
      },
    );
    // A quoted key is named as the key it becomes, with the path of its map.
    assert.throws(
      () => parseRendered('a:\n  "b c": 1\n  b c: 2\n', 't.yaml.hbs'),
      /duplicated mapping key "b c" \(at \.a\) at line 3/,
    );
  });
  it('hands the rendered text to onBadOutput (render --debug)', () => {
    const seen: string[] = [];
    assert.throws(() =>
      renderApp({ 'cm.yaml.hbs': cm('  a: [\n') }, undefined, { onBadOutput: (t, x) => seen.push(`${t}|${x.length}`) }),
    );
    assert.deepEqual(seen, ['app/templates/cm.yaml.hbs|65']);
  });
  it('blames the last line with text when the parser stops at the end of the stream', () => {
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': cm('  x: { name: {{values.v}} }\n') }, 'v: "web\\",\\"ns\\":\\"x"\n'),
      (e: Error) => {
        assert.match(e.message, /"values\.v" is printed raw on that line: use \{\{quote values\.v\}\}/);
        assert.equal(where(e).line, 6);
        return true;
      },
    );
  });
  it('names the raw value printed on the bad line', () => {
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': cm('  a: {{values.v}}\n') }, 'v: "x: y"\n'),
      /"values\.v" is printed raw on that line: use \{\{quote values\.v\}\}/,
    );
  });
});
