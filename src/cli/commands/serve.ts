import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { levelFrom } from '../../io/logger.js';
import { DEFAULT_RENDER_LIMITS } from '../../core/limits.js';
import { startSupervisedServer } from '../../server/supervisor.js';
import { defineCommand } from '../command.js';
import { SERVE } from '../declarations.js';

export const command = defineCommand(SERVE, async (ctx, { options: o, positionals }) => {
  const portText = o.port;
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`--port must be a number from 0 to 65535, not "${portText}"`);
  const host = o.host;
  // Renders run in a worker thread with a deadline and a heap cap (server/supervisor.ts): /healthz answers
  // while a slow render runs, and a runaway one is stopped without taking the server down.
  const server = await startSupervisedServer({
    root: resolve(ctx.cwd, positionals[0] ?? '.'),
    host,
    port,
    limits: ctx.limits ?? DEFAULT_RENDER_LIMITS,
    logStream: ctx.stderr,
    logLevel: ctx.env.STRATA_LOG_LEVEL ? levelFrom(ctx.env) : 'info',
  });
  // The URL goes to stderr: stdout stays reserved for command output.
  ctx.stderr.write(`strata serve: serving ${server.rootDir || '.'} of ${server.repoRoot} at ${server.url}\n`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
});
