import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Budget } from '../src/core/template/budget.js';
import { DEFAULT_RENDER_LIMITS } from '../src/core/limits.js';
import { cm, renderApp } from './template/app.js';

// The render budget (issue 10 §2): time, output size and partial depth are checked while templates run.

const big = `l: [${Array.from({ length: 3000 }, (_, i) => i).join(', ')}]\n`;

/** The render's injected clock, 1 ms per read: the deadline is reached after a fixed amount of work, on any machine. */
function ticking(): () => number {
  let t = 0;
  return () => ++t;
}

describe('render budget', () => {
  it('stops nested #each over large lists at the deadline, naming the template and the limit', () => {
    const t = cm(
      '{{#each values.l}}{{#each @root.values.l}}{{#each @root.values.l}}  k{{this}}: v\n{{/each}}{{/each}}{{/each}}',
    );
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': t }, big, { now: ticking(), limits: { renderMs: 300, outputBytes: 1 << 30 } }),
      (e: Error) => {
        assert.match(
          e.message,
          /rendering took longer than 300 ms \(limit renderMs: STRATA_RENDER_TIMEOUT_MS \/ --render-timeout-ms\)/,
        );
        assert.equal((e as { where?: { file?: string } }).where?.file, 'app/templates/cm.yaml.hbs');
        return true;
      },
    );
  });

  it('stops partials that double at the deadline', () => {
    const files: Record<string, string> = { 'cm.yaml.hbs': cm('  x: "{{> p0}}"\n') };
    for (let i = 0; i < 30; i++) files[`_p${i}.hbs`] = `{{> p${i + 1}}}{{> p${i + 1}}}`;
    files['_p30.hbs'] = 'x';
    assert.throws(
      () => renderApp(files, undefined, { now: ticking(), limits: { renderMs: 300 } }),
      /rendering took longer than 300 ms/,
    );
  });

  it('uses the injected clock', () => {
    let t = 0;
    const now = () => (t += 1000);
    const files = { 'cm.yaml.hbs': cm('{{#each values.l}}  k{{this}}: v\n{{/each}}') };
    assert.throws(
      () => renderApp(files, big, { now, limits: { renderMs: 50_000 } }),
      /rendering took longer than 50000 ms/,
    );
  });

  it('caps output size as it grows', () => {
    const t = cm('{{#each values.l}}{{#each @root.values.l}}  k{{this}}: v\n{{/each}}{{/each}}');
    assert.throws(
      () => renderApp({ 'cm.yaml.hbs': t }, big, { limits: { outputBytes: 100_000 } }),
      /rendered output exceeds 100000 bytes \(limit outputBytes/,
    );
  });

  it('counts output across templates', () => {
    const body = cm(`  a: "${'x'.repeat(600)}"\n`);
    assert.throws(
      () =>
        renderApp({ 'a.yaml.hbs': body, 'b.yaml.hbs': body.replace('name: cm', 'name: cm2') }, undefined, {
          limits: { outputBytes: 1000 },
        }),
      /exceeds 1000 bytes/,
    );
  });

  it('limits partial, include and tpl depth', () => {
    assert.throws(
      () =>
        renderApp({ '_r.hbs': 'x{{> r}}', 'cm.yaml.hbs': cm('  a: "{{> r}}"\n') }, undefined, {
          limits: { partialDepth: 8 },
        }),
      /partials \(at "r"\) nested deeper than 8 levels \(limit partialDepth/,
    );
    assert.throws(
      () =>
        renderApp(
          { '_r.hbs': 'x{{include "r" this}}', 'cm.yaml.hbs': cm('  a: "{{include "r" this}}"\n') },
          undefined,
          { limits: { partialDepth: 8 } },
        ),
      /nested deeper than 8 levels/,
    );
    assert.throws(
      () =>
        renderApp({ 'cm.yaml.hbs': cm('  a: "{{tpl values.t this}}"\n') }, 't: "{{tpl values.t this}}"\n', {
          limits: { partialDepth: 8 },
        }),
      /tpl nested deeper than 8 levels/,
    );
    // Within the limit, fine.
    assert.equal(
      renderApp({ '_a.hbs': '{{> b}}', '_b.hbs': 'ok', 'cm.yaml.hbs': cm('  a: {{> a}}\n') }, undefined, {
        limits: { partialDepth: 2 },
      }).objects.length,
      1,
    );
  });

  it('Budget unit: ticks read the clock only now and then; depth goes back down', () => {
    let reads = 0;
    const b = new Budget({ ...DEFAULT_RENDER_LIMITS, partialDepth: 2 }, () => (reads++, 0));
    for (let i = 0; i < 640; i++) b.tick('t');
    assert.equal(reads, 1 + 10);
    b.enter('t', 'x');
    b.enter('t', 'x');
    assert.throws(() => b.enter('t', 'x'), /deeper than 2/);
    b.leave();
    b.enter('t', 'x');
  });
});
