import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../src/core/errors.js';
import { HELPER_NAMES } from '../src/core/helpers.js';
import { charCount } from '../src/core/helpers/base.js';
import { TemplateSet } from '../src/core/templates.js';

// Edge cases of strata's helpers that the Go cross-check (helpers-sprig.test.ts) cannot state: where strata
// differs from sprig on purpose, errors and their wording, and Handlebars-specific shapes.

function render(src: string, ctx: unknown = {}): string {
  const path = 't.yaml.hbs';
  return new TemplateSet([{ path, kind: 'template', name: path }], new Map([[path, src]])).render(path, ctx, {
    template: path,
    emitted: [],
    log: () => {},
  });
}

function error(src: string, ctx: unknown = {}): string {
  try {
    render(src, ctx);
  } catch (e) {
    assert.ok(e instanceof UserError, String(e));
    assert.doesNotMatch(e.message, /\n/);
    return e.message;
  }
  return assert.fail('no error');
}

describe('helpers: strata-specific behaviour', () => {
  it('argument counts are checked with a message naming the helper', () => {
    assert.equal(error('{{default "x"}}'), 'default takes 2 arguments, got 1');
    assert.equal(error('{{round 1}}'), 'round takes 2 or 3 arguments, got 1');
    assert.equal(error('{{slice}}'), 'slice takes 1 to 3 arguments, got 0');
    assert.equal(error('{{printf}}'), 'printf takes at least 1 argument, got 0');
  });

  it('text helpers count characters, not bytes', () => {
    assert.equal(
      render('{{trunc 3 "héllo"}}|{{trunc -2 "wörld"}}|{{substr 1 3 "日本語"}}|{{len "日本"}}|{{abbrev 5 "ünïcödé"}}'),
      'hél|ld|本語|2|ün...',
    );
  });

  it("quote refuses maps and lists (sprig would print Go's map[...] text)", () => {
    assert.match(
      error('{{quote m}}', { m: { a: 1 } }),
      /^quote: argument 1 is a map, expected text \(use toYaml or toJson\)/,
    );
    assert.match(error('{{upper l}}', { l: [1] }), /^upper: argument 1 is a list/);
  });

  it('squote doubles quotes and refuses line breaks', () => {
    assert.equal(render('{{squote "it\'s"}}'), "'it''s'");
    assert.match(error('{{squote "a\nb"}}'), /^squote: argument 1 holds a line break/);
  });

  it("quote keeps strata's YAML-safe escaping", () => {
    assert.equal(render('{{quote s}}', { s: 'a\u2028b\u0085' }), '"a\\u2028b\\u0085"');
  });

  it('printf fails where Go would print %!verb(...) into the manifest', () => {
    assert.match(error('{{printf "%d" "x"}}'), /^printf: %d cannot format a text/);
    assert.match(error('{{printf "%s"}}'), /^printf: %s has no argument left/);
    assert.match(error('{{printf "%s" "a" "b"}}'), /^printf: 1 argument left over/);
    assert.match(error('{{printf "%T" 1}}'), /^printf: %T is not supported/);
    assert.match(error('{{printf "%[1]d" 1}}'), /explicit argument indexes/);
    assert.match(error('{{printf "%z" 1}}'), /not a verb/);
    assert.match(error('{{printf "abc%"}}'), /ends in the middle of a verb/);
  });

  it('printf formats whole numbers as Go ints and any number for float verbs', () => {
    assert.equal(render('{{printf "%d/%.2f/%v/%v" n n n f}}', { n: 3, f: 0.00001 }), '3/3.00/3/1e-05');
  });

  it('or/and return an argument, so they work as defaults', () => {
    assert.equal(render('{{or values.a values.b "fallback"}}', { values: { a: '', b: 0 } }), 'fallback');
    assert.equal(render('{{or values.a "fallback"}}', { values: { a: 'set' } }), 'set');
    assert.equal(
      render('{{empty (and values.m values.l)}}|{{len (or values.l values.m)}}', { values: { m: {}, l: [1, 2] } }),
      'true|2',
    );
  });

  it('default with a missing last step falls back', () => {
    assert.equal(render('{{default "d" values.nope}}', { values: {} }), 'd');
    assert.equal(render('{{default "d" (index values "nope")}}', { values: {} }), 'd');
    assert.match(error('{{index values "nope"}}', { values: {} }), /missing value/);
  });

  it('eq refuses lists and maps (Go templates cannot compare them either)', () => {
    assert.match(error('{{eq l l}}', { l: [1] }), /^eq: lists and maps cannot be compared/);
    assert.equal(render('{{eq 1 1.0}}'), 'true');
  });

  it('numbers beyond 2^53 are an error, not a rounded value', () => {
    assert.match(error('{{mul 9007199254740991 2}}'), /^mul: the result is beyond 2\^53/);
    assert.match(error('{{div 1 0}}'), /^div: division by zero/);
  });

  it('helpers never modify their arguments', () => {
    const ctx = { values: { a: { x: 1 }, b: { x: 2, y: { z: 1 } } } };
    render(
      '{{len (merge values.a values.b)}}{{len (mergeOverwrite values.a values.b)}}{{len (set values.a "k" 1)}}{{len (unset values.a "x")}}',
      ctx,
    );
    assert.deepEqual(ctx.values, { a: { x: 1 }, b: { x: 2, y: { z: 1 } } });
  });

  it("keys and values are sorted (sprig's order is random)", () => {
    assert.equal(render('{{join "," (keys m)}}|{{join "," (values m)}}', { m: { b: 2, c: 3, a: 1 } }), 'a,b,c|1,2,3');
  });

  it("semver returns a version that prints as text and has Go's fields", () => {
    assert.equal(
      render(
        '{{semver "v1.2"}}|{{#with (semver "1.22.3-rc.1+b")}}{{Major}}.{{Minor}}.{{Patch}} {{Prerelease}} {{Metadata}}{{/with}}',
      ),
      '1.2.0|1.22.3 rc.1 b',
    );
    assert.equal(
      render('{{#if (semverCompare ">=1.21-0" capabilities.kubeVersion)}}new{{/if}}', {
        capabilities: { kubeVersion: 'v1.31.0' },
      }),
      'new',
    );
  });

  it("fromYaml keeps strata's YAML rules (no YAML 1.1 booleans like y)", () => {
    assert.match(error('{{toJson (fromYaml "a: y")}}'), /^fromYaml: "y" means different things/);
    assert.equal(render('{{b64enc (toJson (fromYaml "a: 1\nb: [x]"))}}').length > 0, true);
  });

  it('regexReplaceAll expands $name like Go ($1x is the group named 1x, which is empty)', () => {
    assert.equal(
      render('{{regexReplaceAll "(a)" "ab" "<$1x>"}}|{{regexReplaceAll "(a)" "ab" "<${1}x>"}}'),
      '<>b|<ax>b',
    );
  });

  it("toJson is Go's: sorted keys, HTML-safe", () => {
    assert.equal(
      render('{{b64enc (toJson m)}}', { m: { z: '<&>', a: 1 } }),
      Buffer.from('{"a":1,"z":"\\u003c\\u0026\\u003e"}').toString('base64'),
    );
  });

  it("the helper list has Helm's names", () => {
    for (const h of [
      'printf',
      'include',
      'toYaml',
      'semverCompare',
      'regexReplaceAll',
      'mergeOverwrite',
      'sha256sum',
      'sha256',
      'index',
      'len',
    ])
      assert.ok(HELPER_NAMES.includes(h), h);
    assert.ok(HELPER_NAMES.length > 140, `${HELPER_NAMES.length} helpers`);
  });
});

describe('charCount (len, printf widths) counts code points without building an array', () => {
  it('agrees with Array.from on ASCII, pairs, lone and reversed surrogates', () => {
    for (const s of [
      '',
      'a',
      'héllo',
      '😀',
      'a😀b😀',
      '\ud800',
      '\udc00\ud800',
      'x\ud800',
      '\ud800\ud800\udc00',
      '😀'.repeat(5) + '\ud83d',
    ])
      assert.equal(charCount(s), Array.from(s).length, JSON.stringify(s));
    const alphabet = ['a', 'é', '😀', '\ud800', '\udc00', '中'];
    for (let seed = 1; seed < 300; seed++) {
      let s = '';
      for (let i = 0, x = seed; i < 12; i++, x = (x * 1103515245 + 12345) % 2 ** 31) s += alphabet[x % alphabet.length];
      assert.equal(charCount(s), Array.from(s).length, JSON.stringify(s));
    }
  });
});
