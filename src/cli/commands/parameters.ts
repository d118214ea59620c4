import { loadAppConfig } from '../../core/config.js';
import { announce } from '../../argocd/parameters.js';
import { locateApp } from '../../argocd/generate.js';
import type { Command } from '../command.js';
import { parse } from '../options.js';

const HELP = `Usage: strata parameters

What Argo CD runs for plugin.yaml parameters.dynamic: prints only a JSON array of parameter announcements
for the app in the working directory (env, valueFiles, values, set, setString). Needs only the reduced
environment Argo CD gives it (no revision, namespace or KUBE_*) and no init.
`;

export const command: Command = {
  name: 'parameters',
  summary: 'print the Argo CD parameter announcements for the app in the working directory',
  help: HELP,
  async run(ctx) {
    parse(ctx.argv, {}, 0); // no options: refuse any
    const { fs, appDir } = locateApp(ctx.cwd, ctx.env);
    ctx.stdout.write(JSON.stringify(announce(loadAppConfig(fs, appDir))) + '\n');
    return 0;
  },
};
