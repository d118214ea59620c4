// CRD schemas from the repository (strata-policy.yaml spec.schemas): structure, patterns, CEL rules, hostile CRDs.
// Run: node --import tsx --test test/validate-crd.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { UserError } from '../src/core/errors.js';
import { MemoryFs } from '../src/core/fs.js';
import { lintApp } from '../src/checks/lint.js';
import { crdSchema } from '../src/validate/crd-schema.js';

const APP = 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [prod]\n  namespace: ns\n';

// A small CRD using every extension strata honours.
const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.com }
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          required: [spec]
          properties:
            spec:
              type: object
              required: [size]
              x-kubernetes-validations:
                - rule: "self.size <= self.maxSize"
                  message: size must not exceed maxSize
              properties:
                size: { type: integer, minimum: 1 }
                maxSize: { type: integer, default: 10 }
                name: { type: string, pattern: "^[a-z]+$" }
                port: { x-kubernetes-int-or-string: true }
                extra: { type: object, x-kubernetes-preserve-unknown-fields: true }
                template: { type: object, x-kubernetes-embedded-resource: true, x-kubernetes-preserve-unknown-fields: true }
                labels: { type: object, additionalProperties: { type: string, maxLength: 5 } }
                mode: { type: string, enum: [a, b], nullable: true }
                changed: { type: string, x-kubernetes-validations: [{ rule: "self == oldSelf", message: immutable }] }
    - name: v0
      served: false
      storage: false
      schema: { openAPIV3Schema: { type: object } }
`;

function repo(spec: string, crd = CRD, extra: Record<string, string> = {}): MemoryFs {
  return new MemoryFs({
    'strata-policy.yaml': 'apiVersion: strata.dev/v1\nkind: Policy\nspec:\n  schemas: [platform/crds]\n',
    'platform/crds/widget.yaml': crd,
    'platform/crds/README.md': 'not a CRD',
    'apps/w/strata.yaml': APP,
    'apps/w/values.yaml': 'size: 3\n',
    'apps/w/templates/widget.yaml.hbs': `apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec:\n${spec}\n`,
    ...extra,
  });
}

const findings = (fs: MemoryFs): string[] =>
  lintApp({ fs, appDir: 'apps/w', env: 'prod' })
    .filter((f) => f.rule === 'kube-schema')
    .map((f) => `${f.object} ${f.path}: ${f.message}`);
const SUFFIX = ' (platform/crds/widget.yaml)';

describe('CRD validation', () => {
  test('a valid object passes, using int-or-string, preserve-unknown-fields, embedded resources and nullable', () => {
    const spec =
      '  size: {{values.size}}\n  maxSize: 4\n  name: abc\n  port: http\n  extra: { anything: [1, 2] }\n  template: { apiVersion: v1, kind: Pod, metadata: { name: p }, spec: { x: 1 } }\n  labels: { a: "x" }\n  mode: null\n  changed: anything';
    assert.deepEqual(findings(repo(spec)), []);
    assert.deepEqual(findings(repo(spec.replace('port: http', 'port: 8080'))), []);
  });

  test('a wrong type names the object, the field path and the values origin', () => {
    const f = lintApp({ fs: repo('  size: "{{values.size}}"\n  maxSize: 4'), appDir: 'apps/w', env: 'prod' }).filter(
      (x) => x.rule === 'kube-schema',
    );
    assert.deepEqual(
      f.map((x) => `${x.object} ${x.path}: ${x.message}`),
      ['Widget/ns/w .spec.size: must be integer' + SUFFIX],
    );
    assert.equal(f[0].template, 'apps/w/templates/widget.yaml.hbs');
    assert.equal(f[0].origin?.file, 'apps/w/values.yaml');
  });

  test('a missing required field, an unknown field, an enum and a pattern', () => {
    assert.deepEqual(findings(repo('  maxSize: 4\n  nmae: x\n  mode: c\n  name: ABC')), [
      'Widget/ns/w .spec: missing required field "size"' + SUFFIX,
      'Widget/ns/w .spec.nmae: unknown field "nmae"' + SUFFIX,
      'Widget/ns/w .spec.mode: must be one of "a", "b", null' + SUFFIX,
    ]);
    // Patterns are checked once the structure is right (RE2, like the API server's Go regexp).
    assert.deepEqual(findings(repo('  size: 1\n  maxSize: 4\n  name: ABC\n  labels: { a: toolong }')), [
      'Widget/ns/w .spec.labels.a: must NOT have more than 5 characters' + SUFFIX,
    ]);
    assert.deepEqual(findings(repo('  size: 1\n  maxSize: 4\n  name: ABC')), [
      'Widget/ns/w .spec.name: must match pattern "^[a-z]+$"' + SUFFIX,
    ]);
    assert.deepEqual(findings(repo('  size: 1\n  maxSize: 4\n  template: { kind: Pod }')), [
      'Widget/ns/w .spec.template: missing required field "apiVersion"' + SUFFIX,
    ]);
    assert.deepEqual(findings(repo('  size: 1\n  port: [1]')), [
      'Widget/ns/w .spec.port: must be integer or must be string' + SUFFIX,
    ]);
  });

  test('a failing x-kubernetes-validations rule; oldSelf rules are skipped (a create)', () => {
    assert.deepEqual(findings(repo('  size: 20\n  maxSize: 4\n  changed: x')), [
      'Widget/ns/w .spec: size must not exceed maxSize' + SUFFIX,
    ]);
  });

  test('a rule that cannot be evaluated is a finding', () => {
    // maxSize has a default in the CRD, but strata validates what it renders (no defaulting): the field is missing.
    assert.deepEqual(findings(repo('  size: 2')), [
      'Widget/ns/w .spec: x-kubernetes-validations rule cannot be evaluated: field not found: maxSize' + SUFFIX,
    ]);
  });

  test('kinds without a CRD still pass with the structural check, reported at debug level', () => {
    const debug: string[] = [];
    const fs = repo('  size: 1\n  maxSize: 4', CRD, {
      'apps/w/templates/other.yaml.hbs':
        'apiVersion: other.io/v1\nkind: Gadget\nmetadata: { name: g }\nspec: { whatever: 1 }\n',
    });
    assert.deepEqual(
      lintApp({ fs, appDir: 'apps/w', env: 'prod', debug: (m) => debug.push(m) }).filter(
        (f) => f.rule === 'kube-schema',
      ),
      [],
    );
    assert.deepEqual(debug, ['Gadget/ns/g (other.io/v1): no schema for this kind, structural check only']);
  });
});

describe('hostile and broken CRDs', () => {
  const bad = (crd: string, re: RegExp, extra: Record<string, string> = {}): void => {
    assert.throws(
      () => lintApp({ fs: repo('  size: 1', crd, extra), appDir: 'apps/w', env: 'prod' }),
      (e: unknown) => e instanceof UserError && re.test(e.toString()),
      re.source,
    );
  };
  test('$ref, bad patterns, bad CEL and wrong documents are errors naming the file and schema path', () => {
    bad(
      CRD.replace('size: { type: integer, minimum: 1 }', "size: { $ref: '#/x' }"),
      /^platform\/crds\/widget\.yaml .*properties\.size: \$ref is not allowed/,
    );
    bad(
      CRD.replace('pattern: "^[a-z]+$"', 'pattern: "(a)\\\\1"'),
      /properties\.name: pattern is not a valid RE2 regular expression/,
    );
    bad(CRD.replace('"self.size <= self.maxSize"', '"self.size <="'), /x-kubernetes-validations\[0\]: rule: CEL: /);
    bad(CRD.replace('"self.size <= self.maxSize"', '"object.size > 0"'), /undeclared reference to "object"/);
    bad(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n',
      /expected an apiextensions\.k8s\.io\/v1 CustomResourceDefinition/,
    );
    bad(CRD, /example\.com\/v1\/Widget is defined twice/, { 'platform/crds/copy.yml': CRD });
    bad(CRD, /schema path "platform\/nothing" does not exist/, {
      'strata-policy.yaml':
        'apiVersion: strata.dev/v1\nkind: Policy\nspec:\n  schemas: [platform/crds, platform/nothing]\n',
    });
  });

  test('paths outside the repository, oversize files, deep nesting', () => {
    assert.throws(
      () =>
        lintApp({
          fs: repo('  size: 1', CRD, {
            'strata-policy.yaml': 'apiVersion: strata.dev/v1\nkind: Policy\nspec:\n  schemas: [../../etc]\n',
          }),
          appDir: 'apps/w',
          env: 'prod',
        }),
      /strata-policy\.yaml:4:\d+ \.spec\.schemas\[0\]: path "\.\.\/\.\.\/etc" leaves the repository root/,
    );
    bad(CRD + '\n# ' + 'x'.repeat(1024 * 1024), /over the 1048576-byte limit/);
    let deep = '{ type: string }';
    for (let i = 0; i < 80; i++) deep = `{ type: object, properties: { a: ${deep} } }`;
    bad(CRD.replace('size: { type: integer, minimum: 1 }', `size: ${deep}`), /nests deeper than 64 levels/);
  });

  test('an expensive validation rule stops at its budget as a finding', () => {
    const crd = CRD.replace(
      '"self.size <= self.maxSize"',
      '"self.items.all(a, self.items.all(b, self.items.all(c, a + b + c >= 0)))"',
    ).replace(
      'size: { type: integer, minimum: 1 }',
      'size: { type: integer, minimum: 1 }\n                items: { type: array, items: { type: integer } }',
    );
    const items = JSON.stringify(Array.from({ length: 400 }, (_, i) => i));
    // The rule holds for every triple: the one finding can only come from the budget or the deadline stopping it.
    const out = findings(repo(`  size: 1\n  items: ${items}`, crd));
    assert.equal(out.length, 1);
    assert.match(
      out[0],
      /x-kubernetes-validations rule (cannot be evaluated: exceeded the cost budget|took over \d+ ms)/,
    );
  });

  test('the JSON Schema given to Ajv: structural objects are closed, exclusive bounds converted', () => {
    const v = crdSchema(
      'g/v1/K',
      {
        type: 'object',
        properties: {
          spec: { type: 'object', properties: { n: { type: 'number', minimum: 0, exclusiveMinimum: true } } },
        },
      },
      'f.yaml',
      '.x',
    );
    assert.deepEqual(JSON.parse(v.jsonSchema), {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { n: { type: 'number', exclusiveMinimum: 0 } },
          additionalProperties: false,
        },
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
      },
      additionalProperties: false,
    });
  });
});
