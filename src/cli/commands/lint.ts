import { describeError, formatFinding, UserError } from '../../core/errors.js';
import { createCaches } from '../../core/render.js';
import type { Finding } from '../../core/types.js';
import { lintApp } from '../../checks/lint.js';
import type { Command } from '../command.js';
import { appsForEnv } from '../batch.js';
import { APP_OPTIONS, LAYER_OPTIONS, layerOverrides, outputFormat, parse, requireEnv } from '../options.js';
import { openApp } from '../target.js';

const HELP = `Usage: strata lint [APP_DIR] --env ENV [options]
       strata lint --all --env ENV [ROOT] [options]

Render an app for an environment and print every finding of the values schema, the Kubernetes schemas and
the environment's policy (docs/policy.md, docs/validation.md). Exit 1 when any finding is an error.

Options:
  -e, --env ENV              environment (required)
  -f, --values FILE          extra values file (repeatable)
      --set / --set-string / --set-json / --set-file K=V   as for render
  -o, --output text|json     output format (default text)
      --all                  lint every app under ROOT that declares ENV (apps without it are skipped)
      --repo-root DIR        repository root (default: nearest directory holding .git)
  -h, --help                 show this help
`;

interface AppResult {
  app: string;
  findings: Finding[];
  /** Set when the app could not be rendered at all. */
  error?: string;
}

export const command: Command = {
  name: 'lint',
  summary: 'print validation and policy findings; exit 1 on any error',
  help: HELP,
  async run(ctx) {
    const p = parse(ctx.argv, { ...APP_OPTIONS, ...LAYER_OPTIONS, all: { type: 'boolean' } });
    const format = outputFormat(p.values.output, ['text', 'json']);
    const env = requireEnv(p);
    const target = openApp(ctx.cwd, p.positionals[0], p.values['repo-root'] as string | undefined, ctx.limits);
    const overrides = layerOverrides(p.layerFlags, ctx.cwd, ctx.limits);
    const caches = createCaches({ immutable: true, ...(ctx.store ? { store: ctx.store } : {}) });
    const debug = ctx.logger?.enabled('debug') ? (m: string) => ctx.logger!.debug({}, m) : undefined;

    const batch = p.values.all ? appsForEnv(target.fs, target.appDir, env, caches.parsed, (m) => ctx.stderr.write(`strata: warning: ${m}\n`)) : { apps: [target.appDir], broken: [] };
    const apps = [...batch.apps, ...batch.broken.map((b) => b.app)].sort();

    const results: AppResult[] = apps.map((app) => {
      const broken = batch.broken.find((b) => b.app === app);
      if (broken) return { app, findings: [], error: broken.error };
      try {
        return { app, findings: lintApp({ fs: target.fs, appDir: app, env, overrides, caches, ...(debug ? { debug } : {}) }) };
      } catch (e) {
        if (!p.values.all || !(e instanceof UserError)) throw e;
        return { app, findings: [], error: describeError(e) };
      }
    });

    const all = results.flatMap((r) => r.findings);
    const errors = all.filter((f) => f.severity === 'error').length + results.filter((r) => r.error).length;
    const warnings = all.length - all.filter((f) => f.severity === 'error').length;
    if (format === 'json') {
      ctx.stdout.write(JSON.stringify({ env, errors, warnings, apps: results }, null, 2) + '\n');
    } else {
      const lines: string[] = [];
      for (const r of results) {
        const prefix = p.values.all ? `${r.app}: ` : '';
        if (r.error) lines.push(`${prefix}error render: ${r.error}`);
        for (const f of r.findings) lines.push(prefix + formatFinding(f));
      }
      const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
      lines.push(`${n(errors, 'error')}, ${n(warnings, 'warning')} in ${n(apps.length, 'app')} (env ${env})`);
      ctx.stdout.write(lines.join('\n') + '\n');
    }
    return errors > 0 ? 1 : 0;
  },
};
