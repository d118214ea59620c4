import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMANDS } from '../src/cli/main.js';
import { cli, makeRepo, minimalApp, runCli } from './helpers.js';

// In process (helpers cli()) except the two cases marked as process tests: those check what a shell sees.

describe('CLI surface', () => {
  for (const name of Object.keys(COMMANDS)) {
    it(`strata ${name} --help prints its usage and exits 0`, async () => {
      const r = await cli([name, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: strata ${name}`));
      assert.equal(r.stderr, '');
    });
  }

  it('--version prints the package version (process)', () => {
    const r = runCli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), (require('../package.json') as { version: string }).version);
  });

  it('an unknown command or flag is a usage error (exit 2), with nothing on stdout (process)', async () => {
    const cmd = runCli(['rendr']);
    assert.equal(cmd.code, 2);
    assert.equal(cmd.stdout, '');
    assert.match(cmd.stderr, /unknown command "rendr"/);
    const flag = await cli(['render', '--bogus']);
    assert.equal(flag.code, 2);
    assert.equal(flag.stdout, '');
    assert.match(flag.stderr, /Unknown option '--bogus'/);
  });

  it('no command prints the overview on stdout and exits 2', async () => {
    const r = await cli([]);
    assert.equal(r.code, 2);
    for (const name of Object.keys(COMMANDS)) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
  });

  it('values --explain shows where replicaCount was set and what it overrode', async () => {
    const r = await cli(['values', 'examples/plate/helm/applications/plate-api', '--env', 'prod', '--explain']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^\.replicaCount = 3\n {4}set at examples\/plate\/helm\/applications\/plate-api\/values-prod\.yaml:\d+:1\n {4}overrode 1 from examples\/plate\/helm\/applications\/plate-api\/values\.yaml:\d+:1$/m,
    );
  });

  it('--all reports an app with a broken strata.yaml beside the others, and fails with nothing on stdout', async () => {
    const good = minimalApp();
    const root = makeRepo({
      ...Object.fromEntries(Object.entries(good).map(([k, v]) => [k.replace(/^app\//, 'apps/good/'), v])),
      'apps/broken/strata.yaml': 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environmentz: [stg]\n',
    });
    const render = await cli(['render', '--all', '--env', 'stg', 'apps'], { cwd: root });
    assert.equal(render.code, 1);
    assert.equal(render.stdout, '');
    assert.match(
      render.stderr,
      /1 of 2 apps failed:\n {2}apps\/broken\/strata\.yaml:4:3 \.spec\.environmentz: unknown field/,
    );
    const lint = await cli(['lint', '--all', '--env', 'stg', 'apps', '-o', 'json'], { cwd: root });
    assert.equal(lint.code, 1);
    const report = JSON.parse(lint.stdout) as { apps: { app: string; error?: string }[] };
    assert.deepEqual(
      report.apps.map((a) => [a.app, Boolean(a.error)]),
      [
        ['apps/broken', true],
        ['apps/good', false],
      ],
    );
  });

  it('diff: 0 same, 1 different, 2 on an error (as diff(1))', async () => {
    const api = 'examples/plate/helm/applications/plate-api';
    assert.equal((await cli(['diff', api, '--env', 'prod', '--against', 'prod'])).code, 0);
    assert.equal((await cli(['diff', api, '--env', 'prod', '--against', 'stg'])).code, 1);
    const broken = await cli(['diff', api, '--env', 'prod', '--against', 'qa']);
    assert.equal(broken.code, 2);
    assert.equal(broken.stdout, '');
    assert.match(broken.stderr, /unknown environment "qa"/);
  });

  it('-f files and --set flags apply after the layers, in command-line order; --set-file reads a file', async () => {
    const root = makeRepo({ ...minimalApp(), 'extra.yaml': 'name: from-file\nreplicas: 5\n', 'note.txt': 'hello\n' });
    const r = await cli(
      [
        'values',
        'app',
        '--env',
        'stg',
        '--set',
        'replicas=2',
        '-f',
        'extra.yaml',
        '--set-file',
        'note=note.txt',
        '--set-json',
        'list=[1,2]',
        '-o',
        'json',
      ],
      { cwd: root },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { name: 'from-file', replicas: 5, note: 'hello\n', list: [1, 2] });
    const explain = await cli(
      ['values', 'app', '--env', 'stg', '-f', 'extra.yaml', '--set', 'replicas=2', '--explain'],
      { cwd: root },
    );
    assert.match(
      explain.stdout,
      /^\.replicas = 2\n {4}set at --set replicas=2\n {4}overrode 5 from extra\.yaml:2:1\n {4}overrode 1 from app\/values\.yaml:2:1$/m,
    );
  });
});
