import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cli, makeRepo, minimalApp } from './helpers.js';

// Every bad input: a non-zero exit, nothing on stdout, and one line on stderr naming where the problem is.

interface Case {
  name: string;
  files?: Record<string, string | Buffer>;
  args?: string[];
  /** Runs after the files are written (symlinks, generated content). */
  setup?: (root: string) => void;
  /** What stderr must say (file:line and reason). */
  want: RegExp;
  code?: number;
}

const SECRET = 'hunter2-do-not-echo';

const cases: Case[] = [
  {
    name: 'malformed YAML',
    files: { 'app/values.yaml': 'a: 1\nb: [unclosed\nc: 2\n' },
    want: /app\/values\.yaml:\d+:\d+: invalid YAML/,
  },
  {
    name: 'duplicate keys',
    files: { 'app/values.yaml': 'name: demo\nreplicas: 1\nreplicas: 2\n' },
    want: /app\/values\.yaml:3:1: invalid YAML: duplicated mapping key/,
  },
  {
    name: 'top-level list',
    files: { 'app/values.yaml': '- a\n- b\n' },
    want: /app\/values\.yaml:1:1: the top level must be a map of values, found a list/,
  },
  {
    name: 'alias bomb',
    files: {
      'app/values.yaml':
        'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n' +
        Array.from(
          { length: 9 },
          (_, i) =>
            `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
              .fill('*' + String.fromCharCode(97 + i))
              .join(',')}]`,
        ).join('\n') +
        '\nname: demo\nreplicas: 1\n',
    },
    want: /app\/values\.yaml.*more than 1000000 nodes after expanding aliases/,
  },
  {
    name: 'layer over the size cap',
    setup: (root) =>
      writeFileSync(
        join(root, 'app/values.yaml'),
        'name: demo\nreplicas: 1\npad: "' + 'x'.repeat(4 * 1024 * 1024) + '"\n',
      ),
    want: /app\/values\.yaml: file is \d+ bytes, over the 4194304-byte limit/,
  },
  {
    name: 'nesting deeper than the cap',
    files: { 'app/values.yaml': 'name: demo\nreplicas: 1\ndeep: ' + '{a: '.repeat(70) + '1' + '}'.repeat(70) + '\n' },
    want: /app\/values\.yaml:3:\d+ \.deep(\.a)+: nesting deeper than 64 levels/,
  },
  {
    name: 'integer beyond 2^53',
    files: { 'app/values.yaml': 'name: demo\nreplicas: 9007199254740993\n' },
    want: /app\/values\.yaml:2:1 \.replicas: integer beyond 2\^53/,
  },
  {
    name: '__proto__ key in a values file',
    files: { 'app/values.yaml': 'name: demo\nreplicas: 1\ningress:\n  __proto__:\n    enabled: true\n' },
    want: /app\/values\.yaml:4:3 \.ingress\.__proto__: the key "__proto__" is not allowed/,
  },
  {
    name: 'constructor key in a values file',
    files: { 'app/values.yaml': 'name: demo\nreplicas: 1\nconstructor:\n  prototype: {}\n' },
    want: /app\/values\.yaml:3:1 \.constructor: the key "constructor" is not allowed/,
  },
  {
    name: 'prototype path in --set',
    args: ['--set', 'constructor.prototype.polluted=1'],
    want: /--set constructor\.prototype\.polluted=…: the key "constructor" is not allowed/,
  },
  {
    name: 'layer outside the root through ..',
    files: {
      'app/strata.yaml':
        'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg]\n  layers: [values.yaml, ../../outside.yaml]\n',
    },
    want: /app\/strata\.yaml:5:\d+ \.spec\.layers\[1\]: path "\.\.\/\.\.\/outside\.yaml" leaves the repository root/,
  },
  {
    name: 'absolute layer path',
    files: {
      'app/strata.yaml':
        'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg]\n  layers: [/etc/passwd]\n',
    },
    want: /app\/strata\.yaml:5:\d+ \.spec\.layers\[0\]: path "\/etc\/passwd" is absolute/,
  },
  {
    name: 'templates folder outside the root',
    files: {
      'app/strata.yaml':
        'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg]\n  templates: ../../shared-templates\n',
    },
    want: /app\/strata\.yaml:5:\d+ \.spec\.templates: path "\.\.\/\.\.\/shared-templates" leaves the repository root/,
  },
  {
    name: 'symlink pointing outside the root',
    setup: (root) => symlinkSync('/etc/hostname', join(root, 'app/values-stg.yaml')),
    want: /app\/values-stg\.yaml: resolves outside the repository root/,
  },
  {
    name: 'unknown environment',
    args: ['--env', 'qa'],
    want: /app\/strata\.yaml:4:\d+ \.spec\.environments: unknown environment "qa": this app declares stg, prod/,
  },
  {
    name: 'missing required layer',
    files: {
      'app/strata.yaml':
        'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg]\n  layers:\n    - values.yaml\n    - values-{env}.yaml\n',
    },
    want: /app\/strata\.yaml:7:7 \.spec\.layers\[1\]: layer "values-stg\.yaml" \(app\/values-stg\.yaml\) does not exist/,
  },
  {
    name: 'unknown field in strata.yaml',
    files: {
      'app/strata.yaml': 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg]\n  layer: [values.yaml]\n',
    },
    want: /app\/strata\.yaml:5:3 \.spec\.layer: unknown field "layer"/,
  },
  {
    name: 'template syntax error: an unclosed block names where it was opened',
    files: {
      'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{#if values.name}}x\n',
    },
    want: /app\/templates\/cm\.yaml\.hbs:4: \{\{#if\}\} opened at line 4 is never closed \(expected \{\{\/if\}\}\)/,
  },
  {
    // js-yaml would read `{ {a: 1} }` as a map with the key "[object Object]": the value would silently change.
    name: 'a flow map used as a key in a values file',
    files: { 'app/values.yaml': 'weird: { {a: 1} }\n' },
    want: /app\/values\.yaml:1:\d+ \.weird: a list or map used as a key is not supported/,
  },
  {
    name: 'template syntax error',
    files: { 'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.name}\n' },
    want: /app\/templates\/cm\.yaml\.hbs:\d+: template syntax error/,
  },
  {
    name: 'missing value in strict mode',
    files: { 'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.nmae}}\n' },
    want: /app\/templates\/cm\.yaml\.hbs:4: missing value "values\.nmae"/,
  },
  {
    name: 'missing intermediate value',
    files: {
      'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.image.tag}}\n',
    },
    want: /app\/templates\/cm\.yaml\.hbs:4: missing value "values\.image\.tag"/,
  },
  {
    name: 'missing value passed to a helper',
    files: {
      'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{quote values.nope}}\n',
    },
    want: /app\/templates\/cm\.yaml\.hbs:4: missing value "values\.nope" passed to quote/,
  },
  {
    name: 'raw object output',
    files: {
      'app/values.yaml': 'name: demo\nreplicas: 1\nres: {cpu: 1}\n',
      'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {{values.res}}\n',
    },
    want: /cm\.yaml\.hbs:5: "values\.res" is a map; print it with \{\{nindent N \(toYaml values\.res\)\}\}/,
  },
  {
    name: 'raw multi-line string output',
    files: {
      'app/values.yaml': `name: demo\nreplicas: 1\nnote: "a\\nkind: Secret"\n`,
      'app/templates/cm.yaml.hbs':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  annotations:\n    note: {{values.note}}\n',
    },
    want: /cm\.yaml\.hbs:6: "values\.note" is a multi-line string; .*use \{\{quote values\.note\}\}/,
  },
  {
    name: 'output that is not YAML',
    files: { 'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n' },
    want: /app\/templates\/cm\.yaml\.hbs:\d+: rendered output is not valid YAML: .* at line \d+ of the rendered output/,
  },
  {
    name: 'object without kind',
    files: { 'app/templates/cm.yaml.hbs': 'apiVersion: v1\nmetadata:\n  name: x\n' },
    want: /app\/templates\/cm\.yaml\.hbs: document 1 has no kind/,
  },
  {
    name: 'object without metadata.name',
    files: { 'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n' },
    want: /app\/templates\/cm\.yaml\.hbs: ConfigMap in document 1 has no metadata\.name/,
  },
  {
    name: 'ambiguous scalar in the output',
    files: {
      'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  flag: yes\n',
    },
    want: /cm\.yaml\.hbs \.data\.flag: "yes" means different things in YAML 1\.1 .*\(\{\{quote …\}\} in a template\)/,
  },
  {
    name: 'ambiguous scalar in values',
    files: { 'app/values.yaml': 'name: demo\nreplicas: 1\nenabled: no\n' },
    want: /app\/values\.yaml:3:1 \.enabled: "no" means different things in YAML 1\.1/,
  },
  {
    name: 'duplicate objects',
    files: { 'app/templates/cm2.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{values.name}}\n' },
    want: /ConfigMap "demo" in namespace "demo" is rendered twice: by app\/templates\/cm\.yaml\.hbs \(document 1\) and by app\/templates\/cm2\.yaml\.hbs \(document 1\)/,
  },
  {
    name: 'no objects at all',
    files: { 'app/templates/cm.yaml.hbs': '{{#if values.never}}\napiVersion: v1\n{{/if}}\n' },
    want: /app\/strata\.yaml: the render produced no objects; Argo CD would prune everything/,
  },
  {
    name: 'non-UTF-8 input',
    files: {
      'app/values.yaml': Buffer.concat([
        Buffer.from('name: demo\nreplicas: 1\nx: "'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"\n'),
      ]),
    },
    want: /app\/values\.yaml:3: file is not valid UTF-8/,
  },
  {
    name: 'a failing required',
    files: {
      'app/templates/cm.yaml.hbs':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{required "values.host is required: set it in values-<env>.yaml" values.host}}\n',
    },
    want: /app\/templates\/cm\.yaml\.hbs:4: required value missing: values\.host is required/,
  },
  {
    name: 'a raw value that would start a comment',
    files: {
      'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  s: {{values.s}}\n',
    },
    args: ['--set-string', 's=v1 #note'],
    want: /cm\.yaml\.hbs:6: "values\.s" printed raw would change the YAML around it.*use \{\{quote values\.s\}\}/,
  },
  {
    name: 'a raw value that would add a key in a flow map',
    files: { 'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: {{values.s}} }\n' },
    args: ['--set-string', 's=a\\, namespace: kube-system'],
    want: /cm\.yaml\.hbs:3: "values\.s" printed raw would change the YAML/,
  },
  {
    name: 'an error inside a partial names the partial',
    files: {
      'app/templates/_part.hbs': 'x: 1\ny: {{quote values.nope}}\n',
      'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n{{> part}}\n',
    },
    want: /app\/templates\/_part\.hbs:2: missing value "values\.nope" passed to quote/,
  },
  {
    name: 'a helper with the wrong number of arguments',
    files: { 'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{default "x"}}\n' },
    want: /cm\.yaml\.hbs:4: default takes 2 arguments, got 1/,
  },
  {
    name: 'a list whose item is not an object',
    files: { 'app/templates/cm.yaml.hbs': 'apiVersion: v1\nkind: List\nitems:\n  - null\n' },
    want: /cm\.yaml\.hbs \.items\[0\]: document 1 is a list \(it has items\) whose item 1 is not an object/,
  },
  {
    name: 'a values schema pattern that backtracks exponentially',
    files: { 'app/values.schema.json': '{"type":"object","properties":{"s":{"type":"string","pattern":"^(a|a)+$"}}}' },
    // The deadline is 2 s, or what is left of the render budget when that is shorter (on a loaded machine the
    // budget may be spent before validation starts: the same limit, named at the same file).
    args: ['--set-string', `s=${'a'.repeat(40)}!`, '--render-timeout-ms', '300'],
    want: /app\/values\.schema\.json: (validating the values took over the render budget of|rendering took longer than) 300 ms.*\(limit renderMs: STRATA_RENDER_TIMEOUT_MS \/ --render-timeout-ms\)/,
  },
  { name: 'bad --set syntax', args: ['--set', 'novalue'], want: /--set novalue: key "\.novalue" has no value/ },
  { name: 'unknown flag', args: ['--sett', 'a=1'], want: /Unknown option '--sett'/, code: 2 },
];

describe('bad input', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const root = makeRepo(minimalApp(c.files));
      c.setup?.(root);
      const r = await cli(['render', 'app', '--env', 'stg', ...(c.args ?? [])], { cwd: root });
      assert.equal(r.stdout, '', 'stdout must stay empty');
      assert.equal(r.code, c.code ?? 1, `exit code (stderr: ${r.stderr})`);
      assert.match(r.stderr, c.want);
      if ((c.code ?? 1) === 1) assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    });
  }

  it('an alias bomb fails fast', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `l${i}: &l${i} [${Array(10)
          .fill(i === 1 ? '*a' : `*l${i - 1}`)
          .join(',')}]`,
      );
    const root = makeRepo(minimalApp({ 'app/values.yaml': bomb.join('\n') + '\nname: demo\nreplicas: 1\n' }));
    // 10^11 nodes if expanded: the named refusal is the proof it was not (no wall clock here).
    const r = await cli(['render', 'app', '--env', 'stg'], { cwd: root });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /alias bomb/);
  });

  it('never echoes a source line (it may hold a secret)', async () => {
    for (const values of [
      `name: demo\nreplicas: 1\npassword: ${SECRET}\n  broken: [\n`,
      `name: demo\npassword: ${SECRET}\npassword: again\n`,
    ]) {
      const root = makeRepo(minimalApp({ 'app/values.yaml': values }));
      const r = await cli(['render', 'app', '--env', 'stg'], { cwd: root });
      assert.equal(r.code, 1);
      assert.ok(!r.stderr.includes(SECRET), r.stderr);
    }
  });

  it('template syntax errors do not quote the template either', async () => {
    const root = makeRepo(
      minimalApp({
        'app/templates/cm.yaml.hbs': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  token: ${SECRET} {{#each}}\n`,
      }),
    );
    const r = await cli(['render', 'app', '--env', 'stg'], { cwd: root });
    assert.equal(r.code, 1);
    assert.ok(!r.stderr.includes(SECRET), r.stderr);
  });

  it('keys that YAML 1.1 reads differently stay their own text (not "[object Object]")', async () => {
    const root = makeRepo(
      minimalApp({
        'app/values.yaml': 'name: demo\nreplicas: 1\nm:\n  on: a\n  y: b\n  0755: c\n  2024-01-02: d\n',
        'app/templates/cm.yaml.hbs':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n{{#each values.m}}  {{@key}}: {{quote this}}\n{{/each}}',
      }),
    );
    const r = await cli(['render', 'app', '--env', 'stg', '-o', 'json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const data = (JSON.parse(r.stdout) as { items: { data: Record<string, string> }[] }).items[0].data;
    assert.deepEqual(Object.keys(data).sort(), ['0755', '2024-01-02', 'on', 'y']);
  });

  it('any object with an items list is flattened, as Argo CD does, and its items are checked', async () => {
    const root = makeRepo(
      minimalApp({
        'app/templates/cm.yaml.hbs':
          'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: inner\n',
      }),
    );
    const r = await cli(['render', 'app', '--env', 'stg', '-o', 'json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const items = (
      JSON.parse(r.stdout) as {
        items: { kind: string; metadata: { name: string; namespace?: string; labels: Record<string, string> } }[];
      }
    ).items;
    assert.deepEqual(
      items.map((o) => `${o.kind}/${o.metadata.name}`),
      ['ConfigMap/inner'],
    );
    assert.equal(items[0].metadata.labels['strata.dev/environment'], 'stg');
  });

  it('the minimal app itself renders (the cases above differ from it by one thing)', async () => {
    const r = await cli(['render', 'app', '--env', 'stg'], { cwd: makeRepo(minimalApp()) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kind: ConfigMap/);
  });
});
