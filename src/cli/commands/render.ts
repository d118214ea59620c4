import { appLog } from '../app-log.js';
import { resolve } from 'node:path';
import { standardChecks } from '../../checks/index.js';
import {
  describeError,
  failureLines,
  formatFinding,
  rethrowUnlessUser,
  UsageError,
  UserError,
} from '../../core/errors.js';
import type { K8sObject } from '../../core/types.js';
import { loadApp } from '../../core/app.js';
import { sopsDecrypt } from '../../secrets/keys.js';
import { createCaches, render } from '../../core/render.js';
import { renderApplication } from '../../argocd/application.js';
import { findRepoRoot } from '../../io/repo.js';
import { defineCommand, type CommandContext } from '../command.js';
import { appsForEnv } from '../batch.js';
import { RENDER, type RenderArgs } from '../declarations.js';
import { layerOverrides, outputFormat, requireEnv } from '../options.js';
import { openApp } from '../target.js';
import { formatObjects } from '../../core/serialize.js';
import { parseApiVersions } from '../../core/capabilities.js';
import { releaseFromFlags } from '../release-flags.js';
import { renderToOutputDir } from '../render-output-dir.js';
import { localPlatformChecks } from '../platform-policy.js';

export const command = defineCommand(RENDER, async (ctx, args) => {
  const o = args.options;
  if (o.application !== undefined) return renderFromApplication(ctx, args, o.application);
  if (o.outputDir !== undefined) return renderToOutputDir(ctx, args, o.outputDir);
  if (o.check) throw new UsageError('--check needs --output-dir');
  const format = outputFormat(o.output);
  const target = openApp(ctx.cwd, args.positionals[0], o.repoRoot, ctx.limits);
  const caches = createCaches({ immutable: true, ...(ctx.store ? { store: ctx.store } : {}) });
  const base = {
    ...(o.env !== undefined ? { env: o.env } : {}),
    overrides: layerOverrides(args.layers, ctx.cwd, ctx.limits),
    ...(o.namespace ? { namespace: o.namespace } : {}),
    // The platform policy first: the repository's policy check drops what it reported (src/policy/platform-check.ts).
    checks: [...localPlatformChecks(ctx, o.namespace), ...standardChecks()],
    limits: ctx.limits,
    caches,
    decrypt: sopsDecrypt(ctx.env),
    log: (m: string) => ctx.stderr.write(`strata: template log: ${m}\n`),
    ...(o.debug ? { onBadOutput: (template: string, text: string) => ctx.stderr.write(numbered(template, text)) } : {}),
  };
  const showOnly = o.showOnly;
  if (showOnly.length && o.all) throw new UsageError('--show-only takes one app; drop --all');
  const batch = o.all
    ? appsForEnv(target.fs, target.appDir, requireEnv(o.env), caches.parsed, (m) =>
        ctx.stderr.write(`strata: warning: ${m}\n`),
      )
    : { apps: [loadApp(target.fs, target.appDir, caches.parsed, appLog(ctx))], broken: [] };
  const apps = batch.apps;
  const objects: K8sObject[] = [];
  const failures: string[] = batch.broken.map((b) => b.error);
  for (const app of apps) {
    const appDir = app.config.dir;
    try {
      const result = render({ ...base, app, ...releaseFromFlags(o, appDir) });
      if (o.env === undefined && !o.all)
        ctx.stderr.write(
          `strata: rendered environment "${result.env}" (spec.defaultEnvironment of ${result.config.file}); pass --env to choose\n`,
        );
      for (const f of result.findings) ctx.stderr.write(`strata: ${formatFinding(f)}\n`);
      const keep = showOnly.length ? selectTemplates(showOnly, result.templates, appDir) : undefined;
      if (keep) {
        // As `helm template --show-only` does for a template that printed nothing: an error, not empty output
        // that reads as success (helm/helm pkg/cmd/template.go, "could not find template").
        const empty = [...keep].filter((t) => !result.objects.some((x) => x.template === t));
        if (empty.length)
          throw new UserError(
            `--show-only: ${empty.map((t) => (appDir && t.startsWith(appDir + '/') ? t.slice(appDir.length + 1) : t)).join(', ')} rendered no objects for environment ${result.env}`,
          );
      }
      objects.push(...result.objects.filter((x) => !keep || keep.has(x.template)).map((x) => x.object));
    } catch (e) {
      if (!o.all) throw e;
      rethrowUnlessUser(e);
      failures.push(describeError(e));
    }
  }
  if (failures.length)
    throw new UserError(`${failures.length} of ${apps.length + batch.broken.length} apps failed:`, undefined, {
      details: failureLines(failures),
    });
  ctx.stdout.write(formatObjects(objects, format));
  return 0;
});

/** `--show-only PATH`: app-relative (as Helm's) or repo-relative template paths; an unknown one is an error. */
export function selectTemplates(paths: readonly string[], templates: readonly string[], appDir: string): Set<string> {
  const keep = new Set<string>();
  for (const raw of paths) {
    const rel = raw.replace(/^\.\//, '');
    const hit = templates.find((t) => t === rel || t === (appDir ? `${appDir}/${rel}` : rel));
    if (!hit) {
      const rels = templates.map((t) => (appDir && t.startsWith(appDir + '/') ? t.slice(appDir.length + 1) : t));
      // Helm's spelling (`templates/x.yaml`) names strata's `templates/x.yaml.hbs`; otherwise every template.
      const hint = rels.includes(`${rel}.hbs`)
        ? ` (did you mean ${JSON.stringify(`${rel}.hbs`)}?)`
        : ` (templates: ${rels.join(', ') || 'none'})`;
      throw new UsageError(`--show-only: no template ${JSON.stringify(rel)} in this app${hint}`);
    }
    keep.add(hit);
  }
  return keep;
}

/** `--debug`: a template's rendered text with line numbers, the way `helm template --debug` shows it. */
export function numbered(template: string, text: string): string {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const width = String(lines.length).length;
  return `strata: --debug: rendered output of ${template}:\n${lines.map((l, i) => `${String(i + 1).padStart(width)} | ${l}`).join('\n')}\n`;
}

/** `--application FILE`: the Application decides env, parameters and path, so the flags that would too are refused. */
function renderFromApplication(ctx: CommandContext, args: RenderArgs, application: string): number {
  const o = args.options;
  const clash = [
    o.env !== undefined && 'env',
    o.all && 'all',
    o.namespace !== undefined && 'namespace',
    o.output !== undefined && 'output',
  ].filter((c): c is string => typeof c === 'string');
  if (clash.length || args.layers.length || args.positionals.length) {
    throw new UsageError(
      `--application takes env, values and path from the Application; drop ${[...clash.map((c) => `--${c}`), ...(args.layers.length ? ['-f/--set*'] : []), ...(args.positionals.length ? ['APP_DIR'] : [])].join(', ')}`,
    );
  }
  const r = renderApplication({
    appFile: resolve(ctx.cwd, application),
    ...(o.name ? { name: o.name } : {}),
    ...(o.controllerNamespace ? { controllerNamespace: o.controllerNamespace } : {}),
    repoRoot: findRepoRoot(ctx.cwd, o.repoRoot ? resolve(ctx.cwd, o.repoRoot) : undefined),
    ...(o.revision ? { revision: o.revision } : {}),
    ...(o.kubeVersion ? { kubeVersion: o.kubeVersion } : {}),
    ...(o.apiVersions ? { apiVersions: parseApiVersions(o.apiVersions) } : {}),
    processEnv: ctx.env,
    log: (m) => ctx.stderr.write(`strata: template log: ${m}\n`),
    ...(ctx.store ? { store: ctx.store } : {}),
  });
  for (const w of r.warnings) ctx.stderr.write(`strata: ${w}\n`);
  for (const f of r.result.findings) ctx.stderr.write(`strata: ${formatFinding(f)}\n`);
  ctx.stdout.write(r.text);
  return 0;
}
