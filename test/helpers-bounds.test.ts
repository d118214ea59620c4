import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../src/core/errors.js';
import { HELPER_NAMES, makeHelpers, REFUSED_HELPERS } from '../src/core/helpers.js';
import { DEFAULT_RENDER_LIMITS } from '../src/core/limits.js';
import { TemplateSet } from '../src/core/templates.js';
import { assertLinear } from './linear-growth.js';

// Hostile inputs to helpers: sizes that would exhaust memory, patterns that backtrack in other engines,
// structures deep enough to overflow a recursive encoder, and the helpers strata refuses. Every case must fail
// fast with a one-line UserError that names the helper (and the limit), never the value.

function render(src: string, ctx: unknown = {}): string {
  const path = 't.yaml.hbs';
  return new TemplateSet([{ path, kind: 'template', name: path }], new Map([[path, src]])).render(path, ctx, {
    template: path,
    emitted: [],
    log: () => {},
  });
}

/** The one-line UserError `src` fails with (that it fails before doing the work is each case's own check). */
function failure(src: string, ctx: unknown = {}): UserError {
  try {
    render(src, ctx);
  } catch (e) {
    assert.ok(e instanceof UserError, `not a UserError: ${String(e)}`);
    assert.doesNotMatch(e.message, /\n/, 'one line');
    return e;
  }
  return assert.fail(`rendered without an error: ${src}`);
}

const LIMIT =
  /exceed the 4194304-byte helper limit \(limit helperBytes: STRATA_MAX_HELPER_BYTES \/ --max-helper-bytes\)/;

describe('helpers: sizes are capped by the helper limit', () => {
  const cases: [string, string, unknown?][] = [
    ['indent', '{{indent 100000000 "x"}}'],
    ['nindent', '{{nindent 100000000 "a\nb"}}'],
    ['indent', '{{indent 1000 s}}', { s: '\n'.repeat(10000) }],
    ['repeat', '{{repeat 1000000000 "SECRET"}}'],
    ['until', '{{len (until 1000000000)}}'],
    ['untilStep', '{{len (untilStep 0 1000000000 1)}}'],
    ['printf', '{{printf "%999999999d" 1}}'],
    ['printf', '{{printf "%*d" 999999999 1}}'],
    ['printf', '{{printf "%.999999999f" 1.5}}'],
    ['replace', '{{len (replace "" s "abcdef")}}', { s: 'y'.repeat(1_000_000) }],
    ['wrapWith', '{{len (wrapWith 1 s "a b c d e f g h")}}', { s: 'z'.repeat(1_000_000) }],
    ['join', '{{len (join s (until 100))}}', { s: 'z'.repeat(100_000) }],
    ['regexReplaceAll', '{{len (regexReplaceAll "" "abcdefgh" s)}}', { s: 'z'.repeat(1_000_000) }],
    ['regexMatch', '{{regexMatch "a" s}}', { s: 'a'.repeat(5 * 1024 * 1024) }],
    ['printf', '{{len (printf "%1000000v" (until 1000))}}'],
    ['printf', '{{len (printf "%0100000d" (until 1000))}}'],
    ['splitList', '{{len (splitList "" s)}}', { s: 'q'.repeat(1_000_000) }],
    ['regexFindAll', '{{len (regexFindAll "." s -1)}}', { s: 'q'.repeat(1_000_000) }],
  ];
  for (const [helper, src, ctx] of cases) {
    it(`${helper}: ${src.slice(0, 50)}`, () => {
      const e = failure(src, ctx);
      assert.match(e.message, new RegExp(`^${helper}: .*`));
      assert.match(e.message, LIMIT);
      assert.doesNotMatch(e.message, /SECRET|zzzz|999999999|1000000000/, 'the value is not echoed');
      assert.equal(e.where?.line, 1, 'names the template line');
    });
  }

  it('helpers whose output is proportional to their input are bounded by the input, not capped', () => {
    const big = { k: 'x'.repeat(5 * 1024 * 1024) };
    assert.equal(
      render('{{len (toJson m)}}|{{len (b64enc m.k)}}|{{len (nindent 2 (toYaml m))}}|{{len (printf "%s" m.k)}}', {
        m: big,
      }),
      `${big.k.length + 8}|${Math.ceil(big.k.length / 3) * 4}|${big.k.length + 6}|${big.k.length}`,
    );
  });

  it('the limit comes from the render (HelperHost.limits)', () => {
    const helpers = makeHelpers({
      renderPartial: () => '',
      limits: () => ({ ...DEFAULT_RENDER_LIMITS, helperBytes: 10 }),
    });
    assert.throws(
      () => helpers.repeat(11, 'x', { loc: { start: { line: 3, column: 0 } } }),
      /repeat: the result would exceed the 10-byte helper limit/,
    );
    assert.equal(helpers.repeat(10, 'x', {}), 'xxxxxxxxxx');
  });
});

describe('helpers: regular expressions never backtrack', () => {
  it('classic catastrophic patterns run in linear time', () => {
    const s = 'a'.repeat(100_000) + '!';
    assert.equal(render('{{regexMatch "^(a+)+$" s}}', { s }), 'false');
    assert.equal(render('{{regexMatch "^(a|aa)*b$" s}}', { s }), 'false');
    assert.equal(render('{{len (regexFindAll "(x+x+)+y" s -1)}}', { s: 'x'.repeat(50_000) }), '0');
    // A backtracking engine is exponential in these (JavaScript's RegExp takes forever at 30 characters).
    assertLinear('(a+)+$', (n) => void render('{{regexMatch "^(a+)+$" s}}', { s: 'a'.repeat(n) + '!' }), 4_000);
    assertLinear('(x+x+)+y', (n) => void render('{{regexFindAll "(x+x+)+y" s -1}}', { s: 'x'.repeat(n) }), 2_000);
  });

  it('constructs RE2 lacks are errors, not silently different matches', () => {
    assert.match(failure('{{regexMatch "(a)\\1" "aa"}}').message, /regexMatch: argument 1 is not a valid RE2 pattern/);
    assert.match(failure('{{regexFind "(?<=a)b" "ab"}}').message, /regexFind: argument 1 is not a valid RE2 pattern/);
    assert.match(failure('{{regexMatch "a{1001}" "a"}}').message, /not a valid RE2 pattern/);
  });

  it('a pattern over the limit is refused before compiling', () => {
    assert.match(
      failure('{{regexMatch s "a"}}', { s: 'a'.repeat(5 * 1024 * 1024) }).message,
      /regexMatch: the pattern would exceed/,
    );
  });
});

describe('helpers: deep structures', () => {
  const deep = (n: number): unknown => {
    let v: unknown = 'leaf';
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };
  for (const helper of ['toJson', 'toYaml', 'toPrettyJson', 'deepCopy', 'printf "%v"']) {
    it(`${helper} of a 200000-deep list fails cleanly`, () => {
      const e = failure(`{{len (${helper} v)}}`, { v: deep(200_000) });
      assert.match(e.message, /nested too deeply|has no length/);
    });
  }
  it('fromJson of deeply nested text fails cleanly', () => {
    const e = failure('{{len (fromJson s)}}', { s: '['.repeat(200_000) + ']'.repeat(200_000) });
    assert.match(e.message, /^fromJson: the value nests deeper than 64 levels/);
  });
  it('a moderately deep value still encodes', () => {
    assert.match(render('{{b64enc (toJson v)}}', { v: deep(500) }), /^[A-Za-z0-9+/=]+$/);
  });
});

describe('helpers: refused helpers say why', () => {
  it('every refused helper fails with a one-line reason naming it', () => {
    const helpers = makeHelpers({ renderPartial: () => '', limits: () => DEFAULT_RENDER_LIMITS });
    for (const name of Object.keys(REFUSED_HELPERS)) {
      const args = name === 'lookup' ? ['v1', 'Secret', 'ns', 'name'] : [];
      assert.throws(
        () => helpers[name](...args, {}),
        (e: unknown) =>
          e instanceof UserError &&
          e.message.startsWith(`${name} is not available in strata: it `) &&
          !e.message.includes('\n'),
        name,
      );
    }
  });
  it('refused helpers are not offered as known helpers, except lookup in its Handlebars form', () => {
    for (const name of Object.keys(REFUSED_HELPERS)) assert.equal(HELPER_NAMES.includes(name), name === 'lookup', name);
    assert.equal(render('{{lookup m "a"}}', { m: { a: 'x' } }), 'x');
  });
  it('in a template', () => {
    assert.match(failure('x: {{randAlphaNum 16}}').message, /^randAlphaNum is not available in strata: it is random/);
    assert.match(failure('x: {{date "2006-01-02" 0}}').message, /^date is not available in strata: it reads the clock/);
    assert.match(
      failure('{{lookup "v1" "Secret" "ns" "s"}}').message,
      /^lookup is not available in strata: it queries the cluster/,
    );
    assert.match(failure('{{genCA "x" 365}}').message, /^genCA .* cert-manager/);
    assert.match(failure('{{env "HOME"}}').message, /^env .* environment of the rendering process/);
  });
});
