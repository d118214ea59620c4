// Issue 21 §4: every kind of work of a render is inside its budget (docs/security.md §2) — one helper call,
// compiling templates, the checks after them and output built inside blocks. Time is the render's injected
// clock (RenderSettings.now): no assertion here reads the wall clock; linearity is a ratio of clock reads,
// which the budget makes every few thousand units of work.
// Run: node --import tsx --test test/budget-work.test.ts
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { standardChecks } from '../src/checks/index.js';
import { UserError } from '../src/core/errors.js';
import { MemoryFs } from '../src/core/fs.js';
import { DEFAULT_RENDER_LIMITS, type Limits } from '../src/core/limits.js';
import { makeHelpers } from '../src/core/helpers.js';
import { render } from '../src/core/render.js';
import { Budget } from '../src/core/templates.js';
import { MAX_BLOCK_DEPTH, MAX_MUSTACHES, MAX_SUBEXPRESSIONS, prescan } from '../src/core/template/prescan.js';
import { cm, dataOf, renderApp } from './template/app.js';

const RENDER_MS =
  /rendering took longer than \d+ ms \(limit renderMs: STRATA_RENDER_TIMEOUT_MS \/ --render-timeout-ms\)/;

/** A clock that counts its reads and moves 1 ms per read (or `step`). */
function clock(step = 1): { now: () => number; reads: () => number } {
  let t = 0;
  let n = 0;
  return {
    now: () => {
      n++;
      return (t += step);
    },
    reads: () => n,
  };
}

/** Clock reads a render makes (so: units of work it charged), under a budget it never reaches. */
function readsOf(template: string, values?: string, limits: Partial<Limits> = {}): number {
  const c = clock();
  renderApp({ 'cm.yaml.hbs': cm(template) }, values, { now: c.now, limits: { renderMs: 1e12, ...limits } });
  return c.reads();
}

/** `{{#with (list x x) as |p1|}}` ... 40 deep: a list of 2^40 leaves held in 40 small lists. */
function dag(p: string, seed: string, depth = 40): [string, string] {
  let open = `{{#with (list ${seed} ${seed}) as |${p}1|}}`;
  for (let i = 2; i <= depth; i++) open += `{{#with (list ${p}${i - 1} ${p}${i - 1}) as |${p}${i}|}}`;
  return [open, '{{/with}}'.repeat(depth)];
}

describe('budget: one helper call', () => {
  it('uniq is linear (hash of a canonical key) and charges the budget as it works', () => {
    const small = readsOf('  n: "{{len (uniq (until 20000))}}"\n');
    const large = readsOf('  n: "{{len (uniq (until 80000))}}"\n');
    // Quadratic work would read the clock ~16x as often; linear ~4x (plus the fixed reads of any render).
    assert.ok(large / small < 6, `clock reads ${small} -> ${large}`);
    assert.ok(large > small + 10, 'uniq charged the budget');
    // And one call over a large list ends at the deadline: the clock moves 1 ms per read.
    assert.throws(
      () =>
        renderApp({ 'cm.yaml.hbs': cm('  n: "{{len (uniq (until 400000))}}"\n') }, undefined, {
          now: clock().now,
          limits: { renderMs: 40 },
        }),
      RENDER_MS,
    );
  });

  it('uniq, without and has keep deepEqual semantics', () => {
    const r = renderApp({
      'cm.yaml.hbs': cm(
        '  u: {{quote (toJson (uniq (list 1 "1" 1 (list 1) (list 1) (dict "a" 1 "b" 2) (dict "b" 2 "a" 1) (dict "a" 1) "")))}}\n' +
          '  w: {{quote (toJson (without (list 1 2 (list 3) (dict "a" 1) 2) 2 (list 3)))}}\n' +
          '  h: "{{has (dict "a" (list 1)) (list 0 (dict "a" (list 1)))}} {{has (dict "a" (list 2)) (list (dict "a" (list 1)))}}"\n',
      ),
    });
    const d = dataOf(r);
    assert.equal(d.u, '[1,"1",[1],{"a":1,"b":2},{"a":1},""]');
    assert.equal(d.w, '[1,{"a":1}]');
    assert.equal(d.h, 'true false');
  });

  it(
    'deepEqual and has over 30 levels of shared references are linear (a memo of equal pairs)',
    { timeout: 60_000 },
    () => {
      const [a, aEnd] = dag('a', '1', 30);
      const [b, bEnd] = dag('b', '(add 0 1)', 30);
      const [x, xEnd] = dag('x', '2', 30);
      const body = `  e: "${a}${b}${x}{{deepEqual a30 b30}} {{deepEqual a30 x30}} {{has a30 (list x30 b30)}}${xEnd}${bEnd}${aEnd}"\n`;
      const reads = readsOf(body);
      assert.ok(reads < 200, `clock reads ${reads}`);
      const r = renderApp({ 'cm.yaml.hbs': cm(body) });
      assert.equal(dataOf(r).e, 'true false true');
    },
  );

  // npm test checks one helper at the size limit; test/e2e/budget-helper-sizes.test.ts checks every helper that
  // writes a tree, and that a large plain tree is still written whole.
  it('toJson over 40 levels of shared references fails at the helper limit before writing', { timeout: 60_000 }, () => {
    const [a, aEnd] = dag('a', '"x"');
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': cm(`  j: "${a}{{len (toJson a40)}}${aEnd}"\n`) }),
      (e: Error) =>
        e instanceof UserError &&
        /^toJson: .* would exceed the 4194304-byte helper limit/.test(e.message) &&
        !/\n/.test(e.message),
    );
  });

  it('semverCompare rewrites ranges in one pass (work linear in the constraint)', () => {
    const con = (n: number) => `c: "${Array.from({ length: n }, () => '1 - 2').join(' || ')}"\n`;
    assert.equal(
      dataOf(
        renderApp(
          { 'cm.yaml.hbs': cm('  s: "{{semverCompare values.c "1.5.0"}} {{semverCompare values.c "3.0.0"}}"\n') },
          con(3),
        ),
      ).s,
      'true false',
    );
    // The helper charges the render's budget in proportion to the constraint, and no more than linearly.
    const units = (ranges: number, pad: number): number => {
      const budget = new Budget(DEFAULT_RENDER_LIMITS, () => 0);
      let n = 0;
      const charge = budget.charge.bind(budget);
      budget.charge = (u, t) => {
        n += u;
        charge(u, t);
      };
      const helpers = makeHelpers({ renderPartial: () => '', limits: () => DEFAULT_RENDER_LIMITS });
      const o = { data: { strata: { template: 't', emitted: [], log: () => {}, budget } } };
      assert.throws(
        () => helpers.semverCompare('1 - 2 '.repeat(ranges) + ','.repeat(pad), '1.5.0', o),
        /not a valid version constraint/,
      );
      return n;
    };
    const one = units(1_000, 100_000);
    const four = units(4_000, 400_000);
    assert.ok(one >= 106_000 / 16, `${one} units: semverCompare does not charge the budget`);
    assert.ok(four / one < 5, `units ${one} -> ${four}`);
  });
});

describe('budget: compiling templates', () => {
  const nested = (n: number) => '{{#if true}}'.repeat(n) + 'x' + '{{/if}}'.repeat(n);

  it(`block nesting is bounded at ${MAX_BLOCK_DEPTH} by a pre-scan, naming the file and the line`, () => {
    assert.doesNotThrow(() => prescan(nested(MAX_BLOCK_DEPTH), 't'));
    const deep = 'a\nb\n' + nested(MAX_BLOCK_DEPTH + 1);
    assert.throws(
      () => prescan(deep, 'templates/t.yaml.hbs'),
      (e: UserError) =>
        e.where?.file === 'templates/t.yaml.hbs' &&
        e.where.line === 3 &&
        /blocks nest deeper than 100 levels/.test(e.message),
    );
    // Closed blocks do not add up; `{{else if}}` chains, inverse blocks and sub-expressions do.
    assert.doesNotThrow(() => prescan('{{#if a}}{{/if}}'.repeat(5000), 't'));
    assert.throws(() => prescan('{{#if a}}' + '{{else if b}}'.repeat(MAX_BLOCK_DEPTH) + '{{/if}}', 't'), /nest deeper/);
    assert.throws(() => prescan('{{^a}}'.repeat(MAX_BLOCK_DEPTH + 1), 't'), /nest deeper/);
    assert.throws(
      () => prescan(`{{x ${'(a '.repeat(MAX_BLOCK_DEPTH + 1)}${')'.repeat(MAX_BLOCK_DEPTH + 1)}}}`, 't'),
      /nest deeper/,
    );
    assert.doesNotThrow(() => prescan('{{#if a}}x{{else}}y{{/if}}{{!-- {{#if}} --}}\\{{#if}}', 't'));
  });

  it('a deep template fails in the render (and through tpl) before Handlebars parses it', () => {
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': cm(`  a: "${nested(10_000)}"\n`) }),
      (e: UserError) => /nest deeper/.test(e.message) && e.where?.line === 6,
    );
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': cm('  a: "{{tpl values.t this}}"\n') }, `t: "${nested(10_000)}"\n`),
      (e: UserError) => /nest deeper/.test(e.message) && /tpl at line 6/.test(e.where?.file ?? ''),
    );
  });

  it(`a template holds at most ${MAX_MUSTACHES} mustaches`, () => {
    assert.doesNotThrow(() => prescan('{{a}}'.repeat(MAX_MUSTACHES), 't'));
    assert.throws(
      () => prescan('{{a}}\n'.repeat(MAX_MUSTACHES + 1), 't'),
      (e: UserError) => /more than 25000 mustaches/.test(e.message) && e.where?.line === MAX_MUSTACHES + 1,
    );
  });

  it(`a template holds at most ${MAX_SUBEXPRESSIONS} sub-expressions, however few its mustaches`, () => {
    // One mustache of nested ternaries, 2^16 of them, 16 levels deep (under the nesting bound): what a
    // translation that doubles per line writes. It compiled for 29 s before.
    let e = '(ternary 1 2 true)';
    for (let i = 0; i < 16; i++) e = `(ternary ${e} ${e} true)`;
    assert.throws(
      () => prescan(`a: {{quote ${e}}}\n`, 't'),
      (err: UserError) => /more than 25000 sub-expressions/.test(err.message) && err.where?.line === 1,
    );
    assert.doesNotThrow(() => prescan(`{{quote (list 1)}}\n`.repeat(MAX_SUBEXPRESSIONS), 't'));
  });

  it('compile time counts in the render budget: a template compiled after the deadline fails', () => {
    // Every clock read moves 1 s: the deadline (renderMs 1500) passes while the set compiles.
    const files = { 'a.yaml.hbs': cm('  a: x\n'), 'b.yaml.hbs': cm('  b: x\n', 'cm2') };
    assert.throws(
      () => renderApp(files, undefined, { now: clock(1000).now, limits: { renderMs: 1500 } }),
      (e: UserError) =>
        RENDER_MS.test(e.message) &&
        /compiling the templates/.test(e.message) &&
        /templates\/a\.yaml\.hbs|templates\/b\.yaml\.hbs/.test(e.where?.file ?? ''),
    );
  });
});

describe('budget: output built inside blocks', () => {
  it('sibling blocks under the cap each are counted together as they grow', () => {
    const sib = '{{#each @root.values.l}}{{@root.values.s}}{{/each}}';
    const values = `l: [${Array.from({ length: 40 }, (_, i) => i).join(', ')}]\ns: ${'x'.repeat(1000)}\n`;
    // Each block is 40 KB (under a 100 KB cap); three are 120 KB before the template ends. `required` after
    // them shows where the render stopped: at the cap, not at the end of the template.
    assert.throws(
      () =>
        renderApp(
          { 'cm.yaml.hbs': cm(`  a: "${sib}${sib}${sib}{{required "stopped late" values.missing}}"\n`) },
          values,
          { limits: { outputBytes: 100_000 } },
        ),
      /rendered output exceeds 100000 bytes \(limit outputBytes/,
    );
    // Nested blocks count each byte once: 60 KB nested five deep is within a 100 KB cap.
    const five = '{{#with 1}}'.repeat(5) + sib + '{{/with}}'.repeat(5);
    assert.doesNotThrow(() =>
      renderApp({ 'cm.yaml.hbs': cm(`  a: "${five}${'x'.repeat(20_000)}"\n`) }, values, {
        limits: { outputBytes: 100_000 },
      }),
    );
  });

  it('partial, include and tpl results are counted', () => {
    const values = `s: ${'x'.repeat(30_000)}\nt: "{{values.s}}"\n`;
    for (const call of ['{{> p}}', '{{include "p" .}}', '{{tpl values.t .}}']) {
      assert.throws(
        () =>
          renderApp(
            {
              '_p.hbs': '{{values.s}}',
              'cm.yaml.hbs': cm(`  a: "${call}${call}${call}${call}{{required "stopped late" values.missing}}"\n`),
            },
            values,
            { limits: { outputBytes: 100_000 } },
          ),
        /rendered output exceeds 100000 bytes/,
        call,
      );
    }
  });
});

describe('budget: checks share the render deadline', () => {
  const APP = 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [dev]\n  namespace: ns\n';
  const DEP =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  replicas: 2\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [{ name: web, image: "r.example.com/web:1" }] }\n';
  const OFF =
    '  rules: { image-tag-pinned: "off", container-resources: "off", min-replicas: "off", probes: "off", pod-security: "off", ingress-tls: "off" }\n';
  const L = `l: [${Array.from({ length: 50 }, (_, i) => i).join(', ')}]\n`;

  /** A clock that stands still until `after` reads, then moves 1 s per read. */
  function lateClock(after: number): () => number {
    let n = 0;
    let t = 0;
    return () => (++n > after ? (t += 1000) : t);
  }

  function policyApp(extra: Record<string, string>, policy: string): MemoryFs {
    return new MemoryFs({
      'app/strata.yaml': APP,
      'app/values.yaml': L,
      'app/templates/d.yaml.hbs': DEP,
      'strata-policy.yaml': `apiVersion: strata.dev/v1\nkind: Policy\nspec:\n${OFF}${policy}`,
      ...extra,
    });
  }

  const limits: Limits = { ...DEFAULT_RENDER_LIMITS, renderMs: 2000 };

  it('custom CEL rules stop at the render deadline, not each at its own, naming the limit and the policy file', () => {
    const rules = Array.from(
      { length: 20 },
      (_, i) =>
        `    - name: r${i}\n      match: { kinds: [Deployment] }\n      expression: "values.l.all(a, values.l.all(b, a + b >= 0))"\n      severity: error\n`,
    ).join('');
    const fs = policyApp({}, `  custom:\n${rules}`);
    // Passes with a clock that stands still.
    assert.doesNotThrow(() =>
      render({ fs, appDir: 'app', env: 'dev', checks: standardChecks(), limits, now: () => 0 }),
    );
    // The deadline passes once the checks run: the first rule's evaluation stops and the render fails.
    let reads = 0;
    const base = lateClock(1e9);
    const now = () => (++reads > 40 ? 1e6 : base());
    assert.throws(
      () => render({ fs, appDir: 'app', env: 'dev', checks: standardChecks(), limits, now }),
      (e: UserError) => RENDER_MS.test(e.message) && /checks/.test(e.message) && e.where?.file === 'strata-policy.yaml',
    );
  });

  it('CRD x-kubernetes-validations rules stop at the render deadline, naming the CRD file', () => {
    const crd =
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: widgets.example.com }\nspec:\n  group: example.com\n  names: { kind: Widget, plural: widgets }\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec:\n              type: object\n              x-kubernetes-validations:\n                - rule: "self.l.all(a, self.l.all(b, a + b >= 0))"\n              properties:\n                l: { type: array, items: { type: integer } }\n';
    const w =
      '{{#each (until 5)}}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w{{this}} }\nspec:{{nindent 2 (toYaml (dict "l" @root.values.l))}}\n{{/each}}\n';
    const fs = policyApp({ 'crds/w.yaml': crd, 'app/templates/w.yaml.hbs': w }, '  schemas: [crds]\n');
    assert.doesNotThrow(() =>
      render({ fs, appDir: 'app', env: 'dev', checks: standardChecks(), limits, now: () => 0 }),
    );
    let reads = 0;
    const now = () => (++reads > 40 ? 1e6 : 0);
    assert.throws(
      () => render({ fs, appDir: 'app', env: 'dev', checks: standardChecks(), limits, now }),
      (e: UserError) => RENDER_MS.test(e.message) && e.where?.file === 'crds/w.yaml',
    );
  });
});
