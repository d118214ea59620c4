import { loadAppConfig } from '../../core/config.js';
import { defineCommand } from '../command.js';
import { ENVS } from '../declarations.js';
import { openApp } from '../target.js';

export const command = defineCommand(ENVS, async (ctx, { options: o, positionals }) => {
  const target = openApp(ctx.cwd, positionals[0], o.repoRoot, ctx.limits);
  const config = loadAppConfig(target.fs, target.appDir);
  if (o.output === 'json') {
    ctx.stdout.write(JSON.stringify({ app: config.name, environments: config.environments, default: config.defaultEnvironment ?? null }) + '\n');
  } else {
    ctx.stdout.write(config.environments.map((e) => (e === config.defaultEnvironment ? `${e} *` : e)).join('\n') + '\n');
  }
  return 0;
});
