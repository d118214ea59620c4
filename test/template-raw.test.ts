import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstUnsafeSpan, scalarTokens } from '../src/core/template/raw-check.js';
import { decode, rawMarkers } from '../src/core/template/line-map.js';
import { cm, dataOf, renderApp } from './template/app.js';

// Raw output never changes the YAML around it (issue 10 §3): decided by the parser, at the printed position.

const CANARY = 's3cr3t-canary';

function mark(text: string, value: string): string {
  const [open, close] = rawMarkers('t.yaml.hbs', 1, 'values.v');
  return text.replace('@', open + value + close);
}

describe('raw check: the parser decides', () => {
  const bad: [string, string, string][] = [
    ['a flow map that gains a key', 'a: { name: @ }\n', 'web", "namespace": "x'],
    ['a flow map that gains a key (tab)', 'a: { name: @ }\n', 'web, namespace:\tx'],
    ['a flow list that gains an item', 'a: [ @ ]\n', 'a, b'],
    ['a comment after a tab', 'a: @\n', 'keep\t#dropped'],
    ['a comment after a space', 'a: @\n', 'keep #dropped'],
    ['a document start line', '@\nb: 1\n', '---'],
    ['a document end line', 'a: 1\n@\n', '...'],
    ['quotes that vanish', 'a: @\n', '"quoted"'],
    ['an escape in a double-quoted scalar', 'a: "x@"\n', 'a\\u0041'],
    ['a quote ending a single-quoted scalar', "a: 'x@'\n", "it's"],
    ['an anchor', 'a: @\n', '&x y'],
    ['an alias', 'a: @\n', '*x'],
    ['a tag', 'a: @\n', '!!binary x'],
    ['trailing blanks', 'a: @\n', 'x '],
    ['a trailing colon that opens a map', 'a:\n  @\n', 'key:'],
  ];
  for (const [name, tpl, value] of bad) {
    it(`refuses ${name}`, () => {
      const d = decode(mark(tpl, value), { file: 't', line: 1 });
      assert.ok(firstUnsafeSpan(d.text, d.spans), `${JSON.stringify(d.text)} should fail`);
    });
  }
  const good: [string, string, string][] = [
    ['spaces in a plain scalar', 'a: @\n', 'hello big world'],
    ['a URL', 'a: @\n', 'https://example.com/a?b=c&d=e#frag'],
    ['part of a larger scalar', 'image: repo/@:1.0\n', 'some name'],
    ['inside double quotes', 'a: "x @ y"\n', "it's: fine, [ok] #ok"],
    ['inside single quotes', "a: 'x @ y'\n", 'say "hi": #1'],
    ['inside a comment', '# note: @\na: 1\n', 'x: y, #z'],
    ['inside a block scalar', 'a: |\n  line @\n', 'x: y #z, [a]'],
    ['inside a flow map with spaces', 'a: { name: @ }\n', 'web app'],
  ];
  for (const [name, tpl, value] of good) {
    it(`accepts ${name}`, () => {
      const d = decode(mark(tpl, value), { file: 't', line: 1 });
      assert.equal(firstUnsafeSpan(d.text, d.spans), undefined);
    });
  }

  it('lexes scalar tokens with their offsets', () => {
    const text = 'a: {x: y}\nb: "q" # c\n';
    assert.deepEqual(
      scalarTokens(text).map((t) => [t.kind, text.slice(t.start, t.end)]),
      [
        ['plain', 'a'],
        ['plain', 'x'],
        ['plain', 'y'],
        ['plain', 'b'],
        ['double', '"q"'],
        ['comment', '# c'],
      ],
    );
  });
});

describe('raw check in a render', () => {
  const render = (body: string, v: string) =>
    renderApp({ 'cm.yaml.hbs': cm(body) }, `v: ${JSON.stringify(v)}\nw: plain\n`);

  it('fails at template:line, suggests quote and never echoes the value', () => {
    for (const [body, v] of [
      ['  a: {{values.w}}\n  b: { n: {{values.v}} }\n', `${CANARY}, namespace: x`],
      ['  a: {{values.w}}\n  b: {{values.v}}\n', `${CANARY}\t#dropped`],
      ['  a: {{values.w}}\n  b: {{values.v}}\n', `"${CANARY}"`],
    ] as const) {
      assert.throws(
        () => render(body, v),
        (e: Error) => {
          assert.match(e.message, /printed raw would change the YAML around it.*use \{\{quote values\.v\}\}/);
          assert.equal((e as { where?: { line?: number; file?: string } }).where?.line, 7);
          assert.ok(!e.message.includes(CANARY));
          return true;
        },
      );
    }
  });

  it('catches a raw `---` line that would split the document', () => {
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': cm('  a: b\n{{values.v}}\nkind: Secret\n') }, 'v: "---"\n'),
      /printed raw would change the YAML/,
    );
  });

  it('checks values printed inside an included partial', () => {
    const files = {
      '_labels.hbs': 'team: {{values.v}}',
      'cm.yaml.hbs':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {{nindent 4 (include "labels" this)}}\n',
    };
    assert.throws(
      () => renderApp(files, 'v: "a #b"\n'),
      (e: Error) =>
        /_labels\.hbs/.test(String((e as { where?: { file?: string } }).where?.file)) && /printed raw/.test(e.message),
    );
    assert.equal(
      (renderApp(files, 'v: a b\n').objects[0].object.metadata as { labels: Record<string, string> }).labels.team,
      'a b',
    );
  });

  it('lets quote, spaces and helper results through', () => {
    const d = dataOf(
      render('  a: {{quote values.v}}\n  b: {{values.w}} and more\n  c: {{lower values.w}}\n', 'x, y: "z" #c'),
    );
    assert.deepEqual(d, { a: 'x, y: "z" #c', b: 'plain and more', c: 'plain' });
  });
});

describe('the trivially-safe shortcut agrees with the parser', () => {
  it('any string it lets through reads back as itself in every context', async () => {
    const fc = (await import('fast-check')).default;
    const { TRIVIALLY_SAFE } = await import('../src/core/template/emit.js');
    const contexts = [
      'a: @\n',
      'a: { n: @ }\n',
      'a: [ @ ]\n',
      '@: 1\n',
      'a: "@"\n',
      "a: '@'\n",
      '- @\n',
      'a: x @ y\n',
      '# @\n',
    ];
    const alphabet = fc.constantFrom(...'aZ09_./@=+~%-:#&*!|>?,[]{} \t"\''.split(''));
    fc.assert(
      fc.property(
        fc.array(alphabet, { minLength: 1, maxLength: 12 }).map((a) => a.join('')),
        (v) => {
          if (!TRIVIALLY_SAFE.test(v)) return true;
          return contexts.every((c) => {
            const d = decode(mark(c, v), { file: 't', line: 1 });
            return firstUnsafeSpan(d.text, d.spans) === undefined;
          });
        },
      ),
      { seed: 16, numRuns: 3000 },
    );
  });
});
