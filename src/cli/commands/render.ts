import { resolve } from 'node:path';
import { standardChecks } from '../../checks/index.js';
import { describeError, formatFinding, UsageError, UserError } from '../../core/errors.js';
import type { K8sObject } from '../../core/types.js';
import { createCaches, render } from '../../core/render.js';
import { renderApplication } from '../../argocd/application.js';
import { findRepoRoot } from '../../io/repo.js';
import type { Command, CommandContext } from '../command.js';
import { appsForEnv } from '../batch.js';
import { APP_OPTIONS, LAYER_OPTIONS, layerOverrides, outputFormat, parse, RELEASE_OPTIONS, requireEnv, type Parsed } from '../options.js';
import { openApp } from '../target.js';
import { formatObjects } from '../../core/serialize.js';
import { releaseFromFlags } from '../output.js';
import { renderToOutputDir } from '../render-output-dir.js';

const HELP = `Usage: strata render [APP_DIR] --env ENV [options]
       strata render --all --env ENV [ROOT] [options]
       strata render --application FILE [--name NAME] [--revision SHA] [--kube-version V]

Render an app's manifests for one environment and print them to stdout (nothing else ever goes there).

Options:
  -e, --env ENV              environment (one of the app's spec.environments)
  -f, --values FILE          extra values file, after the app's layers (repeatable)
      --set K=V              set a value, Helm syntax (repeatable; flags apply in command-line order)
      --set-string K=V       set a value as a string
      --set-json K=JSON      set a value from JSON
      --set-file K=PATH      set a value to a file's contents
  -o, --output yaml|json     output format (default yaml)
  -n, --namespace NS         namespace for namespaced objects without one (over spec.namespace)
      --repo-root DIR        repository root (default: nearest directory holding .git)
      --revision SHA         fill release.revision and the revision annotation, as Argo CD would
      --repo-url URL         fill release.repoURL and the source annotation
      --target-revision REF  fill release.targetRevision
      --kube-version V       capabilities.kubeVersion (e.g. 1.31.0)
      --api-versions LIST    capabilities.apiVersions, comma-separated
      --application FILE     render an Argo CD Application's plugin source exactly as the sidecar would
                             (same environment, parameters and code path as "strata generate")
      --name NAME            with --application: which Application, when the file holds several
      --controller-namespace NS  with --application: Argo CD's namespace (default argocd); Applications
                             elsewhere get release.name <namespace>_<name>
      --all                  render every app under ROOT that declares ENV, in one process; any
                             failure fails the whole run (all failures are listed, stdout stays empty)
      --output-dir DIR       with --all: write DIR/<env>/<app dir>/manifests.yaml instead (every env
                             when --env is absent), removing files an earlier run wrote that are stale
      --check                with --output-dir: write nothing; list out-of-date files, exit 1 if any
      --show-only PATH       print only the objects of this template (path relative to the app
                             directory, e.g. templates/deployment.yaml.hbs; repeatable)
      --debug                when a template's output is not valid YAML (or fails the raw-value
                             check), print its rendered text with line numbers to stderr
  -h, --help                 show this help
`;

export const command: Command = {
  name: 'render',
  summary: 'render an app for an environment',
  help: HELP,
  async run(ctx) {
    const p = parse(ctx.argv, { ...APP_OPTIONS, ...LAYER_OPTIONS, ...RELEASE_OPTIONS, ...RENDER_OPTIONS });
    if (p.values.application !== undefined) return renderFromApplication(ctx, p);
    if (p.values['output-dir'] !== undefined) return renderToOutputDir(ctx, p);
    if (p.values.check) throw new UsageError('--check needs --output-dir');
    const format = outputFormat(p.values.output);
    const target = openApp(ctx.cwd, p.positionals[0], p.values['repo-root'] as string | undefined, ctx.limits);
    const caches = createCaches({ immutable: true, ...(ctx.store ? { store: ctx.store } : {}) });
    const base = {
      fs: target.fs,
      ...(p.values.env !== undefined ? { env: String(p.values.env) } : {}),
      overrides: layerOverrides(p.layerFlags, ctx.cwd, ctx.limits),
      ...(p.values.namespace ? { namespace: String(p.values.namespace) } : {}),
      checks: standardChecks(),
      limits: ctx.limits,
      caches,
      log: (m: string) => ctx.stderr.write(`strata: template log: ${m}\n`),
      ...(p.values.debug ? { onBadOutput: (template: string, text: string) => ctx.stderr.write(numbered(template, text)) } : {}),
    };
    const showOnly = (p.values['show-only'] as string[] | undefined) ?? [];
    if (showOnly.length && p.values.all) throw new UsageError('--show-only takes one app; drop --all');
    const batch = p.values.all ? appsForEnv(target.fs, target.appDir, requireEnv(p), caches.parsed, (m) => ctx.stderr.write(`strata: warning: ${m}\n`)) : { apps: [target.appDir], broken: [] };
    const apps = batch.apps;
    const objects: K8sObject[] = [];
    const failures: string[] = batch.broken.map((b) => b.error);
    for (const appDir of apps) {
      try {
        const result = render({ ...base, appDir, ...releaseFromFlags(p.values, appDir) });
        if (p.values.env === undefined && !p.values.all) ctx.stderr.write(`strata: rendered environment "${result.env}" (spec.defaultEnvironment of ${result.config.file}); pass --env to choose\n`);
        for (const f of result.findings) ctx.stderr.write(`strata: ${formatFinding(f)}\n`);
        const keep = showOnly.length ? selectTemplates(showOnly, result.templates, appDir) : undefined;
        objects.push(...result.objects.filter((o) => !keep || keep.has(o.template)).map((o) => o.object));
      } catch (e) {
        if (!p.values.all || !(e instanceof UserError)) throw e;
        failures.push(describeError(e));
      }
    }
    if (failures.length) throw new UserError(`${failures.length} of ${apps.length + batch.broken.length} apps failed:\n  ${failures.join('\n  ')}`);
    ctx.stdout.write(formatObjects(objects, format));
    return 0;
  },
};

const RENDER_OPTIONS = {
  all: { type: 'boolean' },
  application: { type: 'string' },
  name: { type: 'string' },
  'controller-namespace': { type: 'string' },
  'output-dir': { type: 'string' },
  check: { type: 'boolean' },
  'show-only': { type: 'string', multiple: true },
  debug: { type: 'boolean' },
} as const;

/** `--show-only PATH`: app-relative (as Helm's) or repo-relative template paths; an unknown one is an error. */
export function selectTemplates(paths: readonly string[], templates: readonly string[], appDir: string): Set<string> {
  const keep = new Set<string>();
  for (const raw of paths) {
    const rel = raw.replace(/^\.\//, '');
    const hit = templates.find((t) => t === rel || t === (appDir ? `${appDir}/${rel}` : rel));
    if (!hit) {
      const rels = templates.map((t) => (appDir && t.startsWith(appDir + '/') ? t.slice(appDir.length + 1) : t));
      throw new UsageError(`--show-only: no template ${JSON.stringify(rel)} in this app (templates: ${rels.join(', ') || 'none'})`);
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
function renderFromApplication(ctx: CommandContext, p: Parsed): number {
  const clash = ['env', 'all', 'namespace', 'output'].filter((k) => p.values[k] !== undefined);
  if (clash.length || p.layerFlags.length || p.positionals.length) {
    throw new UsageError(`--application takes env, values and path from the Application; drop ${[...clash.map((c) => `--${c}`), ...(p.layerFlags.length ? ['-f/--set*'] : []), ...(p.positionals.length ? ['APP_DIR'] : [])].join(', ')}`);
  }
  const s = (k: string): string | undefined => (typeof p.values[k] === 'string' ? (p.values[k] as string) : undefined);
  const apiVersions = s('api-versions');
  const r = renderApplication({
    appFile: resolve(ctx.cwd, s('application')!),
    ...(s('name') ? { name: s('name')! } : {}),
    ...(s('controller-namespace') ? { controllerNamespace: s('controller-namespace')! } : {}),
    repoRoot: findRepoRoot(ctx.cwd, s('repo-root') ? resolve(ctx.cwd, s('repo-root')!) : undefined),
    ...(s('revision') ? { revision: s('revision')! } : {}),
    ...(s('kube-version') ? { kubeVersion: s('kube-version')! } : {}),
    ...(apiVersions ? { apiVersions: apiVersions.split(',').map((x) => x.trim()).filter(Boolean) } : {}),
    processEnv: ctx.env,
    log: (m) => ctx.stderr.write(`strata: template log: ${m}\n`),
    ...(ctx.store ? { store: ctx.store } : {}),
  });
  for (const w of r.warnings) ctx.stderr.write(`strata: ${w}\n`);
  for (const f of r.result.findings) ctx.stderr.write(`strata: ${formatFinding(f)}\n`);
  ctx.stdout.write(r.text);
  return 0;
}
