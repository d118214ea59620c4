import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../src/core/errors.js';
import { DECLARATIONS, DIFF, RENDER, SERVE, SIDECAR } from '../src/cli/declarations.js';
import { camel, declare, helpText, parseCommand, type OptionsOf } from '../src/cli/declare.js';
import { COMMAND_ENTRIES, COMMANDS } from '../src/cli/main.js';
import { cli, REPO } from './helpers.js';

// Issue 13 item 6: one declaration per command, that main lists (usage), helps (--help) and the command parses
// (typed options). These tests hold the three together, so a flag cannot be accepted but undocumented, documented
// but refused, or summarised differently in two places.

/** The long names of the `Options:` section of a help text (lines that start with `-x, --name` or `--name`). */
function helpOptions(help: string): { long: string[]; short: string[] } {
  const section = help.split('\nOptions:\n')[1] ?? '';
  const long: string[] = [];
  const short: string[] = [];
  for (const line of section.split('\n')) {
    if (line === '') break; // the section ends at the first blank line
    const m = /^ {2}(?:-(\w), )? *--([\w-]+)/.exec(line);
    if (!m) {
      assert.match(line, /^ {29}\S/, `a continuation line is indented to the help column: ${JSON.stringify(line)}`);
      continue;
    }
    long.push(m[2]);
    if (m[1]) short.push(m[1]);
  }
  return { long, short };
}

describe('command declarations', () => {
  it('every declared command has a module, and every module is declared', () => {
    assert.deepEqual([...COMMAND_ENTRIES.keys()].sort(), DECLARATIONS.map((d) => d.name).sort());
    assert.ok(DECLARATIONS.length >= 10, 'the table holds the commands');
    assert.equal(new Set(DECLARATIONS.map((d) => d.name)).size, DECLARATIONS.length, 'names are unique');
  });

  for (const decl of DECLARATIONS) {
    it(`${decl.name}: the help lists every declared option and nothing else`, () => {
      const help = helpText(decl);
      const { long, short } = helpOptions(help);
      assert.deepEqual(long, [...Object.keys(decl.options), 'help']);
      assert.deepEqual(
        short.sort(),
        [...Object.values(decl.options).flatMap((o) => (o.short ? [o.short] : [])), 'h'].sort(),
      );
      assert.match(help, new RegExp(`^Usage: strata ${decl.name}`));
      for (const [name, o] of Object.entries(decl.options)) {
        assert.ok(o.help.trim().length > 0, `--${name} has a help line`);
        if (o.type === 'string') assert.ok(o.arg, `--${name} names its value in the help`);
        assert.ok(!o.default || o.type === 'string', `--${name}: only string options have a default`);
      }
    });

    it(`${decl.name}: the command module is built from its declaration (name, summary, help, exit code)`, async () => {
      const { command } = await COMMAND_ENTRIES.get(decl.name)!.load();
      assert.equal(command.name, decl.name);
      assert.equal(command.summary, decl.summary);
      assert.equal(command.help, helpText(decl));
      assert.equal(command.errorExitCode, decl.errorExitCode);
    });

    it(`${decl.name}: every declared option parses into its camelCase field`, () => {
      for (const [name, o] of Object.entries(decl.options)) {
        const argv = o.type === 'string' ? [`--${name}`, 'v1', ...(o.multiple ? [`--${name}=v2`] : [])] : [`--${name}`];
        const { options } = parseCommand(decl, argv) as { options: Record<string, unknown> };
        const want = o.type === 'boolean' ? true : o.multiple ? ['v1', 'v2'] : 'v1';
        assert.deepEqual(options[camel(name)], want, `--${name}`);
        if (o.short)
          assert.deepEqual(
            (
              parseCommand(decl, o.type === 'string' ? [`-${o.short}`, 'v1'] : [`-${o.short}`]) as {
                options: Record<string, unknown>;
              }
            ).options[camel(name)],
            o.multiple ? ['v1'] : want,
            `-${o.short}`,
          );
      }
      const { options, positionals, layers, help } = parseCommand(decl, []) as {
        options: Record<string, unknown>;
      } & ReturnType<typeof parseCommand>;
      for (const [name, o] of Object.entries(decl.options)) {
        assert.deepEqual(
          options[camel(name)],
          o.type === 'boolean' ? false : o.multiple ? [] : o.default,
          `--${name} absent`,
        );
      }
      assert.deepEqual([positionals, layers, help], [[], [], false]);
      assert.throws(
        () => parseCommand(decl, ['--no-such-flag']),
        (e: unknown) => e instanceof UsageError && /Unknown option '--no-such-flag'/.test(e.message),
      );
      const extra = Array.from({ length: decl.maxPositionals + 1 }, (_, i) => `p${i}`);
      assert.throws(() => parseCommand(decl, extra), new UsageError(`unexpected argument "p${decl.maxPositionals}"`));
      assert.equal(parseCommand(decl, ['-h']).help, true);
    });
  }

  it('strata --help lists every visible command with its declared summary, and never the hidden ones', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    const listed = [...r.stdout.matchAll(/^ {2}([a-z-]+) +(.+)$/gm)].filter((m) => !m[1].startsWith('-'));
    const visible = DECLARATIONS.filter((d) => !d.hidden);
    assert.deepEqual(
      listed.map((m) => [m[1], m[2]]),
      visible.map((d) => [d.name, d.summary]),
    );
    assert.deepEqual(
      Object.keys(COMMANDS),
      visible.map((d) => d.name),
    );
    assert.ok(DECLARATIONS.some((d) => d.hidden && d.name === 'warm-server'));
    assert.doesNotMatch(r.stdout, /warm-server/);
  });

  it('strata <command> --help prints the generated help, hidden commands included, before any other check', async () => {
    for (const decl of DECLARATIONS) {
      const r = await cli([decl.name, '--bogus', '--help']);
      assert.deepEqual(r, { code: 0, stdout: helpText(decl), stderr: '' }, decl.name);
    }
  });

  it('layer flags keep their command-line order across flags (later layers win)', () => {
    const p = parseCommand(RENDER, [
      'app',
      '--set',
      'a=1',
      '-f',
      'x.yaml',
      '--env',
      'dev',
      '--set-json',
      'b=[1]',
      '--values=y.yaml',
      '--set-string',
      'c=2',
      '--set-file',
      'd=f.txt',
      '--set',
      'a=3',
    ]);
    assert.deepEqual(p.layers, [
      { name: 'set', value: 'a=1' },
      { name: 'values', value: 'x.yaml' },
      { name: 'set-json', value: 'b=[1]' },
      { name: 'values', value: 'y.yaml' },
      { name: 'set-string', value: 'c=2' },
      { name: 'set-file', value: 'd=f.txt' },
      { name: 'set', value: 'a=3' },
    ]);
    assert.deepEqual(p.options.set, ['a=1', 'a=3']);
    assert.deepEqual(p.positionals, ['app']);
    assert.equal(p.options.env, 'dev');
    // After `--`, nothing is a flag.
    assert.deepEqual(parseCommand(RENDER, ['--', '--set=a=1']).layers, []);
  });

  it('options are typed from the declaration (a wrong use fails the typecheck)', () => {
    const d = declare({
      name: 't',
      summary: 's',
      usage: [''],
      description: 'd',
      maxPositionals: 0,
      options: {
        'a-b': { type: 'string', arg: 'X', help: 'h' },
        c: { type: 'boolean', help: 'h' },
        d: { type: 'string', multiple: true, arg: 'X', help: 'h' },
        e: { type: 'string', default: 'z', arg: 'X', help: 'h' },
      },
    });
    const o: OptionsOf<(typeof d)['options']> = parseCommand(d, ['--a-b', 'x', '-h']).options;
    const ab: string | undefined = o.aB;
    const c: boolean = o.c;
    const ds: readonly string[] = o.d;
    const e: string = o.e;
    assert.deepEqual([ab, c, ds, e], ['x', false, [], 'z']);
    // @ts-expect-error a string option may be absent
    const notAlways: string = o.aB;
    // @ts-expect-error the options object is readonly
    o.c = true;
    void notAlways;
    const repoRoot: string | undefined = parseCommand(RENDER, []).options.repoRoot;
    const envs: readonly string[] = parseCommand(DIFF, []).options.env;
    const port: string = parseCommand(SERVE, []).options.port;
    const ns: string = parseCommand(SIDECAR, []).options.namespace;
    assert.deepEqual([repoRoot, envs, port, ns], [undefined, [], '7420', 'argocd']);
  });

  it('main loads no command module up front: its static imports never reach src/cli/commands or a cold package', () => {
    // Dynamic import() of the one command that runs is the only way in (cold start inside Argo CD).
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(REPO, file), 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*import\s(?!type\s)[^'"]*?from\s+'([^']+)'/g)) {
        const spec = m[1];
        if (!spec.startsWith('.')) {
          if (!spec.startsWith('node:')) packages.add(spec);
          continue;
        }
        visit(posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts'));
      }
    };
    visit('src/cli/main.ts');
    const files = [...seen];
    assert.ok(
      files.includes('src/cli/declarations.ts') && files.includes('src/cli/declare.ts'),
      `the scan follows imports: ${files.join(', ')}`,
    );
    assert.deepEqual(
      files.filter((f) => f.startsWith('src/cli/commands/')),
      [],
    );
    for (const cold of ['express', 'ajv', 'kubernetes-models', 'pino'])
      assert.ok(
        ![...packages].some((p) => p === cold || p.startsWith(`${cold}/`)),
        `${cold} is not loaded by main: ${[...packages].join(', ')}`,
      );
  });
});
