import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActionNode, IfNode, Node, RangeNode, TextNode, WithNode } from '../src/core/go-template/ast.js';
import { GoTemplateError, parseGoTemplate } from '../src/core/go-template/parser.js';

// The Go text/template parser of `strata import helm` (src/core/go-template/): one test per construct,
// then the errors Go's own parser reports, each with its line.

const only = <T extends Node>(src: string): T => {
  const { list } = parseGoTemplate(src);
  const nodes = list.filter((n) => n.type !== 'text');
  assert.equal(nodes.length, 1);
  return nodes[0] as T;
};
const texts = (list: Node[]): string[] => list.filter((n): n is TextNode => n.type === 'text').map((n) => n.text);

describe('Go template parser', () => {
  test('text and a field action', () => {
    const { list } = parseGoTemplate('a: {{ .Values.image.tag }}\n');
    assert.deepEqual(texts(list), ['a: ', '\n']);
    const a = list[1] as ActionNode;
    assert.deepEqual(a.pipe.cmds[0].args[0], { type: 'field', path: ['Values', 'image', 'tag'], line: 1 });
  });

  test('trim markers remove the whitespace Go removes, and only with a space after {{- / before -}}', () => {
    assert.deepEqual(texts(parseGoTemplate('a \n  {{- .x -}}  \n b').list), ['a', 'b']);
    assert.deepEqual(texts(parseGoTemplate('a {{ .x }} b').list), ['a ', ' b']);
    // `{{-3}}` is the number -3, not a trim marker.
    const n = only<ActionNode>('x {{-3}} y');
    assert.deepEqual(n.pipe.cmds[0].args[0], { type: 'number', value: -3, text: '-3', line: 1 });
  });

  test('comments, with and without trim markers', () => {
    const { list } = parseGoTemplate('a\n{{- /* two\nlines */ -}}\nb {{/* c */}}');
    assert.deepEqual(
      list.map((n) => n.type),
      ['text', 'comment', 'text', 'comment'],
    );
    assert.equal((list[1] as { text: string }).text, ' two\nlines ');
    assert.deepEqual(texts(list), ['a', 'b ']);
  });

  test('pipelines, parentheses and function calls', () => {
    const a = only<ActionNode>('{{ include "x" . | nindent 4 }}');
    assert.equal(a.pipe.cmds.length, 2);
    assert.deepEqual(
      a.pipe.cmds[0].args.map((x) => x.type),
      ['identifier', 'string', 'dot'],
    );
    assert.deepEqual(
      a.pipe.cmds[1].args.map((x) => x.type),
      ['identifier', 'number'],
    );
    const p = only<ActionNode>('{{ and .a (eq .b "x") }}');
    const inner = p.pipe.cmds[0].args[2];
    assert.equal(inner.type, 'pipe');
  });

  test('chained fields on a parenthesized value', () => {
    const a = only<ActionNode>('{{ (index .Values "a").b.c }}');
    const c = a.pipe.cmds[0].args[0];
    assert.equal(c.type, 'chain');
    assert.deepEqual(c.type === 'chain' && c.path, ['b', 'c']);
  });

  test('variables: declare, assign, $ and $.Field', () => {
    const { list } = parseGoTemplate('{{ $x := .a }}{{ $x = .b }}{{ $.Values.y }}{{ $x.z }}');
    const [d, s, root, field] = list as ActionNode[];
    assert.deepEqual([d.pipe.decl, d.pipe.isAssign], [['x'], false]);
    assert.deepEqual([s.pipe.decl, s.pipe.isAssign], [['x'], true]);
    assert.deepEqual(root.pipe.cmds[0].args[0], { type: 'variable', name: '', path: ['Values', 'y'], line: 1 });
    assert.deepEqual(field.pipe.cmds[0].args[0], { type: 'variable', name: 'x', path: ['z'], line: 1 });
    // Go accepts redeclaring $ (helm/strata's _job.tpl does).
    assert.deepEqual((parseGoTemplate('{{ $ := .root }}').list[0] as ActionNode).pipe.decl, ['']);
  });

  test('literals: strings with escapes, raw strings, chars, numbers in every base, bools, nil', () => {
    const a = only<ActionNode>(
      '{{ list "a\\n\\"b\\x41\\u00e9" `r\\n` \'a\' 0x1F 0o17 017 0b101 1_000 1.5e2 .5 true false nil }}',
    );
    const vals = a.pipe.cmds[0].args.slice(1).map((x) => ('value' in x ? x.value : x.type));
    assert.deepEqual(vals, ['a\n"bAé', 'r\\n', 97, 31, 15, 15, 5, 1000, 150, 0.5, true, false, 'nil']);
  });

  test('if / else if / else', () => {
    const n = only<IfNode>('{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}');
    assert.equal(n.elseChained, true);
    const inner = n.elseList![0] as IfNode;
    assert.equal(inner.type, 'if');
    assert.deepEqual(texts(inner.list), ['B']);
    assert.deepEqual(texts(inner.elseList!), ['C']);
  });

  test('with / else, and else with', () => {
    const n = only<WithNode>('{{ with .a }}{{ . }}{{ else with .b }}B{{ else }}C{{ end }}');
    assert.equal(n.type, 'with');
    assert.equal(n.elseChained, true);
  });

  test('range with no, one and two variables, else, break and continue', () => {
    assert.deepEqual(only<RangeNode>('{{ range .a }}x{{ end }}').pipe.decl, []);
    assert.deepEqual(only<RangeNode>('{{ range $v := .a }}{{ $v }}{{ end }}').pipe.decl, ['v']);
    const r = only<RangeNode>(
      '{{ range $k, $v := .m }}{{ $k }}{{ if $v }}{{ break }}{{ end }}{{ continue }}{{ else }}none{{ end }}',
    );
    assert.deepEqual(r.pipe.decl, ['k', 'v']);
    assert.deepEqual(texts(r.elseList!), ['none']);
    assert.ok(r.list.some((n) => n.type === 'continue'));
  });

  test('define, template and block', () => {
    const f = parseGoTemplate('{{ define "a.b" }}A{{ end }}{{ template "a.b" . }}{{ block "c" .Values }}C{{ end }}');
    assert.deepEqual(
      f.defines.map((d) => d.name),
      ['a.b', 'c'],
    );
    assert.deepEqual(
      f.list.map((n) => (n.type === 'template' ? [n.name, !!n.block] : n.type)),
      [
        ['a.b', false],
        ['c', true],
      ],
    );
  });

  test('lines are counted through text, comments and multi-line actions', () => {
    const { list } = parseGoTemplate('a\n{{/*\n\n*/}}\n{{ if\n .x }}\n{{ .y }}{{ end }}');
    const n = list.find((x) => x.type === 'if') as IfNode;
    assert.equal(n.line, 5);
    assert.equal((n.list.find((x) => x.type === 'action') as ActionNode).line, 7);
  });

  const errors: [string, string, RegExp, number][] = [
    ['unclosed action', 'a\n{{ .x ', /unclosed action/, 2],
    ['unclosed if', 'x\n{{ if .a }}\nA\n', /unclosed \{\{if\}\} \(opened at line 2\)/, 4],
    [
      'unclosed range in a define',
      '{{ define "x" }}{{ range .a }}{{ end }}',
      /unclosed \{\{define\}\} \(opened at line 1\)/,
      1,
    ],
    ['stray end', 'a {{ end }}', /unexpected \{\{end\}\}/, 1],
    ['stray else', '{{ else }}', /unexpected \{\{else\}\}/, 1],
    ['two elses', '{{ if .a }}{{ else }}{{ else }}{{ end }}', /else\}\} after \{\{else\}\}/, 1],
    ['undefined variable', '{{ $y }}', /undefined variable "\$y"/, 1],
    ['variable out of scope', '{{ if .a }}{{ $x := 1 }}{{ end }}{{ $x }}', /undefined variable "\$x"/, 1],
    ['unterminated string', '{{ "abc }}', /unterminated quoted string/, 1],
    ['bad escape', '{{ "\\q" }}', /invalid escape/, 1],
    ['bad number', '{{ 3x }}', /bad number syntax/, 1],
    ['empty action', '{{ }}', /missing value for command/, 1],
    ['unclosed paren', '{{ (print 1 }}', /unclosed left paren/, 1],
    ['unclosed comment', '{{/* x', /unclosed comment/, 1],
    ['comment not at the delimiter', '{{/* x */ .a }}', /comment ends before closing delimiter/, 1],
    ['define not at top level', '{{ if .a }}{{ define "x" }}{{ end }}{{ end }}', /only allowed at the top level/, 1],
    ['break outside range', '{{ break }}', /outside \{\{range\}\}/, 1],
    ['two variables outside range', '{{ $a, $b := .x }}', /too many declarations/, 1],
    ['missing command after |', '{{ .a | }}', /missing command after \|/, 1],
    ['field on a constant', '{{ "a".b }}', /unexpected field/, 1],
  ];
  for (const [name, src, re, line] of errors) {
    test(`error: ${name}`, () => {
      assert.throws(
        () => parseGoTemplate(src),
        (e: unknown) => e instanceof GoTemplateError && re.test(e.message) && e.line === line,
      );
    });
  }
});
