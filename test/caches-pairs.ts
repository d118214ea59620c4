// Pairs of repositories with the same layout and different bytes, one pair per cache that outlives a request
// (docs/caches.md). Shared by the in-process suite (test/caches-content.test.ts: one createCaches() over two
// MemoryFs trees) and the warm renderer suite (test/e2e/warm-pairs.test.ts: one warm renderer, two checkouts).
// Every pair's two sides must render differently (an exit code, a finding, a byte of output): a cache that
// answers one side with the other's result then shows as a difference from a fresh render.

export type Tree = Record<string, string>;

export interface Pair {
  name: string;
  a: Tree;
  b: Tree;
  /**
   * Set while the fix lives in a file this branch does not own: the pair runs and its failure is reported
   * as a todo, not a failure (the text says which change closes it; docs/caches.md).
   */
  todo?: string;
}

/** Repo-relative app directory of every pair, and its one environment. */
export const APP_DIR = 'apps/web';
export const ENV = 'stg';

const APP = [
  'apiVersion: strata.dev/v1',
  'kind: App',
  'metadata: { name: web }',
  'spec:',
  '  environments: [stg]',
  '  namespace: web',
  '  layers:',
  '    - values.yaml',
  '    - path: values-{env}.yaml',
  '      optional: true',
  '',
].join('\n');

const CONFIGMAP = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: web',
  'data:',
  '  greeting: {{quote values.greeting}}',
  '',
].join('\n');

/** The tree every pair starts from: an app, one layer, one template, no policy file. */
export function base(extra: Tree = {}): Tree {
  return {
    [`${APP_DIR}/strata.yaml`]: APP,
    [`${APP_DIR}/values.yaml`]: 'greeting: hello\nsize: 3\n',
    [`${APP_DIR}/templates/cm.yaml.hbs`]: CONFIGMAP,
    ...extra,
  };
}

/** A Widget CRD whose spec.size has the given JSON Schema type. */
function widgetCrd(sizeType: 'integer' | 'string'): string {
  return [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    'metadata: { name: widgets.example.com }',
    'spec:',
    '  group: example.com',
    '  names: { kind: Widget, plural: widgets }',
    '  scope: Namespaced',
    '  versions:',
    '    - name: v1',
    '      served: true',
    '      storage: true',
    '      schema:',
    '        openAPIV3Schema:',
    '          type: object',
    '          properties:',
    '            spec:',
    '              type: object',
    '              required: [size]',
    '              properties:',
    `                size: { type: ${sizeType} }`,
    '',
  ].join('\n');
}

const WIDGET = [
  'apiVersion: example.com/v1',
  'kind: Widget',
  'metadata: { name: w }',
  'spec:',
  '  size: {{values.size}}',
  '',
].join('\n');

/** Built-in rules off, so a pair's findings come from what it changes. */
const BUILTINS_OFF =
  '  rules: { image-tag-pinned: "off", container-resources: "off", min-replicas: "off", probes: "off", pod-security: "off", ingress-tls: "off" }';

function policy(...lines: string[]): string {
  return ['apiVersion: strata.dev/v1', 'kind: Policy', 'spec:', ...lines, ''].join('\n');
}

function customRule(expression: string): string {
  return [
    '  custom:',
    '    - name: greeting-rule',
    '      description: the greeting is the expected one',
    '      match: { kinds: [ConfigMap] }',
    `      expression: ${JSON.stringify(expression)}`,
    '      message: the greeting is not the expected one',
    '      severity: error',
  ].join('\n');
}

const DEPLOYMENT = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata: { name: web }',
  'spec:',
  '  replicas: 1',
  '  selector: { matchLabels: { app: web } }',
  '  template:',
  '    metadata: { labels: { app: web } }',
  '    spec:',
  '      containers:',
  '        - { name: web, image: "registry.example.com/web:latest" }',
  '',
].join('\n');

const TPL_EACH = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata: { name: web }',
  'data:',
  '{{#each values.texts}}',
  '  k{{@index}}: {{quote (tpl this @root)}}',
  '{{/each}}',
  '',
].join('\n');
const TPL_EACH_VALUES_A = 'x: ex\ny: why\ntexts: ["{{ upper values.x }}"]\n';
const TPL_EACH_VALUES_B = 'y: why\ntexts: ["{{ lower values.y }}", "{{ upper values.x }}"]\n';

export const PAIRS: readonly Pair[] = [
  {
    // The reproduction of issue 21 §2: the listing of a `schemas:` folder was kept by relative path, so B was
    // given A's file name (and failed naming a file it does not have).
    name: 'CRD folder listing: other file names in the same folder',
    a: base({
      'strata-policy.yaml': policy('  schemas: [crds]'),
      'crds/widget-a.yaml': widgetCrd('integer'),
      [`${APP_DIR}/templates/widget.yaml.hbs`]: WIDGET,
    }),
    b: base({
      'strata-policy.yaml': policy('  schemas: [crds]'),
      'crds/widget-b.yaml': widgetCrd('string'),
      [`${APP_DIR}/templates/widget.yaml.hbs`]: WIDGET,
    }),
  },
  {
    // The silent variant: A's folder holds no CRD, so B (whose CRD refuses its Widget) lost its validation.
    name: 'CRD folder listing: an empty folder first, then one with a CRD',
    a: base({
      'strata-policy.yaml': policy('  schemas: [crds]'),
      'crds/README.md': 'no CRDs here\n',
      [`${APP_DIR}/templates/widget.yaml.hbs`]: WIDGET,
    }),
    b: base({
      'strata-policy.yaml': policy('  schemas: [crds]'),
      'crds/README.md': 'no CRDs here\n',
      'crds/nested/widget.yaml': widgetCrd('string'),
      [`${APP_DIR}/templates/widget.yaml.hbs`]: WIDGET,
    }),
  },
  {
    name: 'CRD file content: the same file name, another schema',
    a: base({
      'strata-policy.yaml': policy('  schemas: [crds/widget.yaml]'),
      'crds/widget.yaml': widgetCrd('integer'),
      [`${APP_DIR}/templates/widget.yaml.hbs`]: WIDGET,
    }),
    b: base({
      'strata-policy.yaml': policy('  schemas: [crds/widget.yaml]'),
      'crds/widget.yaml': widgetCrd('string'),
      [`${APP_DIR}/templates/widget.yaml.hbs`]: WIDGET,
    }),
  },
  {
    name: 'policy file: the same path, other severities',
    a: base({
      'strata-policy.yaml': policy('  severity: "off"'),
      [`${APP_DIR}/templates/deploy.yaml.hbs`]: DEPLOYMENT,
    }),
    b: base({
      'strata-policy.yaml': policy('  severity: error'),
      [`${APP_DIR}/templates/deploy.yaml.hbs`]: DEPLOYMENT,
    }),
  },
  {
    name: 'policy file: found in another parent folder',
    a: base({
      'strata-policy.yaml': policy('  severity: "off"'),
      [`${APP_DIR}/templates/deploy.yaml.hbs`]: DEPLOYMENT,
    }),
    b: base({
      'apps/strata-policy.yaml': policy('  severity: error'),
      [`${APP_DIR}/templates/deploy.yaml.hbs`]: DEPLOYMENT,
    }),
  },
  {
    name: 'custom CEL rule text: the same rule name, another expression',
    a: base({ 'strata-policy.yaml': policy(BUILTINS_OFF, customRule("object.data.greeting == 'hello'")) }),
    b: base({ 'strata-policy.yaml': policy(BUILTINS_OFF, customRule("object.data.greeting == 'bye'")) }),
  },
  {
    name: 'custom CEL rule in strata.yaml spec.policy',
    a: base({
      [`${APP_DIR}/strata.yaml`]:
        APP + '  policy:\n' + customRule("object.data.greeting == 'hello'").replace(/^/gm, '  ') + '\n',
    }),
    b: base({
      [`${APP_DIR}/strata.yaml`]:
        APP + '  policy:\n' + customRule("object.data.greeting == 'bye'").replace(/^/gm, '  ') + '\n',
    }),
  },
  {
    name: 'values schema: the same file, another type',
    a: base({ [`${APP_DIR}/values.schema.json`]: '{"type":"object","properties":{"size":{"type":"integer"}}}\n' }),
    b: base({ [`${APP_DIR}/values.schema.json`]: '{"type":"object","properties":{"size":{"type":"string"}}}\n' }),
  },
  {
    name: 'partials: the same partial file, another body',
    a: base({
      [`${APP_DIR}/templates/_labels.hbs`]: 'team: a\n',
      [`${APP_DIR}/templates/cm.yaml.hbs`]: CONFIGMAP.replace(
        '  name: web\n',
        '  name: web\n  labels:\n{{nindent 4 (include "labels" this)}}\n',
      ),
    }),
    b: base({
      [`${APP_DIR}/templates/_labels.hbs`]: 'team: b\n',
      [`${APP_DIR}/templates/cm.yaml.hbs`]: CONFIGMAP.replace(
        '  name: web\n',
        '  name: web\n  labels:\n{{nindent 4 (include "labels" this)}}\n',
      ),
    }),
  },
  {
    name: 'templates: the same folder, another file list and body',
    a: base({
      [`${APP_DIR}/templates/extra.yaml.hbs`]: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra-a }\n',
    }),
    b: base({
      [`${APP_DIR}/templates/cm.yaml.hbs`]: CONFIGMAP.replace('greeting:', 'salutation:'),
      [`${APP_DIR}/templates/more.yaml.hbs`]: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: more-b }\n',
    }),
  },
  {
    name: 'layers: an optional layer present, then absent; another base layer',
    a: base({ [`${APP_DIR}/values-stg.yaml`]: 'greeting: from-stg\n' }),
    b: base({ [`${APP_DIR}/values.yaml`]: 'greeting: other\nsize: 3\n' }),
  },
  {
    name: '`file` reads: the same path, other bytes',
    a: base({
      [`${APP_DIR}/config/app.conf`]: 'mode = a\n',
      [`${APP_DIR}/templates/cm.yaml.hbs`]: CONFIGMAP + '  conf: {{quote (file "config/app.conf")}}\n',
    }),
    b: base({
      [`${APP_DIR}/config/app.conf`]: 'mode = b\n',
      [`${APP_DIR}/templates/cm.yaml.hbs`]: CONFIGMAP + '  conf: {{quote (file "config/app.conf")}}\n',
    }),
  },
  {
    name: 'strata.yaml: the same file, another namespace, layer list and labels',
    a: base(),
    b: base({
      [`${APP_DIR}/strata.yaml`]:
        APP.replace('namespace: web', 'namespace: web-b').replace(
          '    - values.yaml\n',
          '    - values.yaml\n    - more.yaml\n',
        ) + '  metadata:\n    labels: { environment: example.com/env }\n',
      [`${APP_DIR}/more.yaml`]: 'greeting: more\n',
    }),
  },
  {
    // One template set (the templates are byte-identical), other values: `tpl` of the same text is called
    // from cm.yaml.hbs in A and from other.yaml.hbs in B, where it fails. The set's tpl cache is keyed by the
    // text alone, so B's error named A's template and line.
    name: '`tpl` of the same text from another template',
    a: base({
      [`${APP_DIR}/values.yaml`]: 'greeting: hello\nsize: 3\nfirst: true\ntext: "{{ values.greeting }}"\n',
      [`${APP_DIR}/templates/cm.yaml.hbs`]:
        CONFIGMAP + '{{#if values.first}}\n  t: {{quote (tpl values.text this)}}\n{{/if}}\n',
      [`${APP_DIR}/templates/other.yaml.hbs`]:
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: other }\ndata:\n\n{{#unless values.first}}\n  t: {{quote (tpl values.text (dict "values" (dict)))}}\n{{/unless}}\n',
    }),
    b: base({
      [`${APP_DIR}/values.yaml`]: 'greeting: hello\nsize: 3\nfirst: false\ntext: "{{ values.greeting }}"\n',
      [`${APP_DIR}/templates/cm.yaml.hbs`]:
        CONFIGMAP + '{{#if values.first}}\n  t: {{quote (tpl values.text this)}}\n{{/if}}\n',
      [`${APP_DIR}/templates/other.yaml.hbs`]:
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: other }\ndata:\n\n{{#unless values.first}}\n  t: {{quote (tpl values.text (dict "values" (dict)))}}\n{{/unless}}\n',
    }),
  },
  {
    // One template set, other values: `tpl` at one template line renders two texts in B, the first new, the
    // second A's. The cached compile of A's text explained its error with the path index of the text parsed
    // last at that line (B's first), so B's error named the wrong value.
    name: '`tpl` at one line: the error names the value of its own text',
    a: base({ [`${APP_DIR}/values.yaml`]: TPL_EACH_VALUES_A, [`${APP_DIR}/templates/cm.yaml.hbs`]: TPL_EACH }),
    b: base({ [`${APP_DIR}/values.yaml`]: TPL_EACH_VALUES_B, [`${APP_DIR}/templates/cm.yaml.hbs`]: TPL_EACH }),
  },
];

/**
 * The pair with every file both sides hold padded (with trailing newlines, which no format here reads) to
 * the same length: a cache that trusted size (and, on disk, mtime) would take one side for the other.
 */
export function padded(pair: Pair): Pair {
  const a = { ...pair.a };
  const b = { ...pair.b };
  for (const path of Object.keys(a)) {
    if (!(path in b)) continue;
    const n = Math.max(a[path].length, b[path].length);
    a[path] = a[path].padEnd(n, '\n');
    b[path] = b[path].padEnd(n, '\n');
  }
  return { ...pair, a, b };
}
