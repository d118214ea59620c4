// The render's one Tracer (src/core/trace.ts): which values file:line printed a rendered text. Named table
// tests of each method on hand-made `emitted` lists; the linear-cost case is in linear-data.test.ts.
// Run: node --import tsx --test test/trace.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValuesBuilder } from '../src/core/merge.js';
import type { Emitted } from '../src/core/templates.js';
import { makeTracer } from '../src/core/trace.js';
import type { MergedValues, Value, Values } from '../src/core/types.js';

/** Merged values whose every origin is `values.yaml` at line = the length of the value's path (distinct per path). */
function merged(values: Values): MergedValues {
  const b = new ValuesBuilder();
  b.mergeLayer(values, (p) => ({ file: 'values.yaml', line: p.length }));
  return b.result();
}

const line = (path: string): number => path.length;

function printed(template: string, entries: Record<string, Value>): Emitted[] {
  return Object.entries(entries).map(([valuePath, value]) => ({ template, valuePath, value }));
}

describe('Tracer.origin', () => {
  const m = merged({ image: { tag: 'v1.2.3' }, other: 'v1.2.3', replicas: 1, cpu: 1, host: 'web.example.com' });
  const tracer = makeTracer(
    printed('t', { '.image': { tag: 'v1.2.3' }, '.other': 'v1.2.3', '.replicas': 1, '.host': 'web.example.com' }),
    m,
  );
  const cases: { name: string; text: string; hint?: string | string[]; template?: string; want: string | undefined }[] =
    [
      { name: 'the candidate under the hinted key wins', text: 'v1.2.3', hint: 'tag', want: '.image.tag' },
      { name: 'a hint among several keys', text: 'v1.2.3', hint: ['image', 'tag'], want: '.image.tag' },
      { name: 'no hint: the one value printed directly', text: 'v1.2.3', want: '.other' },
      { name: 'a distinctive text printed once', text: 'web.example.com', want: '.host' },
      { name: 'a bare number without a hint: the one printed directly', text: '1', want: '.replicas' },
      { name: 'a bare number with another key: not traced', text: '1', hint: 'cpu', want: undefined },
      { name: 'a text the template did not print', text: 'v9', want: undefined },
      { name: 'another template printed nothing', text: 'v1.2.3', template: 'other', want: undefined },
    ];
  for (const c of cases) {
    test(c.name, () => {
      const o = tracer.origin(c.template ?? 't', c.text, c.hint);
      assert.equal(o, c.want === undefined ? undefined : m.provenance.get(c.want)?.origin);
    });
  }

  test('a value printed by several templates is traced only in the one that printed it', () => {
    const t = makeTracer(
      [...printed('a', { '.other': 'v1.2.3' }), ...printed('b', { '.image': { tag: 'v1.2.3' } })],
      m,
    );
    assert.equal(t.origin('a', 'v1.2.3')?.line, line('.other'));
    assert.equal(t.origin('b', 'v1.2.3')?.line, line('.image.tag'));
  });
});

describe('Tracer.first', () => {
  const m = merged({ image: 'registry.example.com/web:latest', app: { tag: 'latest' } });
  test('the first text that traces: the tag, else the whole image (values may set it in one piece)', () => {
    const whole = makeTracer(printed('t', { '.image': 'registry.example.com/web:latest' }), m);
    assert.equal(whole.first('t', ['latest', 'registry.example.com/web:latest'], 'tag')?.line, line('.image'));
    const split = makeTracer(printed('t', { '.app.tag': 'latest' }), m);
    assert.equal(split.first('t', ['latest', 'registry.example.com/web:latest'], 'tag')?.line, line('.app.tag'));
  });

  test('one text as a string; nothing for an empty list', () => {
    const t = makeTracer(printed('t', { '.image': 'registry.example.com/web:latest' }), m);
    assert.equal(t.first('t', 'registry.example.com/web:latest')?.line, line('.image'));
    assert.equal(t.first('t', []), undefined);
  });
});

describe('Tracer.scalar', () => {
  const m = merged({ version: '1.20', replicas: 3, debug: true, name: 'web' });
  const tracer = makeTracer(printed('t', { '.version': '1.20', '.replicas': 3, '.debug': true, '.name': 'web' }), m);

  test('a scalar of a rendered object, by its text and the field name', () => {
    assert.equal(tracer.scalar('t', 'web', 'name')?.line, line('.name'));
    assert.equal(tracer.scalar('t', 3, 'replicas')?.line, line('.replicas'));
    assert.equal(tracer.scalar('t', true, 'debug')?.line, line('.debug'));
  });

  test('a retyped decimal (the string "1.20" printed bare reads as 1.2) is found by its re-spellings', () => {
    assert.equal(tracer.scalar('t', 1.2, 'version', true)?.line, line('.version'));
    assert.equal(tracer.scalar('t', 1.2, 'image', true)?.line, line('.version'), 'a re-spelling needs no key');
  });

  test('re-spellings only for a retyped non-integer', () => {
    assert.equal(tracer.scalar('t', 1.2, 'version'), undefined, 'not retyped: the text itself only');
    const ints = makeTracer(printed('t', { '.n': '3.0' }), merged({ n: '3.0' }));
    assert.equal(ints.scalar('t', 3, 'n', true), undefined, 'an integer has no decimal re-spelling to try');
  });
});

describe('makeTracer', () => {
  test('indexes what was printed once, on the first question', () => {
    const list = printed('t', { '.name': 'web', '.host': 'web.example.com' });
    let walks = 0;
    const counted = new Proxy(list, {
      get(target, key, receiver) {
        if (key === Symbol.iterator) walks++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const tracer = makeTracer(counted, merged({ name: 'web', host: 'web.example.com' }));
    assert.equal(walks, 0, 'a render without findings to trace indexes nothing');
    assert.equal(tracer.origin('t', 'web.example.com')?.line, line('.host'));
    assert.equal(tracer.first('t', ['x', 'web'])?.line, line('.name'));
    assert.equal(tracer.scalar('t', 'web', 'name')?.line, line('.name'));
    assert.equal(walks, 1);
  });
});
