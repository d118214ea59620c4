import { CONFIG_FILE, loadAppConfig, type AppConfig } from '../../core/config.js';
import { discoverApps } from '../../core/discover.js';
import { UserError } from '../../core/errors.js';
import { joinPath } from '../../core/fs.js';
import { defineCommand } from '../command.js';
import { ENVS } from '../declarations.js';
import { openApp } from '../target.js';

export const command = defineCommand(ENVS, async (ctx, { options: o, positionals }) => {
  const target = openApp(ctx.cwd, positionals[0], o.repoRoot, ctx.limits);
  const marked = (c: AppConfig): string =>
    c.environments.map((e) => (e === c.defaultEnvironment ? `${e} *` : e)).join(' ');
  if (target.fs.stat(joinPath(target.appDir, CONFIG_FILE)) !== 'file') {
    // Not an app: list the apps below it, each with its environments (the default marked with *).
    const apps = discoverApps(target.fs, target.appDir, (path, reason) =>
      ctx.stderr.write(`strata: warning: skipped ${path}: ${reason}\n`),
    );
    if (apps.length === 0) throw new UserError(`no app (${CONFIG_FILE}) under ${target.appDir || '.'}`);
    const configs = apps.map((app) => ({ app, config: loadAppConfig(target.fs, app) }));
    if (o.output === 'json') {
      ctx.stdout.write(
        JSON.stringify({
          apps: configs.map(({ app, config }) => ({
            dir: app,
            app: config.name,
            environments: config.environments,
            default: config.defaultEnvironment ?? null,
          })),
        }) + '\n',
      );
    } else {
      const width = Math.max(...apps.map((a) => a.length));
      ctx.stdout.write(configs.map(({ app, config }) => `${app.padEnd(width)}  ${marked(config)}`).join('\n') + '\n');
    }
    return 0;
  }
  const config = loadAppConfig(target.fs, target.appDir);
  if (o.output === 'json') {
    ctx.stdout.write(
      JSON.stringify({
        app: config.name,
        environments: config.environments,
        default: config.defaultEnvironment ?? null,
      }) + '\n',
    );
  } else {
    ctx.stdout.write(
      config.environments.map((e) => (e === config.defaultEnvironment ? `${e} *` : e)).join('\n') + '\n',
    );
  }
  return 0;
});
