import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareKeys } from '../src/core/template/blocks.js';
import { cm, dataOf, renderApp } from './template/app.js';

// Helm truthiness in #if/#unless/#with and sorted #each over maps (docs/templates.md).

describe('block helpers: Go template truthiness', () => {
  const cases: [string, string, boolean][] = [
    ['empty map', 'v: {}', false],
    ['empty list', 'v: []', false],
    ['zero', 'v: 0', false],
    ['empty string', 'v: ""', false],
    ['null', 'v: null', false],
    ['false', 'v: false', false],
    ['missing', 'other: 1', false],
    ['map', 'v: {a: 1}', true],
    ['list', 'v: [0]', true],
    ['one', 'v: 1', true],
    ['string "0"', 'v: "0"', true],
  ];
  for (const [name, values, want] of cases) {
    it(`#if, #unless and #with on ${name}`, () => {
      const t = cm(
        '  if: "{{#if values.v}}yes{{else}}no{{/if}}"\n  unless: "{{#unless values.v}}yes{{else}}no{{/unless}}"\n  with: "{{#with values.v}}yes{{else}}no{{/with}}"\n',
      );
      const d = dataOf(renderApp({ 'cm.yaml.hbs': t }, values + '\n'));
      assert.deepEqual(d, { if: want ? 'yes' : 'no', unless: want ? 'no' : 'yes', with: want ? 'yes' : 'no' });
    });
  }

  it('#with gives the value as context and block parameter', () => {
    const t = cm('{{#with values.m as |m|}}  a: "{{this.a}}"\n  b: "{{m.b}}"\n{{/with}}');
    assert.deepEqual(dataOf(renderApp({ 'cm.yaml.hbs': t }, 'm: {a: x, b: z}\n')), { a: 'x', b: 'z' });
  });
});

describe('block helpers: #each', () => {
  it('walks a map in sorted key order, like Go range', () => {
    const t = cm('  order: "{{#each values.m}}{{@key}}={{this}}{{#unless @last}},{{/unless}}{{/each}}"\n');
    const d = dataOf(renderApp({ 'cm.yaml.hbs': t }, 'm: {zeta: 1, alpha: 2, Beta: 3, a10: 4, a9: 5}\n'));
    assert.equal(d.order, 'Beta=3,a10=4,a9=5,alpha=2,zeta=1');
  });

  it('keeps list order, with @index, @first, block params and {{else}} on empty', () => {
    const t = cm(
      '  l: "{{#each values.l as |x i|}}{{i}}{{x}}{{#if @first}}!{{/if}}{{/each}}"\n  e: "{{#each values.e}}x{{else}}empty{{/each}}"\n',
    );
    assert.deepEqual(dataOf(renderApp({ 'cm.yaml.hbs': t }, 'l: [c, a, b]\ne: {}\n')), { l: '0c!1a2b', e: 'empty' });
  });

  it('refuses a scalar', () => {
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': cm('{{#each values.s}}x{{/each}}') }, 's: text\n'),
      /#each takes a list or a map/,
    );
  });

  it('compares keys by code point (UTF-8 byte order), not UTF-16 units', () => {
    assert.ok(compareKeys('\uFF61', '\u{1F600}') < 0);
    assert.ok(compareKeys('b', 'a') > 0);
    assert.ok(compareKeys('a', 'ab') < 0);
  });
});
