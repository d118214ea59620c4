import { loadAppConfig } from '../../core/config.js';
import { announce } from '../../argocd/parameters.js';
import { locateApp } from '../../argocd/generate.js';
import { defineCommand } from '../command.js';
import { PARAMETERS } from '../declarations.js';

export const command = defineCommand(PARAMETERS, async (ctx) => {
  const { fs, appDir } = locateApp(ctx.cwd, ctx.env);
  ctx.stdout.write(JSON.stringify(announce(loadAppConfig(fs, appDir), ctx.env)) + '\n');
  return 0;
});
