import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGoTemplate } from '../src/core/go-template/parser.js';
import { Translator, type ChartInfo } from '../src/core/go-template/translate.js';
import { cm, dataOf, renderApp } from './template/app.js';

// The Go template -> strata translator (src/core/go-template/translate.ts): each construct is translated and the result
// rendered by strata's engine; the expected data is what Go text/template + sprig prints for the same
// template and values (checked by hand against the Go harness, test/chart/render.sh).

const CHART = { name: 'demo', version: '1.2.3', appVersion: '2.0' };

function translate(template: string, helpers = ''): { files: Record<string, string>; tr: Translator } {
  const t = parseGoTemplate(template);
  const h = parseGoTemplate(helpers);
  const defines = [...t.defines, ...h.defines];
  const info: ChartInfo = {
    name: CHART.name,
    meta: CHART,
    defines: new Set(defines.map((d) => d.name)),
    templates: new Set(['templates/cm.yaml']),
  };
  const tr = new Translator(info);
  const files: Record<string, string> = { 'cm.yaml.hbs': tr.template('templates/cm.yaml', t.list) };
  if (defines.length) files['_helpers.hbs'] = defines.map((d) => tr.define('templates/_helpers.tpl', d)).join('\n');
  return { files, tr };
}

/** Translate a ConfigMap whose data is `body`, render it with `values`, return its data. */
function data(body: string, values = 'name: web\n', helpers = ''): Record<string, unknown> {
  const { files } = translate(cm(body), helpers);
  return dataOf(renderApp(files, values));
}

describe('import: Go template -> strata', () => {
  test('fields, pipelines and quote', () => {
    assert.deepEqual(
      data('  a: {{ .Values.name | upper | quote }}\n  b: {{ printf "%s-%s" .Values.name "x" | trunc 5 }}\n'),
      { a: 'WEB', b: 'web-x' },
    );
  });

  test('if / else if / else with and, eq and not; trim markers and lines holding only a tag', () => {
    const body =
      '  {{- if and .Values.a (eq .Values.b "x") }}\n  r: both\n  {{- else if not .Values.a }}\n  r: none\n  {{- else }}\n  r: a\n  {{- end }}\n';
    assert.deepEqual(data(body, 'a: true\nb: x\n'), { r: 'both' });
    assert.deepEqual(data(body, 'a: false\nb: x\n'), { r: 'none' });
    assert.deepEqual(data(body, 'a: true\nb: q\n'), { r: 'a' });
    // Without trim markers Go keeps the blank lines; the YAML is the same.
    assert.deepEqual(data('  {{ if .Values.a }}\n  r: on1\n  {{ end }}\n', 'a: 1\n'), { r: 'on1' });
  });

  test('range over a map with $k, $v (sorted keys), over a list with ., and range … else', () => {
    assert.deepEqual(
      data('  {{- range $k, $v := .Values.m }}\n  {{ $k }}: {{ $v | quote }}\n  {{- end }}\n', 'm: {b: 2, a: 1}\n'),
      { a: '1', b: '2' },
    );
    assert.deepEqual(data('  l: "{{ range .Values.l }}{{ . }};{{ end }}"\n', 'l: [p, q]\n'), { l: 'p;q;' });
    assert.deepEqual(data('  l: "{{ range $i, $v := .Values.l }}{{ $i }}={{ $v }} {{ end }}"\n', 'l: [p, q]\n'), {
      l: '0=p 1=q ',
    });
    assert.deepEqual(data('  l: "{{ range .Values.l }}x{{ else }}empty{{ end }}"\n', 'l: []\n'), { l: 'empty' });
  });

  test('$ and the root inside range and with; a variable declared outside used inside', () => {
    const body =
      '  {{- $n := .Values.name }}\n  {{- range .Values.l }}\n  {{ . }}: {{ printf "%s-%s" $n $.Values.suffix | quote }}\n  {{- end }}\n  {{- with .Values.w }}\n  w: {{ .x }}-{{ $.Values.suffix }}\n  {{- end }}\n';
    assert.deepEqual(data(body, 'name: web\nsuffix: s\nl: [a, b]\nw: {x: 1}\n'), { a: 'web-s', b: 'web-s', w: '1-s' });
  });

  test('with … else runs the else branch for an empty map (Go truthiness)', () => {
    assert.deepEqual(data('  r: {{ with .Values.m }}set{{ else }}unset{{ end }}\n', 'm: {}\n'), { r: 'unset' });
  });

  test('define / include / template with nindent and toYaml; a define whose dot is used inside range', () => {
    const helpers =
      '{{- define "demo.name" -}}{{ default .Chart.Name .Values.nameOverride | trunc 63 }}{{- end }}\n' +
      '{{- define "demo.labels" -}}\napp: {{ include "demo.name" . }}\nrelease: {{ .Release.Name }}\n{{- end }}\n' +
      '{{- define "demo.each" -}}{{ range .Values.l }}{{ . }}@{{ $.Values.name }} {{ end }}{{- end }}\n';
    const body =
      '  labels: |{{- include "demo.labels" . | nindent 4 }}\n  t: {{ template "demo.name" . }}\n  e: {{ include "demo.each" . | quote }}\n  y: {{- toYaml .Values.m | nindent 4 }}\n';
    const out = data(body, 'name: web\nl: [a, b]\nm: {k: v}\n', helpers);
    assert.deepEqual(out, { labels: 'app: demo\nrelease: app\n', t: 'demo', e: 'a@web b@web ', y: { k: 'v' } });
  });

  test('default, required, ternary, hasKey and index', () => {
    assert.deepEqual(
      data(
        '  a: {{ .Values.x | default "d" }}\n  b: {{ required "need y" .Values.y }}\n  c: {{ ternary "t" "f" .Values.z }}\n  d: {{ hasKey .Values "y" | quote }}\n  e: {{ index .Values "my-key" }}\n',
        'y: why\nz: true\nmy-key: k\n',
      ),
      {
        a: 'd',
        b: 'why',
        c: 't',
        d: 'true',
        e: 'k',
      },
    );
    assert.throws(() => data('  b: {{ required "y is required" .Values.y }}\n', 'a: 1\n'), /y is required/);
  });

  test('a variable declared with required fails where it is declared, even unused', () => {
    assert.throws(() => data('  {{- $_ := required "x is required" .Values.x }}\n  a: b\n', 'a: 1\n'), /x is required/);
  });

  test('.Chart, .Release and .Capabilities', () => {
    assert.deepEqual(
      data(
        '  c: {{ .Chart.Name }}-{{ .Chart.Version }}-{{ .Chart.AppVersion }}\n  r: {{ .Release.Name }}.{{ .Release.Namespace }}\n  h: {{ .Capabilities.APIVersions.Has "apps/v1" | quote }}\n  k: {{ semverCompare ">=1.20-0" .Capabilities.KubeVersion.GitVersion | quote }}\n  v: {{ .Capabilities.KubeVersion.Major }}\n',
      ),
      { c: 'demo-1.2.3-2.0', r: 'app.ns', h: 'true', k: 'true', v: 1 },
    );
  });

  test('include of a template by path (checksum annotations) is constant-folded and recorded', () => {
    const { tr, files } = translate(cm('  s: {{ include (print $.Template.BasePath "/cm.yaml") . | sha256sum }}\n'));
    assert.deepEqual([...tr.templateIncludes], ['templates/cm.yaml']);
    assert.match(files['cm.yaml.hbs'], /include "demo\/templates\/cm\.yaml" this/);
  });

  test('string literals: quotes, newlines and a trailing backslash survive', () => {
    assert.deepEqual(
      data('  a: {{ "say \\"hi\\"" | quote }}\n  b: {{ "a\\nb" | quote }}\n  c: {{ "x\\\\" | quote }}\n'),
      { a: 'say "hi"', b: 'a\nb', c: 'x\\' },
    );
  });

  test('literal {{ in Go output is escaped', () => {
    // (A `$` after the escaped braces trips strata's Go-syntax check, a core matter: see the import report.)
    assert.deepEqual(data('  a: "{{ "{{" }} labels }}"\n'), { a: '{{ labels }}' });
  });

  test('block parameters never take a helper name', () => {
    assert.deepEqual(data('  a: "{{ range $values := .Values.l }}{{ $values }}{{ end }}"\n', 'l: [x]\n'), { a: 'x' });
  });

  test('reassignment inside if / else if used after it: the value is chosen by the same conditions (ingress-nginx PDB)', () => {
    const body =
      '  {{- $r := .Values.replicaCount }}\n  {{- if and .Values.hpa.enabled (not .Values.keda.enabled) }}\n  {{- $r = .Values.hpa.minReplicas }}\n  {{- else if and .Values.keda.enabled (not .Values.hpa.enabled) }}\n  {{- $r = .Values.keda.minReplicas }}\n  {{- end }}\n  {{- if gt ($r | int) 1 }}\n  pdb: "on"\n  {{- end }}\n  r: {{ $r | quote }}\n';
    const { tr } = translate(cm(body));
    assert.deepEqual(tr.places, []);
    const v = (hpa: boolean, keda: boolean): string =>
      `replicaCount: 1\nhpa: {enabled: ${hpa}, minReplicas: 2}\nkeda: {enabled: ${keda}, minReplicas: 3}\n`;
    assert.deepEqual(data(body, v(false, false)), { r: '1' });
    assert.deepEqual(data(body, v(true, false)), { pdb: 'on', r: '2' });
    assert.deepEqual(data(body, v(false, true)), { pdb: 'on', r: '3' });
    assert.deepEqual(data(body, v(true, true)), { r: '1' });
  });

  test('a deeper path assigned in an arm is computed only when its condition holds: its middle step may be missing', () => {
    // Go: x is "dflt" when .Values.img is absent (the arm, whose .Values.img.tag would fail, never runs).
    const body =
      '  {{- $x := "dflt" }}{{- if .Values.img }}{{ $x = .Values.img.tag }}{{ end }}\n  x: {{ $x | quote }}\n';
    assert.deepEqual(data(body, 'name: w\n'), { x: 'dflt' });
    assert.deepEqual(data(body, 'img: {tag: v2}\n'), { x: 'v2' });
    // Inside an expression (a condition) it cannot be made lazy: left.
    const cond = translate(
      cm(
        '  {{- $x := "dflt" }}{{- if .Values.img }}{{ $x = .Values.img.tag }}{{ end }}\n  {{- if eq $x "v" }}\n  v: yes\n  {{- end }}\n',
      ),
    );
    assert.equal(cond.tr.places.length, 1);
  });

  test('a reassigned value is computed only when its condition holds (required, include), in printed text', () => {
    const helpers = '{{- define "demo.v" -}}{{ required "v is required" .Values.v }}{{- end }}\n';
    const body =
      '  {{- $x := "a" }}\n  {{- if .Values.on }}\n  {{- $x = required "v is required" .Values.v }}\n  {{- end }}\n  {{- $y := "b" }}\n  {{- if .Values.inc }}\n  {{- $y = include "demo.v" . }}\n  {{- end }}\n  x: {{ $x | quote }}\n  y: {{ printf "%s-%s" $y $x }}\n';
    assert.deepEqual(translate(cm(body), helpers).tr.places, []);
    assert.deepEqual(data(body, 'on: false\n', helpers), { x: 'a', y: 'b-a' });
    assert.deepEqual(data(body, 'on: true\ninc: true\nv: w\n', helpers), { x: 'w', y: 'w-w' });
    assert.throws(() => data(body, 'on: true\n', helpers), /v is required/);
    assert.throws(() => data(body, 'inc: true\n', helpers), /v is required/);
    // Inside an expression (a condition) there is no lazy choice: such a value is left, failing only there.
    const inCond = translate(
      cm(
        '  {{- $x := "a" }}\n  {{- if .Values.on }}{{ $x = required "v" .Values.v }}{{ end }}\n  {{- if eq $x "a" }}\n  a: b\n  {{- end }}\n',
      ),
    );
    assert.deepEqual(
      inCond.tr.places.map((p) => `${p.line}:${p.construct}`),
      ['8:$x'],
    );
  });

  test('inside an expression: the outermost condition and the value before the if are computed eagerly (Go computed them); an else-if condition only if it cannot fail', () => {
    // kube-state-metrics' collectors helper: a string becomes a one-item list, then used by `has` in a range.
    const body =
      '  {{- $e := .Values.ex | default (list) }}\n  {{- if kindIs "string" $e }}\n  {{- $e = list $e }}\n  {{- end }}\n  l: "{{ range .Values.l }}{{ if not (has . $e) }}{{ . }};{{ end }}{{ end }}"\n';
    assert.deepEqual(translate(cm(body)).tr.places, []);
    assert.deepEqual(data(body, 'ex: b\nl: [a, b, c]\n'), { l: 'a;c;' });
    assert.deepEqual(data(body, 'ex: [a, c]\nl: [a, b, c]\n'), { l: 'b;' });
    assert.deepEqual(data(body, 'l: [a]\n'), { l: 'a;' });
    const helpers = '{{- define "demo.v" -}}{{ required "v is required" .Values.v }}{{- end }}\n';
    const elseIf = translate(
      cm(
        '  {{- $x := "0" }}\n  {{- if .Values.a }}{{ $x = "1" }}{{ else if include "demo.v" . }}{{ $x = "2" }}{{ end }}\n  {{- if eq $x "1" }}\n  a: b\n  {{- end }}\n',
      ),
      helpers,
    );
    assert.deepEqual(
      elseIf.tr.places.map((p) => `${p.line}:${p.construct}`),
      ['8:$x'],
    );
  });

  test('reassignment inside with uses the with value; chains, nesting, else and shadowing', () => {
    const body =
      '  {{- $x := "d" }}\n  {{- with .Values.w }}\n  {{- $x = .k }}\n  {{- if .up }}{{ $x = upper .k }}{{ end }}\n  {{- end }}\n  {{- $z := "z0" }}\n  {{- if .Values.a }}{{ $z = "z1" }}{{ else }}{{ $z = "z2" }}{{ end }}\n  {{- if .Values.b }}{{ $z = printf "%s+b" $z }}{{ end }}\n  {{- if .Values.a }}{{ $s := "shadow" }}{{ $s = "s2" }}{{ $z = $s }}{{ end }}\n  x: {{ $x }}\n  c: {{ ternary "yes" "no" (eq $x "K") | quote }}\n  z: {{ $z }}\n';
    assert.deepEqual(translate(cm(body)).tr.places, []);
    assert.deepEqual(data(body, 'w: {}\n'), { x: 'd', c: 'no', z: 'z2' });
    assert.deepEqual(data(body, 'w: {k: k}\nb: 1\n'), { x: 'k', c: 'no', z: 'z2+b' });
    assert.deepEqual(data(body, 'w: {k: k, up: true}\na: 1\n'), { x: 'K', c: 'yes', z: 's2' });
    // `:=` inside a branch declares a new variable: the outer one keeps its value.
    assert.deepEqual(
      data('  {{- $x := "o" }}{{ if .Values.a }}{{ $x := "i" }}{{ $x = "j" }}{{ end }}\n  x: {{ $x }}\n', 'a: 1\n'),
      {
        x: 'o',
      },
    );
  });

  test('$_ := set/unset/merge on a variable holding a map the template made is a reassignment of that variable', () => {
    const body =
      '  {{- $d := dict "a" (dict "x" 1) "b" 2 }}\n  {{- with .Values.aff }}\n  {{- if .a }}\n  {{- $_ := set $d "a" (mergeOverwrite $d.a .a) }}\n  {{- end }}\n  {{- if .c }}{{ $_ := set $d "c" .c }}{{ end }}\n  {{- end }}\n  {{- $_ := unset $d "b" }}\n  {{- $m := fromYaml "p: 1" }}\n  {{- $_ := merge $m (dict "p" 2 "q" 3) }}\n  d: {{ toJson $d | quote }}\n  m: {{ toJson $m | quote }}\n';
    assert.deepEqual(translate(cm(body)).tr.places, []);
    assert.deepEqual(data(body, 'aff: {a: {y: 2}}\n'), { d: '{"a":{"x":1,"y":2}}', m: '{"p":1,"q":3}' });
    assert.deepEqual(data(body, 'aff: {c: 5}\n'), { d: '{"a":{"x":1},"c":5}', m: '{"p":1,"q":3}' });
    // A map reached through the values (or dot) is changed in place by sprig: still left.
    const left = translate(cm('  {{- $v := .Values.m }}\n  {{- $_ := set $v "k" 1 }}\n  {{- $_ := set . "k" 1 }}\n'));
    assert.deepEqual(
      left.tr.places.map((p) => `${p.line}:${p.construct}`),
      ['7:set', '8:set'],
    );
  });

  test('reassignment: in the same list it rebinds; inside range or used after an if it is left, failing there', () => {
    assert.deepEqual(data('  {{- $x := "a" }}\n  {{- $x = "b" }}\n  x: {{ $x }}\n'), { x: 'b' });
    const inRange = translate(cm('  {{- $x := "a" }}{{ range .Values.l }}{{ $x = . }}{{ end }}\n  x: {{ $x }}\n'));
    assert.deepEqual(
      inRange.tr.places.map((p) => [p.line, p.construct]),
      [
        [6, '$x = inside range'],
        [7, '$x'],
      ],
    );
    assert.throws(
      () => renderApp(inRange.files, 'l: [b]\n'),
      /strata import: \$x = inside range at templates\/cm\.yaml:6 has no strata equivalent/,
    );
  });

  test('{{continue}} ending an arm of an if at the top of a range body: what follows goes to the other arm', () => {
    const l = 'l: [a, b, c]\n';
    const run = (body: string) => {
      const { files, tr } = translate(cm(`  r: "{{ range .Values.l }}${body}{{ end }}"\n`));
      assert.deepEqual(tr.places, [], body);
      return dataOf(renderApp(files, l)).r;
    };
    // The expected texts are what Go prints for the same range.
    assert.equal(run('{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }};'), 'a;c;');
    assert.equal(run('{{ if eq . "b" }}skip-{{ . }};{{ continue }}dead{{ end }}{{ . }};'), 'a;skip-b;c;');
    assert.equal(run('{{ if eq . "b" }}B;{{ else }}{{ continue }}{{ end }}{{ . }}!'), 'B;b!');
    assert.equal(run('{{ if eq . "a" }}{{ continue }}{{ else if eq . "b" }}B;{{ end }}{{ . }}.'), 'B;b.c.');
    assert.equal(run('{{ if eq . "a" }}{{ continue }}{{ end }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}'), 'c');
    // Deeper than an arm of a top-level if, and break: left, as before.
    for (const body of [
      '{{ if true }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ end }}{{ . }}',
      '{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}',
    ]) {
      const { tr } = translate(cm(`  r: "{{ range .Values.l }}${body}{{ end }}"\n`));
      assert.equal(tr.places.length, 1, body);
    }
  });

  test('braces printed from Go string literals stay text, after backslashes too and across adjacent prints', () => {
    // Go prints these texts as they are.
    assert.deepEqual(
      data('  a: {{ "x{{y" }}\n  b: {{ "x\\\\{{y" }}\n  c: {{ "x\\\\" }}{{ "{{y}}" }}\n  d: {{ "x\\\\\\\\{{y" }}\n'),
      { a: 'x{{y', b: 'x\\{{y', c: 'x\\{{y}}', d: 'x\\\\{{y' },
    );
  });

  test('$.Template as a value is a map of Name and BasePath (set . "Template" $.Template, for tpl)', () => {
    assert.deepEqual(data('  t: {{ toJson $.Template | quote }}\n'), {
      t: '{"BasePath":"demo/templates","Name":"demo/templates/cm.yaml"}',
    });
  });

  test('constructs with no equivalent are listed and fail only when reached', () => {
    const { tr, files } = translate(
      cm(
        '  {{- if .Values.on }}\n  a: {{ lookup "v1" "Secret" "ns" "x" }}\n  b: {{ (.Files.Glob "conf/*").AsConfig }}\n  c: {{ genSelfSignedCert "x" nil nil 365 }}\n  {{- end }}\n  {{- range .Values.l }}{{ break }}{{ end }}\n  d: {{ nosuchfunc 1 }}\n  {{- $_ := set .Values "k" "v" }}\n  {{- template "missing" . }}\n',
      ),
    );
    assert.deepEqual(
      tr.places.map((p) => `${p.line}:${p.construct}`),
      [
        '7:lookup',
        '8:.Files.Glob',
        '9:genSelfSignedCert',
        '11:{{break}}',
        '12:nosuchfunc',
        '13:set',
        '14:template "missing"',
      ],
    );
    // The `if` is false: the render reaches only the later places.
    assert.throws(() => renderApp(files, 'on: false\nl: []\n'), /nosuchfunc at templates\/cm\.yaml:12/);
  });

  test('Go comments become Handlebars comments; comments holding template syntax are not copied', () => {
    const { files } = translate(cm('  {{- /* plain words */}}\n  {{- /* uses .Values.x | quote */}}\n  a: b\n'));
    assert.match(files['cm.yaml.hbs'], /\{\{!-- plain words --\}\}/);
    assert.doesNotMatch(files['cm.yaml.hbs'], /\.Values/);
    assert.deepEqual(dataOf(renderApp(files)), { a: 'b' });
  });
});
