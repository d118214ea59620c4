import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../src/core/errors.js';
import { MemoryFs } from '../src/core/fs.js';
import { loadAppConfig } from '../src/core/config.js';
import { DEFAULT_RENDER_LIMITS, type Limits } from '../src/core/limits.js';
import { render, type RenderResult } from '../src/core/render.js';
import { chartFieldPartials } from '../src/core/go-template/translate.js';
import { keyLess, toYamlV2 } from '../src/core/helpers/yaml-v2.js';
import { cm, dataOf } from './template/app.js';

// spec.semantics: helm (docs/config.md): Helm's template engine where strata is strict. Expected texts come
// from the Go text/template + sprig harness (test/chart/render.sh, missingkey=zero, yaml.v2 toYaml).

function app(files: Record<string, string>, values: string, semantics?: string): MemoryFs {
  const tree: Record<string, string> = {
    'app/strata.yaml': `apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [dev]\n  namespace: ns\n${semantics ? `  semantics: ${semantics}\n` : ''}`,
    'app/values.yaml': values,
  };
  for (const [p, c] of Object.entries(files)) tree[p.includes('/') ? `app/${p}` : `app/templates/${p}`] = c;
  return new MemoryFs(tree);
}

function run(
  files: Record<string, string>,
  values: string,
  semantics = 'helm',
  limits: Partial<Limits> = {},
): RenderResult {
  return render({
    fs: app(files, values, semantics),
    appDir: 'app',
    env: 'dev',
    limits: { ...DEFAULT_RENDER_LIMITS, ...limits },
  });
}

describe('spec.semantics', () => {
  it('defaults to strata and takes helm; anything else is an error naming the field', () => {
    assert.equal(loadAppConfig(app({}, ''), 'app').semantics, 'strata');
    assert.equal(loadAppConfig(app({}, '', 'helm'), 'app').semantics, 'helm');
    assert.throws(() => loadAppConfig(app({}, '', 'go'), 'app'), /\.spec\.semantics.*expected one of strata, helm/);
  });
});

describe('helm semantics: a missing value is nil', () => {
  const values = 'a:\n  nul:\n  s: x\n';
  const tpl = cm(
    [
      '  printed: "[{{values.a.missing}}]"',
      '  quoted: "[{{quote values.a.missing}}]"',
      '  quotedNull: "[{{quote values.a.nul}}]"',
      '  default: {{quote (default "d" values.a.missing)}}',
      '  kindIs: {{quote (kindIs "map" values.a.missing)}}',
      '  empty: {{quote (empty values.a.missing)}}',
      '  toYaml: {{quote (toYaml values.a.missing)}}',
      '',
    ].join('\n'),
  );

  it('prints empty and reaches helpers as null (sprig rules for nil)', () => {
    const r = run({ 'cm.yaml.hbs': tpl }, values);
    assert.deepEqual(dataOf(r), {
      printed: '[]',
      quoted: '[]',
      quotedNull: '[]',
      default: 'd',
      kindIs: 'false',
      empty: 'true',
      toYaml: 'null',
    });
  });

  it('stays an error under strata semantics', () => {
    assert.throws(() => run({ 'cm.yaml.hbs': tpl }, values, 'strata'), /missing value "values\.a\.missing"/);
  });

  it('a missing step in the middle of a path stays an error (Go: nil pointer evaluating interface {}.x)', () => {
    assert.throws(
      () => run({ 'cm.yaml.hbs': cm('  mid: "{{quote values.nope.x}}"\n') }, values),
      /missing value "values\.nope\.x" \("values\.nope" is not defined\)/,
    );
  });

  it('and/or return the deciding argument itself, a nil one too (Go: `and nil true` is nil, so an {{if}} on it is false)', () => {
    const r = run(
      {
        'cm.yaml.hbs': cm(
          [
            '  and: "{{#if (and values.a.missing true true)}}yes{{else}}no{{/if}}"',
            '  andNull: "{{#if (and values.a.nul true)}}yes{{else}}no{{/if}}"',
            '  or: "[{{or values.a.missing values.a.s}}]"',
            '  orNone: "[{{or values.a.missing false}}]"',
            '',
          ].join('\n'),
        ),
      },
      values,
    );
    assert.deepEqual(dataOf(r), { and: 'no', andNull: 'no', or: '[x]', orNone: '[false]' });
  });

  it('a nil given to a map parameter fails as in Go (keys of nil: wrong type for value)', () => {
    assert.throws(() => run({ 'cm.yaml.hbs': cm('  k: {{quote (len (keys values.a.nul))}}\n') }, values), /keys/);
  });
});

describe('helm semantics: raw prints are not checked', () => {
  it('prints a multi-line string as is (the YAML parser has the last word)', () => {
    const r = run({ 'cm.yaml.hbs': cm('  raw: |\n    {{values.s}}\n') }, 's: "line1\\n    line2"\n');
    assert.equal(dataOf(r).raw, 'line1\nline2\n');
    assert.throws(
      () => run({ 'cm.yaml.hbs': cm('  raw: |\n    {{values.s}}\n') }, 's: "line1\\n    line2"\n', 'strata'),
      /multi-line string/,
    );
  });

  it('a raw print that breaks the document is still an error', () => {
    assert.throws(
      () => run({ 'cm.yaml.hbs': cm('  raw: |\n    {{values.s}}\n') }, 's: "line1\\nline2: [\\n"\n'),
      /not valid YAML/,
    );
  });

  it('a map printed raw stays an error with the advice', () => {
    assert.throws(() => run({ 'cm.yaml.hbs': cm('  m: {{values.m}}\n') }, 'm: {a: 1}\n'), /is a map; print it with/);
  });
});

describe('helm semantics: tpl takes Go template text', () => {
  const partial = { '_helpers.hbs': '{{#*inline "lbl"}}app={{release.name}}{{/inline}}' };
  it('renders Go syntax, includes and pipelines', () => {
    const r = run(
      { ...partial, 'cm.yaml.hbs': cm('  t: {{quote (tpl values.t this)}}\n  u: {{quote (tpl values.u this)}}\n') },
      't: "{{ .Values.name | upper }}-{{ include \\"lbl\\" . }}"\nu: "{{ if .Values.on }}yes{{ else }}no{{ end }}"\nname: web\non: true\n',
    );
    assert.deepEqual(dataOf(r), { t: 'WEB-app=', u: 'yes' });
  });

  it(".Chart fields read the imported app's Chart partials (Chart.yaml is not read at render time); without them it fails, never prints empty", () => {
    const tpl = { 'cm.yaml.hbs': cm('  t: {{quote (tpl values.t this)}}\n') };
    const values = 't: "{{ .Chart.Name }}:{{ with .Chart.AppVersion }}{{ . }}{{ end }}"\n';
    // A value that looks like a template stays text.
    const chart = { '_strata-chart.hbs': chartFieldPartials({ name: 'c', appVersion: 'v1.{{x}}\\' }) };
    assert.equal(dataOf(run({ ...tpl, ...chart }, values)).t, 'c:v1.{{x}}\\');
    assert.throws(() => run(tpl, values), /cannot translate .* no Chart field partials/);
  });

  it('under strata semantics the same text is refused as Go syntax', () => {
    assert.throws(
      () =>
        run(
          { 'cm.yaml.hbs': cm('  t: {{quote (tpl values.t this)}}\n') },
          't: "{{ .Values.name }}"\nname: w\n',
          'strata',
        ),
      /Go template syntax|Go/,
    );
  });

  it('a place the translator cannot translate fails with its reason, without quoting the text', () => {
    const e = (() => {
      try {
        run(
          { 'cm.yaml.hbs': cm('  t: {{quote (tpl values.t this)}}\n') },
          't: "{{ lookup \\"v1\\" \\"Secret\\" \\"ns\\" \\"s3cr3t\\" }}"\n',
        );
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    assert.ok(e);
    assert.match(e.message, /cannot translate|never queries the cluster/);
    assert.doesNotMatch(e.message, /s3cr3t/);
  });

  it('every render translates: the core loads the translator itself (lint, diff --all and the server call render too)', () => {
    const r = render({
      fs: app({ 'cm.yaml.hbs': cm('  t: {{quote (tpl values.t this)}}\n') }, 't: "{{ .Values.n }}"\nn: 1\n', 'helm'),
      appDir: 'app',
      env: 'dev',
    });
    assert.equal(dataOf(r).t, '1');
  });
});

describe('tpl text under helm semantics: hostile', () => {
  const tplCm = { 'cm.yaml.hbs': cm('  t: {{quote (tpl values.t this)}}\n') };
  it('a Go text that tries to break out of Handlebars is compiled like any tpl text (no code, no partial smuggling)', () => {
    // Handlebars syntax inside Go text is text: it is escaped by the translation, not run.
    const r = run(tplCm, 't: "{{ \\"}}{{#each values}}x{{/each}}\\" }}{{`{{> lbl}}`}}"\n');
    assert.equal(dataOf(r).t, '}}{{#each values}}x{{/each}}{{> lbl}}');
    assert.throws(() => run(tplCm, 't: "{{ .Values.constructor.constructor }}"\n'), /constructor|missing|not/);
  });

  it('huge nesting fails with a one-line error, not a stack overflow', () => {
    // 5,000 levels already overflow the parser's stack (the RangeError path); more only costs time.
    const deep = '{{ if true }}'.repeat(5_000) + 'x' + '{{ end }}'.repeat(5_000);
    assert.throws(
      () => run(tplCm, `t: ${JSON.stringify(deep)}\n`),
      (e: Error) => /tpl|nest|deep/.test(e.message),
    );
  });

  it('a text whose translation doubles per line stops at the step bound, naming the tpl call, not the text', () => {
    // Each of these took tens of seconds and gigabytes before the translator counted its steps.
    const doubling = [
      '{{ $a0 := "x" }}' +
        Array.from({ length: 40 }, (_, i) => `{{ $a${i + 1} := list $a${i} $a${i} }}`).join('') +
        '{{ $a40 }}',
      '{{ $x := .Values.a }}' + '{{ if .Values.c }}{{ $x = $x }}{{ end }}'.repeat(40) + '{{ $x }}',
      '{{ $d := dict "a" "x" }}' + '{{ $_ := set $d "a" (list $d.a $d.a) }}'.repeat(40) + '{{ $d | toJson }}',
    ];
    for (const t of doubling)
      assert.throws(
        () => run(tplCm, `t: ${JSON.stringify(t)}\na: 1\nc: true\n`),
        (e: UserError) =>
          /tpl: the Go template text: translating it takes more than 200000 steps/.test(e.message) &&
          e.where?.line === 6 &&
          !e.message.includes('$a') &&
          !e.message.includes('$x'),
      );
  });

  it('$ inside a block of a tpl text is the context tpl was given, as in Go', () => {
    const r = run(
      { 'cm.yaml.hbs': cm('  t: {{quote (tpl values.t (dict "items" (list 1 2) "name" "N"))}}\n') },
      't: "{{ range .items }}[{{ $.name }}:{{ . }}]{{ end }}"\nname: outer\n',
    );
    assert.equal(dataOf(r).t, '[N:1][N:2]');
  });

  it('the text is held to the helper byte limit before translation', () => {
    assert.throws(
      () => run(tplCm, `t: ${JSON.stringify('{{ "x" }}'.repeat(2000))}\n`, 'helm', { helperBytes: 1000 }),
      /longer than 1000 bytes/,
    );
  });
});

describe('helm semantics: toYaml writes yaml.v2', () => {
  // [value, the harness's toYaml of it]
  const table: [string, unknown, string][] = [
    [
      'nested maps and lists',
      { a: { b: [1, 2, { c: 'd', e: ['x', 'y'] }] }, z: [] },
      'a:\n  b:\n  - 1\n  - 2\n  - c: d\n    e:\n    - x\n    - "y"\nz: []\n',
    ],
    ['empty map', {}, '{}\n'],
    ['empty list', [], '[]\n'],
    ['null', null, 'null\n'],
    ['lists of lists', [[1, 2], [], [[3]]], '- - 1\n  - 2\n- []\n- - - 3\n'],
    ['lists of maps', [{ a: 1, b: [2] }, {}], '- a: 1\n  b:\n  - 2\n- {}\n'],
    ['numbers', [1, -2, 1.5, 100000000, 1e-7, 0.1], '- 1\n- -2\n- 1.5\n- 100000000\n- 1e-07\n- 0.1\n'],
    ['booleans', [true, false], '- true\n- false\n'],
    [
      'keys in yaml.v2 order',
      { yes: 1, '1': 2, 'a b': 3, 'a:b': 4, '': 5, '-x': 6 },
      '"": 5\n-x: 6\n"1": 2\na b: 3\na:b: 4\n"yes": 1\n',
    ],
    [
      'YAML 1.1 words and numbers quoted',
      [
        'yes',
        'on',
        'y',
        'Off',
        '~',
        'null',
        '123',
        '0x1F',
        '1e3',
        '1_000',
        '12:30',
        '2001-12-14',
        '+1',
        '.5',
        '1.',
        '.inf',
      ],
      '- "yes"\n- "on"\n- "y"\n- "Off"\n- "~"\n- "null"\n- "123"\n- "0x1F"\n- "1e3"\n- "1_000"\n- "12:30"\n- "2001-12-14"\n- "+1"\n- ".5"\n- "1."\n- ".inf"\n',
    ],
    [
      'indicators single-quoted',
      ['', ' lead', 'trail ', 'a: b', '- x', '#c', 'a #b', '@at', "'sq", '"dq', '|p', 'x:y', 'a,b', '?q', "a'b"],
      "- \"\"\n- ' lead'\n- 'trail '\n- 'a: b'\n- '- x'\n- '#c'\n- 'a #b'\n- '@at'\n- '''sq'\n- '\"dq'\n- '|p'\n- x:y\n- a,b\n- ?q\n- a'b\n",
    ],
    ['tabs escaped', ['x\ty', 'é'], '- "x\\ty"\n- é\n'],
    [
      'multi-line strings',
      { m1: 'line1\nline2\n', m2: 'line1\nline2', m3: '  lead\nx\n', m4: 'x\n\n', m5: 'trail \nx' },
      'm1: |\n  line1\n  line2\nm2: |-\n  line1\n  line2\nm3: |2\n    lead\n  x\nm4: |+\n  x\n\nm5: "trail \\nx"\n',
    ],
    [
      'long strings fold at 80',
      'aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr ssss tttt uuuu vvvv',
      'aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq\n  rrrr ssss tttt uuuu vvvv\n',
    ],
  ];
  for (const [name, v, want] of table) {
    // Helm's toYaml trims yaml.v2's final line break.
    it(name, () => assert.equal(toYamlV2(v), want.replace(/\n$/, '')));
  }

  it('key order: digits as numbers, non-letters before letters', () => {
    assert.deepEqual(['b', 'a10', 'a2', '_x', 'A'].sort(keyLess), ['_x', 'A', 'a2', 'a10', 'b']);
  });

  it('toYaml in a template uses it under helm semantics, strata emitter otherwise', () => {
    const tpl = { 'cm.yaml.hbs': cm('  y: {{quote (toYaml values.m)}}\n') };
    const values = 'm:\n  l: [a, "yes"]\n';
    assert.equal(dataOf(run(tpl, values)).y, 'l:\n- a\n- "yes"');
    assert.equal(dataOf(run(tpl, values, 'strata')).y, 'l:\n  - a\n  - "yes"');
  });
});
