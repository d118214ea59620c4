import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../src/cli/main.js';
import { diskStore } from '../src/io/compile-store.js';
import { Capture, makeRepo, minimalApp } from './helpers.js';

// Issue 21 §1: no repository text ever becomes code. Every place where repository text reaches a code
// generator (Ajv for values and CRD schemas, Handlebars through strata's template set and compile store) is
// fed hostile strings that would break out of a JavaScript string, comment or template literal, and a canary
// function that the injected code would call must never run. docs/security.md "Code generation".

const CANARY = '__strataCodegenCanary';
const hits: string[] = [];
(globalThis as Record<string, unknown>)[CANARY] = (tag: unknown): void => {
  hits.push(String(tag));
};

function assertCanaryQuiet(what: string): void {
  assert.deepEqual(hits, [], `repository text ran as code (${what}): ${hits.join(', ')}`);
}

/** Every file under `dir`, recursively, with its text. */
function cacheFiles(dir: string): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ name: p.slice(dir.length + 1), text: readFileSync(p, 'latin1') });
    }
  };
  walk(dir);
  return out;
}

/** Render `app` of `root` through main() with a real compile store in a fresh private folder. */
async function renderWithStore(root: string, argv: string[]): Promise<{ code: number; stderr: string; cacheDir: string }> {
  hits.length = 0;
  const cacheDir = join(mkdtempSync(join(tmpdir(), 'strata-codegen-')), 'cache');
  const store = diskStore({ STRATA_CACHE_DIR: cacheDir }, 'ns');
  assert.ok(store, 'the compile store is on');
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main({ argv, env: { PATH: process.env.PATH ?? '' }, cwd: root, stdout, stderr, store });
  return { code, stderr: stderr.text, cacheDir };
}

// A `$id` that closes the `/*# sourceURL=... */` comment Ajv writes in source mode (ajv 8.20.0
// lib/compile/validate/index.ts funcSourceUrl): JSON quoting does not escape `*/`.
const ID_PAYLOAD = `http://x/*/globalThis.${CANARY}('values-id');/*`;

describe('repository schemas never become code (reproductions)', () => {
  it('a values schema whose $id closes a comment is not run, and nothing of it is written to the compile store', async () => {
    const schema = { $id: ID_PAYLOAD, type: 'object', properties: { replicas: { type: 'integer' } } };
    const root = makeRepo(minimalApp({ 'app/values.schema.json': JSON.stringify(schema) }));
    const r = await renderWithStore(root, ['render', 'app', '--env', 'stg']);
    assertCanaryQuiet('values schema $id');
    assert.equal(r.code, 0, r.stderr);
    for (const f of cacheFiles(r.cacheDir)) {
      assert.ok(!f.name.includes('schema-'), `schema code stored: ${f.name}`);
      assert.ok(!f.text.includes(CANARY), `repository schema text stored as code in ${f.name}`);
    }
  });

  it('a CRD schema with the same $id (and hostile property names) is not run and not stored', async () => {
    const crd = [
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
      `          $id: ${JSON.stringify(ID_PAYLOAD)}`,
      '          type: object',
      '          properties:',
      '            spec:',
      '              type: object',
      '              properties:',
      `                ${JSON.stringify(`*/globalThis.${CANARY}('crd-key');/*`)}: { type: string, enum: [${JSON.stringify(`"*/globalThis.${CANARY}('crd-enum')/*`)}] }`,
      '',
    ].join('\n');
    const root = makeRepo({
      'strata-policy.yaml': 'apiVersion: strata.dev/v1\nkind: Policy\nspec:\n  schemas: [crds]\n',
      'crds/w.yaml': crd,
      'app/strata.yaml': 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [dev]\n  namespace: ns\n',
      'app/values.yaml': 'x: 1\n',
      'app/templates/w.yaml.hbs': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec: { a: b }\n',
    });
    const r = await renderWithStore(root, ['render', 'app', '--env', 'dev', '--repo-root', '.']);
    assertCanaryQuiet('CRD schema');
    // The object has an unknown field `a`: the CRD's schema was compiled and applied.
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /crds\/w\.yaml/);
    for (const f of cacheFiles(r.cacheDir)) {
      assert.ok(!f.name.includes('schema-'), `schema code stored: ${f.name}`);
      assert.ok(!f.text.includes(CANARY), `repository schema text stored as code in ${f.name}`);
    }
  });
});
