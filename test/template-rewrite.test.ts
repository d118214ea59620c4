import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Handlebars from 'handlebars';
import { MemoryFs } from '../src/core/fs.js';
import { Produced } from '../src/core/helpers.js';
import { TemplateCache } from '../src/core/template/cache.js';
import { emit } from '../src/core/template/emit.js';
import { listTemplateFiles } from '../src/core/template/files.js';
import { decode, lineMarker, stripMarkers } from '../src/core/template/line-map.js';
import { rewrite } from '../src/core/template/rewrite.js';
import type { PathIndex, RenderState } from '../src/core/template/types.js';

// Direct tests of the rewrite, the emission checks, the line map, the file listing and the set cache.

const HELPERS = new Set(['quote', 'include', 'if', 'each']);

function rewritten(src: string, lines = false): { printed: string; index: PathIndex } {
  const index: PathIndex = { paths: new Map(), calls: new Map() };
  const ast = rewrite(Handlebars.parse(src), { file: 't.hbs', index, helpers: HELPERS, lines });
  return { printed: (Handlebars as unknown as { print(a: unknown): string }).print(ast), index };
}

describe('rewrite', () => {
  it('wraps every printed expression in __emit with its source, line and file', () => {
    const { printed, index } = rewritten('a: {{values.image.tag}}\nb: {{quote values.x}}\n');
    assert.match(
      printed,
      /PATH:__emit \[PATH:__path \[PATH:values, "image", "tag"\] HASH\{src="values\.image\.tag", line=NUMBER\{1\}, file="t\.hbs"\}\]/,
    );
    assert.match(printed, /PATH:__emit \[PATH:quote \[PATH:__path \[PATH:values, "x"\]/);
    assert.match(printed, /HASH\{src="quote …", line=NUMBER\{2\}, file="t\.hbs"\}/);
    assert.equal(index.paths.get('1:5'), 'values.image.tag');
  });
  it('refuses unknown helpers and Go keywords at compile time', () => {
    assert.throws(() => rewritten('{{qoute x}}'), /unknown helper "qoute" \(did you mean "quote"\?\)/);
    assert.throws(() => rewritten('{{#eahc x}}{{/eahc}}'), /unknown helper "eahc" \(did you mean "each"\?\)/);
    assert.throws(() => rewritten('{{end}}'), /Go template \(Helm\) syntax \(`end`\)/);
    assert.doesNotThrow(() => rewritten('{{values.x}} {{this}} {{@root.values}}'));
  });
  it('in lines mode marks literal text with its template line, after whitespace control', () => {
    const { printed } = rewritten('a: 1\n{{#if x}}\nb: 2\n{{/if}}\nc: 3\n', true);
    assert.ok(
      printed.includes(JSON.stringify(lineMarker('t.hbs', 3)).slice(1, -1)) || printed.includes(lineMarker('t.hbs', 3)),
    );
  });
});

describe('emit', () => {
  const opts = (state?: Partial<RenderState>) =>
    ({
      hash: { src: 'values.v', line: 3, file: 't.hbs' },
      data: state ? { strata: { template: 't.hbs', emitted: [], log: () => {}, ...state } } : {},
    }) as never;
  it('passes produced text and scalars, prints null as nothing', () => {
    assert.equal(emit(new Produced('a: 1\nb: 2'), opts()), 'a: 1\nb: 2');
    assert.equal(emit(5, opts()), '5');
    assert.equal(emit(null, opts()), '');
  });
  it('refuses missing values, maps, lists and multi-line strings, naming the source and line', () => {
    assert.throws(() => emit(undefined, opts()), /missing value "values\.v"/);
    assert.throws(
      () => emit({ a: 1 }, opts()),
      /"values\.v" is a map; print it with \{\{nindent N \(toYaml values\.v\)\}\}/,
    );
    assert.throws(() => emit([1], opts()), /is a list/);
    assert.throws(() => emit('a\nb', opts()), /multi-line string/);
    assert.throws(() => emit('a\uFDD0b', opts()), /noncharacters/);
  });
  it('flags a render for the parser check only when a raw string is not trivially safe', () => {
    const o = opts({ needsRawCheck: false }) as unknown as { data: { strata: RenderState } };
    emit('web-1.example.com/path', o as never);
    emit('https://u@h:8080/p', o as never);
    assert.equal(o.data.strata.needsRawCheck, false);
    emit('two words', o as never);
    assert.equal(o.data.strata.needsRawCheck, true);
  });
  it('wraps raw strings in markers in a raw render', () => {
    const o = opts({ mode: 'raw' });
    const d = decode(`x: ${emit('two words', o)}\n`, { file: 't.hbs', line: 1 });
    assert.equal(d.text, 'x: two words\n');
    assert.deepEqual(d.spans, [{ start: 3, end: 12, file: 't.hbs', line: 3, src: 'values.v' }]);
  });
});

describe('line map', () => {
  it('decodes line markers into a source line per output line', () => {
    const marked = `${lineMarker('t', 1)}a\n${lineMarker('t', 2)}b: ${lineMarker('p', 7)}x\ny\n${lineMarker('t', 5)}c\n`;
    const d = decode(marked, { file: 't', line: 1 });
    assert.equal(d.text, 'a\nb: x\ny\nc\n');
    assert.deepEqual(d.lines.slice(0, 4), [
      { file: 't', line: 1 },
      { file: 't', line: 2 },
      { file: 'p', line: 7 },
      { file: 't', line: 5 },
    ]);
    assert.equal(stripMarkers(marked), 'a\nb: x\ny\nc\n');
  });
});

describe('files and cache', () => {
  const fs = new MemoryFs({
    't/_h.hbs': 'x',
    't/a.yaml.hbs': 'apiVersion: v1',
    't/s.yaml': 'a: 1',
    't/README.md': '#',
    't/sub/_p.tpl': 'y',
  });
  it('lists templates, partials and static files, sorted', () => {
    assert.deepEqual(
      listTemplateFiles(fs, 't').map((f) => `${f.kind}:${f.name}:${f.path}`),
      ['partial:h:t/_h.hbs', 'template:a.yaml.hbs:t/a.yaml.hbs', 'static:s.yaml:t/s.yaml', 'partial:p:t/sub/_p.tpl'],
    );
    assert.throws(() => listTemplateFiles(fs, 'nope'), /templates folder does not exist/);
  });
  it('reuses a set until a file changes', () => {
    const cache = new TemplateCache();
    const one = cache.load(fs, 't');
    assert.equal(cache.load(fs, 't'), one);
    fs.write('t/a.yaml.hbs', 'apiVersion: v2');
    assert.notEqual(cache.load(fs, 't'), one);
  });
});
