// Issue 21 §5: one line means one line. Argo CD shows a failed generate's stderr in its UI; a parameter name,
// an env value, a plugin.env name, a map key or a file name carrying a newline (or CR, ESC, U+2028, ...) must
// not let anyone print a line of their own there (`strata: error: forged`), nor drive the terminal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { describeError, FindingsError, formatFinding, oneLine, UserError } from '../src/core/errors.js';
import { cli, makeRepo, minimalApp } from './helpers.js';

const FORGED = '\nstrata: error: forged\r\u001b[2K\u2028strata: error: forged2\u0085x';
/** Characters that end a line somewhere (a terminal, a browser, a log viewer) or drive a terminal. */
const BREAKS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function assertOneLine(stderr: string): void {
  assert.ok(stderr.endsWith('\n'), JSON.stringify(stderr));
  const body = stderr.slice(0, -1);
  assert.ok(!BREAKS.test(body), `more than one line, or a control character: ${JSON.stringify(stderr)}`);
  assert.ok(stderr.startsWith('strata: error: '), stderr);
}

async function generate(
  env: Record<string, string>,
  files: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const root = makeRepo(minimalApp(files));
  return cli(['generate'], {
    cwd: `${root}/app`,
    env: { ARGOCD_APP_SOURCE_PATH: 'app', ARGOCD_APP_NAME: 'demo', ...env },
  });
}

describe('generate prints one line per message, whatever the Application sends', () => {
  const params = (list: unknown[]): Record<string, string> => ({ ARGOCD_APP_PARAMETERS: JSON.stringify(list) });
  const cases: Record<string, Record<string, string>> = {
    'a parameter name': params([{ name: `env${FORGED}`, string: 'prod' }]),
    'the env parameter': params([{ name: 'env', string: `prod${FORGED}` }]),
    'plugin.env STRATA_ENV': { ARGOCD_ENV_STRATA_ENV: `prod${FORGED}` },
    'a set key': params([{ name: 'set', map: { [`a${FORGED}`]: '1' } }]),
    'a valueFiles entry': params([{ name: 'valueFiles', array: [`nope${FORGED}.yaml`] }]),
  };
  for (const [name, env] of Object.entries(cases)) {
    test(name, async () => {
      const r = await generate(env);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assertOneLine(r.stderr);
    });
  }

  test('a plugin.env name close to STRATA_ENV (a warning) stays one line', async () => {
    const r = await generate({ ARGOCD_ENV_STRATA_ENV: 'prod', [`ARGOCD_ENV_STRATA_ENVX${FORGED}`]: 'x' });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, JSON.stringify(r.stderr));
    assert.match(lines[0], /^strata: warning: plugin\.env "STRATA_ENVX\\nstrata: error: forged/);
    assert.ok(!BREAKS.test(lines[0]));
  });

  test("a template's log message stays one line", async () => {
    const r = await generate(
      { ARGOCD_ENV_STRATA_ENV: 'prod' },
      {
        'app/values.yaml': 'name: demo\nreplicas: 1\nmsg: "hi\\nstrata: error: forged\\e[31m"\n',
        'app/templates/cm.yaml.hbs': '{{log values.msg}}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, JSON.stringify(r.stderr));
    assert.ok(!/\u001b/.test(r.stderr));
  });

  test('values are still not echoed: a bad env value is named, its text never shown beyond the name', async () => {
    const r = await generate(params([{ name: 'set', map: { replicas: `{a,b${FORGED}` } }]));
    assert.equal(r.code, 1);
    assertOneLine(r.stderr);
    assert.ok(!r.stderr.includes('forged'), r.stderr);
  });
});

describe('the error printer', () => {
  test('property: any string in a UserError message, file, path or flag prints as one line', () => {
    const anyText = fc.string({ unit: 'binary', maxLength: 60 });
    fc.assert(
      fc.property(anyText, anyText, anyText, anyText, (message, file, path, flag) => {
        for (const e of [
          new UserError(message, { file, path, line: 3 }),
          new UserError(message, { flag }),
          new Error(message),
        ]) {
          const text = describeError(e);
          assert.ok(!BREAKS.test(text), JSON.stringify(text));
        }
        assert.ok(
          !BREAKS.test(formatFinding({ severity: 'error', rule: 'r', object: file, path, template: flag, message })),
        );
      }),
      { seed: Number(process.env.STRATA_FUZZ_SEED ?? 21), numRuns: Number(process.env.STRATA_FUZZ_RUNS ?? 300) },
    );
  });

  test('escapes are visible and distinct; plain text and non-Latin letters are kept', () => {
    assert.equal(oneLine('a\nb\rc\td\u001b[0m\u2028e\u0085f\u202eg'), 'a\\nb\\rc\\td\\x1b[0m\\u2028e\\x85f\\u202eg');
    assert.equal(oneLine('values-prod.yaml: ça va, 日本'), 'values-prod.yaml: ça va, 日本');
  });

  test('several findings stay one finding per line, each line escaped', () => {
    const f = (message: string) => ({ severity: 'error' as const, rule: 'r', message });
    const e = new FindingsError([f(`one${FORGED}`), f('two')]);
    const lines = describeError(e).split('\n');
    assert.equal(lines.length, 3, JSON.stringify(lines));
    assert.equal(lines[0], '2 errors found:');
    for (const l of lines) assert.ok(!BREAKS.test(l));
  });
});
