import { appLog } from '../app-log.js';
import { sopsDecrypt } from '../../secrets/keys.js';
import { loadApp } from '../../core/app.js';
import { compareStrings } from '../../core/compare.js';
import { resolve } from 'node:path';
import { applicationInputFindings } from '../../argocd/application-inputs.js';
import { describeError, formatFinding, rethrowUnlessUser, UsageError } from '../../core/errors.js';
import { findRepoRoot } from '../../io/repo.js';
import { createCaches } from '../../core/render.js';
import type { Finding } from '../../core/types.js';
import { lintApp } from '../../checks/lint.js';
import { defineCommand, type CommandContext } from '../command.js';
import { appsForEnv } from '../batch.js';
import { LINT } from '../declarations.js';
import { layerOverrides, outputFormat, requireEnv } from '../options.js';
import { openApp } from '../target.js';
import { localPlatformChecks } from '../platform-policy.js';

/** `lint --application FILE`: does the manifest-generate-paths annotation cover every input of the app? */
function lintApplication(
  ctx: CommandContext,
  application: string,
  format: string,
  repoRoot: string | undefined,
): number {
  const r = applicationInputFindings({
    appFile: resolve(ctx.cwd, application),
    repoRoot: findRepoRoot(ctx.cwd, repoRoot ? resolve(ctx.cwd, repoRoot) : undefined),
    processEnv: ctx.env,
  });
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  if (format === 'json')
    ctx.stdout.write(
      JSON.stringify(
        {
          application: r.sourcePath,
          root: r.root,
          inputs: r.inputs,
          errors,
          warnings: r.findings.length - errors,
          findings: r.findings,
        },
        null,
        2,
      ) + '\n',
    );
  else
    ctx.stdout.write(
      [
        ...r.findings.map(formatFinding),
        `${errors} error${errors === 1 ? '' : 's'}, ${r.findings.length - errors} warning${r.findings.length - errors === 1 ? '' : 's'} in ${r.inputs.length} inputs of ${r.sourcePath} (sent root: ${r.root || '/'})`,
      ].join('\n') + '\n',
    );
  return errors > 0 ? 1 : 0;
}

interface AppResult {
  app: string;
  findings: Finding[];
  /** Set when the app could not be rendered at all. */
  error?: string;
}

export const command = defineCommand(LINT, async (ctx, { options: o, positionals, layers }) => {
  const format = outputFormat(o.output, ['text', 'json']);
  // `--application FILE` (declared in cli/declarations.ts LINT): the Argo CD annotation check.
  const application = (o as { application?: unknown }).application;
  if (typeof application === 'string') {
    if (positionals.length || layers.length || o.all || o.env !== undefined)
      throw new UsageError(
        '--application takes env, values and path from the Application; drop --env, --all, -f/--set* and APP_DIR',
      );
    return lintApplication(ctx, application, format, o.repoRoot);
  }
  const platform = localPlatformChecks(ctx);
  const target = openApp(ctx.cwd, positionals[0], o.repoRoot, ctx.limits);
  const overrides = layerOverrides(layers, ctx.cwd, ctx.limits);
  const caches = createCaches({ immutable: true, ...(ctx.store ? { store: ctx.store } : {}) });
  const decrypt = sopsDecrypt(ctx.env);
  const debug = ctx.logger?.enabled('debug') ? (m: string) => ctx.logger!.debug({}, m) : undefined;

  // One app without --env: spec.defaultEnvironment, chosen as render and values choose it (App.environment).
  const single = o.all ? undefined : loadApp(target.fs, target.appDir, caches.parsed, appLog(ctx));
  const env = single ? single.environment(o.env) : requireEnv(o.env);
  if (single && o.env === undefined)
    ctx.stderr.write(
      `strata: linted environment "${env}" (spec.defaultEnvironment of ${single.config.file}); pass --env to choose\n`,
    );
  const batch = single
    ? { apps: [single], broken: [], skipped: [] }
    : appsForEnv(target.fs, target.appDir, env, caches.parsed, (m) => ctx.stderr.write(`strata: warning: ${m}\n`));
  const apps = [
    ...batch.apps.map((loaded) => ({ dir: loaded.config.dir, loaded })),
    ...batch.broken.map((b) => ({ dir: b.app, error: b.error })),
  ].sort((a, b) => compareStrings(a.dir, b.dir));

  const results: AppResult[] = apps.map((entry) => {
    // The repository root's app is `.`, as everywhere else a path is printed (an empty name reads as missing).
    const app = entry.dir || '.';
    if (!('loaded' in entry)) return { app, findings: [], error: entry.error };
    try {
      return {
        app,
        findings: lintApp({
          app: entry.loaded,
          env,
          overrides,
          caches,
          platform,
          decrypt,
          ...(debug ? { debug } : {}),
        }),
      };
    } catch (e) {
      if (!o.all) throw e;
      rethrowUnlessUser(e);
      return { app, findings: [], error: describeError(e) };
    }
  });

  const all = results.flatMap((r) => r.findings);
  const errors = all.filter((f) => f.severity === 'error').length + results.filter((r) => r.error).length;
  const warnings = all.length - all.filter((f) => f.severity === 'error').length;
  if (format === 'json') {
    ctx.stdout.write(JSON.stringify({ env, errors, warnings, apps: results, skipped: batch.skipped }, null, 2) + '\n');
  } else {
    const lines: string[] = [];
    for (const r of results) {
      const prefix = o.all ? `${r.app}: ` : '';
      if (r.error) lines.push(`${prefix}error render: ${r.error}`);
      for (const f of r.findings) lines.push(prefix + formatFinding(f));
    }
    const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
    const skipped = batch.skipped.length
      ? `; skipped ${n(batch.skipped.length, 'app')} without env ${env}: ${batch.skipped.join(', ')}`
      : '';
    lines.push(`${n(errors, 'error')}, ${n(warnings, 'warning')} in ${n(apps.length, 'app')} (env ${env})${skipped}`);
    ctx.stdout.write(lines.join('\n') + '\n');
  }
  return errors > 0 ? 1 : 0;
});
