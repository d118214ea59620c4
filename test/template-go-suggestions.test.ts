// The strata spelling a Go-syntax error suggests must itself render (issue 24 §3): each case takes the
// suggestion out of the error message, puts it in a template, renders it and checks the output.
// Run: node --import tsx --test test/template-go-suggestions.test.ts
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findGoSyntax } from '../src/core/template/go-syntax.js';
import { cm, dataOf, renderApp } from './template/app.js';

interface Case {
  /** The Go action as Helm's templates write it. */
  go: string;
  /** The suggestion we expect, `…` where the block's body goes. */
  suggests: string;
  values: string;
  /** The template text around the applied suggestion (default: the suggestion itself). */
  wrap?: (s: string) => string;
  body?: string;
  expect: string;
}

const CASES: Case[] = [
  {
    go: '{{- if and .Values.a .Values.b }}',
    suggests: '{{#if (and values.a values.b)}}…{{/if}}',
    values: 'a: true\nb: true\n',
    expect: 'yes',
  },
  {
    go: '{{- if and .Values.a .Values.b }}',
    suggests: '{{#if (and values.a values.b)}}…{{/if}}',
    values: 'a: true\nb: false\n',
    expect: '',
  },
  { go: '{{- if ne .Values.x "y" }}', suggests: '{{#if (ne values.x "y")}}…{{/if}}', values: 'x: z\n', expect: 'yes' },
  { go: '{{ if eq .Values.x "y" }}', suggests: '{{#if (eq values.x "y")}}…{{/if}}', values: 'x: z\n', expect: '' },
  {
    go: '{{- with .Values.x | default "d" }}',
    suggests: '{{#with (default "d" values.x)}}…{{/with}}',
    values: 'y: 1\n',
    body: '{{this}}',
    expect: 'd',
  },
  {
    go: '{{- $n := include "name" . }}',
    suggests: '{{#with (include "name" this) as |n|}}…{{/with}}',
    values: 'y: 1\n',
    body: '{{n}}',
    expect: 'hello',
  },
  {
    go: '{{- if .Capabilities.APIVersions.Has "apps/v1" }}',
    suggests: '{{#if (apiVersionAvailable "apps/v1")}}…{{/if}}',
    values: 'y: 1\n',
    expect: 'yes',
  },
  {
    go: '{{- if .Capabilities.APIVersions.Has "no.such/v9" }}',
    suggests: '{{#if (apiVersionAvailable "no.such/v9")}}…{{/if}}',
    values: 'y: 1\n',
    expect: '',
  },
  { go: '{{/* a comment */}}', suggests: '{{!-- … --}}', values: 'y: 1\n', body: 'a comment', expect: '' },
  { go: '{{- /* trimmed */ -}}', suggests: '{{!-- … --}}', values: 'y: 1\n', body: 'trimmed', expect: '' },
  {
    go: '{{- else if and .Values.a .Values.b }}',
    suggests: '{{else if (and values.a values.b)}}',
    values: 'a: true\nb: true\n',
    wrap: (s) => `{{#if values.c}}c${s}yes{{/if}}`,
    expect: 'yes',
  },
  {
    go: '{{- range .Values.list | uniq }}',
    suggests: '{{#each (uniq values.list)}}…{{/each}}',
    values: 'list: [a, b, a]\n',
    body: '{{this}}',
    expect: 'ab',
  },
  {
    go: '{{ .Values.name | default "x" | quote }}',
    suggests: '{{quote (default "x" values.name)}}',
    values: 'y: 1\n',
    expect: 'x',
  },
];

/** The spelling between "in strata write " and "; see docs", without a trailing explanation in parentheses. */
function suggestion(message: string): string {
  const m = /in strata write (.*?); see docs\//.exec(message);
  assert.ok(m, message);
  return m[1].replace(/(\}\}) \([^)]*\)$/, '$1');
}

describe('Go-syntax errors suggest strata that renders', () => {
  for (const c of CASES) {
    it(`${c.go} (${c.values.trim().replace(/\n/g, ', ')})`, () => {
      const err = findGoSyntax(`a: ${c.go}\n`, 't.yaml.hbs');
      assert.ok(err, 'a Go construct is found');
      const s = suggestion(err.message);
      assert.equal(s, c.suggests);
      const applied = (c.wrap ?? ((x: string) => x))(s.replace('…', c.body ?? 'yes'));
      // Inside a quoted value, so what the suggestion prints is the whole value (a `quote` suggestion quotes itself).
      const text = s.startsWith('{{quote') ? cm(`  k: ${applied}\n`) : cm(`  k: "${applied}"\n`);
      const r = renderApp({ 'cm.yaml.hbs': text, '_name.hbs': 'hello' }, c.values);
      assert.equal(dataOf(r).k, c.expect);
    });
  }
});

describe('escaped mustaches are not Go syntax', () => {
  it('`\\{{ $labels.x }}` prints literally (Prometheus alert rules), as Handlebars escapes it', async () => {
    const { TemplateSet } = await import('../src/core/template/set.js');
    const path = 't.yaml.hbs';
    const text = 'k: "\\{{ $labels.instance }} is down"\n';
    const set = new TemplateSet([{ path, kind: 'template', name: path }], new Map([[path, text]]));
    assert.equal(
      set.render(path, {}, { template: path, emitted: [], log: () => {} }),
      'k: "{{ $labels.instance }} is down"\n',
    );
  });

  it('toString is a helper strata has (not taken for a refused one)', async () => {
    const { HELPER_NAMES } = await import('../src/core/helpers.js');
    assert.ok(HELPER_NAMES.includes('toString'));
  });
});
