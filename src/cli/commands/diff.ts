import { UsageError } from '../../core/errors.js';
import type { Limits } from '../../core/limits.js';
import { CONFIG_FILE } from '../../core/config.js';
import { joinPath, type ReadOnlyFs } from '../../core/fs.js';
import type { Override } from '../../core/layers.js';
import { createCaches, render } from '../../core/render.js';
import type { K8sObject } from '../../core/types.js';
import { diffAll, exitCodeOf } from '../../diff/all.js';
import { diffObjects, formatDiff } from '../../diff/diff.js';
import { formatJson, formatMarkdown, formatText } from '../../diff/report.js';
import { openSides } from '../../diff/rev-fs.js';
import { gitFs } from '../../io/git-fs.js';
import type { Command, CommandContext } from '../command.js';
import { APP_OPTIONS, LAYER_OPTIONS, layerOverrides, outputFormat, parse, requireEnv, type Parsed } from '../options.js';
import { openApp } from '../target.js';

const HELP = `Usage: strata diff [APP_DIR] --env ENV --against OTHER_ENV [options]
       strata diff [APP_DIR] --env ENV --against-ref REV [options]
       strata diff --all --against-ref REV [ROOT] [--env ENV ...] [options]

Render the app twice and print a per-object, field-level diff (docs/diff.md). The --against side is the
"before" (---), the --env render of the working tree is the "after" (+++). strata's revision annotation is
ignored. Secret data/stringData values are masked (a key changed, never its value). Exit 0 when the renders
are the same, 1 when they differ, 2 on an error (as diff(1)).

With --all: every app x environment under ROOT (default: the current directory), working tree against REV.
A pair whose inputs (strata.yaml, layers, templates, policy file) are the same at both is "unchanged"
without rendering; the others are "added", "removed", "changed" or "error" (a render that fails now).
Exit 2 when any pair is an error.

Options:
  -e, --env ENV              environment to render (required; with --all: only these, repeatable)
      --against ENV          compare with another environment of the same app
      --against-ref REV      compare with the app as it is at a git revision (read from git, no checkout)
      --all                  every app under ROOT (needs --against-ref)
  -f, --values FILE / --set K=V ...   applied to both sides
  -o, --output FORMAT        text or json; with --all also markdown (a pull-request comment)
      --color auto|always|never   colour the text diff (auto: when stdout is a terminal and NO_COLOR is unset)
      --show-secrets         print Secret values as they are (local use only: never in CI logs or comments)
      --repo-root DIR        repository root (default: nearest directory holding .git)
  -h, --help                 show this help
`;

function renderObjects(fs: ReadOnlyFs, appDir: string, env: string, overrides: Override[], limits?: Limits, caches = createCaches()): K8sObject[] {
  // No checks: they never change the objects, and policy errors must not hide the diff (a reviewer wants to
  // see the change that breaks policy; lint reports it).
  return render({ fs, appDir, env, overrides, caches, ...(limits ? { limits } : {}) }).objects.map((o) => o.object);
}

export function colorWanted(mode: string, env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (mode !== 'auto') throw new UsageError('--color must be one of auto, always, never');
  if (env.NO_COLOR) return false;
  return isTTY;
}

export const command: Command = {
  name: 'diff',
  errorExitCode: 2,
  summary: 'diff the rendered objects of two environments, or of the working tree and a git revision',
  help: HELP,
  async run(ctx) {
    const p = parse(ctx.argv, {
      ...APP_OPTIONS,
      ...LAYER_OPTIONS,
      env: { type: 'string', short: 'e', multiple: true },
      against: { type: 'string' },
      'against-ref': { type: 'string' },
      all: { type: 'boolean' },
      color: { type: 'string' },
      'show-secrets': { type: 'boolean' },
    });
    const showSecrets = p.values['show-secrets'] === true;
    const color = colorWanted(String(p.values.color ?? 'auto'), ctx.env, ctx.stdoutIsTTY === true);
    const envs = (p.values.env as string[] | undefined) ?? [];
    if (p.values.all) return diffAllCommand(ctx, p, envs, color, showSecrets);
    const format = outputFormat(p.values.output, ['text', 'json']);
    if (envs.length > 1) throw new UsageError('--env may be given once (or several times with --all)');
    const env = requireEnv({ ...p, values: { ...p.values, env: envs[0] } });
    const against = p.values.against as string | undefined;
    const ref = p.values['against-ref'] as string | undefined;
    if ((against === undefined) === (ref === undefined)) throw new UsageError('give exactly one of --against ENV and --against-ref REV');

    const target = openApp(ctx.cwd, p.positionals[0], p.values['repo-root'] as string | undefined, ctx.limits);
    const overrides = layerOverrides(p.layerFlags, ctx.cwd, ctx.limits);
    const after = renderObjects(target.fs, target.appDir, env, overrides, ctx.limits);
    let before: K8sObject[];
    if (against !== undefined) before = renderObjects(target.fs, target.appDir, against, overrides, ctx.limits);
    else {
      // An app that does not exist at the revision yet (a pull request adding it): everything is new.
      const old = gitFs(target.fs.root, ref!, ctx.limits);
      before = old.stat(joinPath(target.appDir, CONFIG_FILE)) === 'file' ? renderObjects(old, target.appDir, env, overrides, ctx.limits) : [];
    }
    const labels: [string, string] = against !== undefined ? [against, env] : [ref!, 'working-tree'];
    const diffs = diffObjects(before, after, { showSecrets });
    if (format === 'json') {
      ctx.stdout.write(JSON.stringify({ before: labels[0], after: labels[1], same: diffs.length === 0, diffs }, null, 2) + '\n');
    } else {
      ctx.stdout.write(formatDiff(diffs, { color, labels }));
    }
    return diffs.length ? 1 : 0;
  },
};

/** `--all --against-ref REV [ROOT]`: every app x environment under ROOT (src/diff/all.ts). */
function diffAllCommand(ctx: CommandContext, p: Parsed, envs: readonly string[], color: boolean, showSecrets: boolean): number {
  const format = outputFormat(p.values.output, ['text', 'json', 'markdown']);
  const ref = p.values['against-ref'] as string | undefined;
  if (p.values.against !== undefined) throw new UsageError('--all compares the working tree with a revision: use --against-ref REV, not --against');
  if (ref === undefined) throw new UsageError('--all needs --against-ref REV');
  const target = openApp(ctx.cwd, p.positionals[0], p.values['repo-root'] as string | undefined, ctx.limits);
  const sides = openSides(target.fs.root, ref, target.fs);
  const result = diffAll({
    sides,
    root: target.appDir,
    envs,
    overrides: layerOverrides(p.layerFlags, ctx.cwd),
    showSecrets,
    ...(ctx.store ? { store: ctx.store } : {}),
  });
  ctx.logger?.debug({ rendered: result.rendered, pairs: result.results.length }, 'diff --all');
  ctx.stdout.write(format === 'json' ? formatJson(result) : format === 'markdown' ? formatMarkdown(result) : formatText(result, { color }));
  return exitCodeOf(result.results);
}
