import { loadAppConfig } from '../../core/config.js';
import type { Command } from '../command.js';
import { parse } from '../options.js';
import { openApp } from '../target.js';

const HELP = `Usage: strata envs [APP_DIR] [--repo-root DIR] [-o text|json]

List the environments an app declares (spec.environments), the default one marked with *.
`;

export const command: Command = {
  name: 'envs',
  summary: "list an app's environments",
  help: HELP,
  async run(ctx) {
    const p = parse(ctx.argv, { 'repo-root': { type: 'string' }, output: { type: 'string', short: 'o' } });
    const target = openApp(ctx.cwd, p.positionals[0], p.values['repo-root'] as string | undefined, ctx.limits);
    const config = loadAppConfig(target.fs, target.appDir);
    if (p.values.output === 'json') {
      ctx.stdout.write(JSON.stringify({ app: config.name, environments: config.environments, default: config.defaultEnvironment ?? null }) + '\n');
    } else {
      ctx.stdout.write(config.environments.map((e) => (e === config.defaultEnvironment ? `${e} *` : e)).join('\n') + '\n');
    }
    return 0;
  },
};
