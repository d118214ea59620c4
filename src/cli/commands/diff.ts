import { appLog } from '../app-log.js';
import { UsageError } from '../../core/errors.js';
import type { LayerDecrypt } from '../../core/layers.js';
import type { Limits } from '../../core/limits.js';
import { sopsDecrypt } from '../../secrets/keys.js';
import { CONFIG_FILE } from '../../core/config.js';
import { loadApp } from '../../core/app.js';
import { joinPath } from '../../core/fs.js';
import type { Override } from '../../core/layers.js';
import { createCaches, render, type AppSource, type RenderResult } from '../../core/render.js';
import type { K8sObject } from '../../core/types.js';
import { diffAll, exitCodeOf } from '../../diff/all.js';
import { diffObjects, formatDiff, type ObjectDiff } from '../../diff/diff.js';
import { diffAgainstManifests, readManifestStream } from '../../diff/manifests.js';
import { formatJson, formatMarkdown, formatMarkdownDiff, formatText } from '../../diff/report.js';
import { openSides } from '../../diff/rev-fs.js';
import { gitFs } from '../../io/git-fs.js';
import { defineCommand, type CommandContext } from '../command.js';
import { DIFF } from '../declarations.js';
import type { Parsed } from '../declare.js';
import { layerOverrides, outputFormat } from '../options.js';
import { readManifestsInput } from '../manifests-input.js';
import { openApp } from '../target.js';

function renderApp(
  source: AppSource,
  env: string,
  overrides: Override[],
  limits?: Limits,
  decrypt?: LayerDecrypt,
  caches = createCaches(),
): RenderResult {
  // No checks: they never change the objects, and policy errors must not hide the diff (a reviewer wants to
  // see the change that breaks policy; lint reports it).
  return render({
    ...source,
    env,
    overrides,
    caches,
    ...(limits ? { limits } : {}),
    ...(decrypt ? { decrypt } : {}),
  });
}

function renderObjects(
  source: AppSource,
  env: string,
  overrides: Override[],
  limits?: Limits,
  decrypt?: LayerDecrypt,
  caches = createCaches(),
): K8sObject[] {
  return renderApp(source, env, overrides, limits, decrypt, caches).objects.map((o) => o.object);
}

export function colorWanted(mode: string, env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (mode !== 'auto') throw new UsageError('--color must be one of auto, always, never');
  if (env.NO_COLOR) return false;
  return isTTY;
}

type DiffArgs = Parsed<(typeof DIFF)['options']>;

export const command = defineCommand(DIFF, async (ctx, args) => {
  const o = args.options;
  const color = colorWanted(o.color ?? 'auto', ctx.env, ctx.stdoutIsTTY === true);
  if (o.all) return diffAllCommand(ctx, args, color);
  const format = outputFormat(o.output, ['text', 'json', 'markdown']);
  if (o.env.length > 1) throw new UsageError('--env may be given once (or several times with --all)');
  const against = o.against;
  const ref = o.againstRef;
  const manifests = o.againstManifests;
  if ([against, ref, manifests].filter((x) => x !== undefined).length !== 1)
    throw new UsageError('give exactly one of --against ENV, --against-ref REV and --against-manifests FILE|-');
  if (o.compareAll && manifests === undefined) throw new UsageError('--compare-all goes with --against-manifests');

  const target = openApp(ctx.cwd, args.positionals[0], o.repoRoot, ctx.limits);
  const overrides = layerOverrides(args.layers, ctx.cwd, ctx.limits);
  // The working tree's app, loaded once for both sides of --against ENV.
  const app = loadApp(target.fs, target.appDir, undefined, appLog(ctx));
  const decrypt = sopsDecrypt(ctx.env);
  // Without --env, spec.defaultEnvironment, as render and values do (the same choice, by the same function).
  const env = app.environment(o.env[0]);
  if (o.env[0] === undefined)
    ctx.stderr.write(
      `strata: rendered environment "${env}" (spec.defaultEnvironment of ${app.config.file}); pass --env to choose\n`,
    );
  let before: K8sObject[];
  let after: K8sObject[];
  let labels: [string, string];
  let diffs: ObjectDiff[];
  if (manifests !== undefined) {
    // Read first: a missing file is reported before any render work.
    const input = await readManifestsInput(manifests, ctx.cwd, ctx.stdin, ctx.limits);
    before = readManifestStream(input.text, input.source);
    const result = renderApp({ app }, env, overrides, ctx.limits, decrypt);
    after = result.objects.map((x) => x.object);
    labels = [input.source, `strata/${env}`];
    const injected = {
      labels: result.config.labels,
      app: result.config.name,
      env,
      namespace: result.config.namespace ?? '',
    };
    diffs = diffAgainstManifests(before, after, { injected, compareAll: o.compareAll, showSecrets: o.showSecrets });
  } else {
    after = renderObjects({ app }, env, overrides, ctx.limits, decrypt);
    if (against !== undefined) before = renderObjects({ app }, against, overrides, ctx.limits, decrypt);
    else {
      // An app that does not exist at the revision yet (a pull request adding it): everything is new.
      const old = gitFs(target.fs.root, ref!, ctx.limits);
      before =
        old.stat(joinPath(target.appDir, CONFIG_FILE)) === 'file'
          ? renderObjects({ fs: old, appDir: target.appDir }, env, overrides, ctx.limits, decrypt)
          : [];
    }
    labels = against !== undefined ? [against, env] : [ref!, 'working-tree'];
    diffs = diffObjects(before, after, { showSecrets: o.showSecrets });
  }
  if (format === 'json') {
    ctx.stdout.write(
      JSON.stringify({ before: labels[0], after: labels[1], same: diffs.length === 0, diffs }, null, 2) + '\n',
    );
  } else if (format === 'markdown') {
    ctx.stdout.write(formatMarkdownDiff(diffs, labels));
  } else {
    ctx.stdout.write(formatDiff(diffs, { color, labels }));
  }
  return diffs.length ? 1 : 0;
});

/** `--all --against-ref REV [ROOT]`: every app x environment under ROOT (src/diff/all.ts). */
function diffAllCommand(ctx: CommandContext, args: DiffArgs, color: boolean): number {
  const o = args.options;
  const format = outputFormat(o.output, ['text', 'json', 'markdown']);
  const ref = o.againstRef;
  if (o.against !== undefined)
    throw new UsageError('--all compares the working tree with a revision: use --against-ref REV, not --against');
  if (ref === undefined) throw new UsageError('--all needs --against-ref REV');
  const target = openApp(ctx.cwd, args.positionals[0], o.repoRoot, ctx.limits);
  const sides = openSides(target.fs.root, ref, target.fs);
  const result = diffAll({
    sides,
    root: target.appDir,
    envs: o.env,
    overrides: layerOverrides(args.layers, ctx.cwd),
    showSecrets: o.showSecrets,
    decrypt: sopsDecrypt(ctx.env),
    ...(ctx.store ? { store: ctx.store } : {}),
  });
  ctx.logger?.debug({ rendered: result.rendered, pairs: result.results.length }, 'diff --all');
  ctx.stdout.write(
    format === 'json'
      ? formatJson(result)
      : format === 'markdown'
        ? formatMarkdown(result)
        : formatText(result, { color }),
  );
  return exitCodeOf(result.results);
}
