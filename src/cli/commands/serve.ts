import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { levelFrom } from '../../io/logger.js';
import { DEFAULT_RENDER_LIMITS } from '../../core/limits.js';
import { startSupervisedServer } from '../../server/supervisor.js';
import type { Command } from '../command.js';
import { parse } from '../options.js';

const HELP = `Usage: strata serve [ROOT] [--port 7420] [--host 127.0.0.1]

Serve a local preview of the apps under ROOT (default: the working directory): a web page and a JSON API
for rendered manifests, merged values with provenance, policy findings and diffs between environments.
Read-only: it renders from the files under ROOT's repository and never writes. Runs until interrupted.

Options:
  -p, --port N       port to listen on (default 7420; 0 picks a free one)
      --host ADDR    address to bind (default 127.0.0.1, loopback only; anything else exposes your files)
  -h, --help         show this help

Request logs go to stderr as JSON lines (STRATA_LOG_LEVEL, default info for serve). See docs/serve.md.
`;

export const command: Command = {
  name: 'serve',
  summary: 'preview apps in a browser: manifests, values provenance, findings, diffs',
  help: HELP,
  async run(ctx) {
    const p = parse(ctx.argv, { port: { type: 'string', short: 'p' }, host: { type: 'string' } });
    const portText = (p.values.port as string | undefined) ?? '7420';
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${portText}"`);
    const host = (p.values.host as string | undefined) ?? '127.0.0.1';
    // Renders run in a worker thread with a deadline and a heap cap (server/supervisor.ts): /healthz answers
    // while a slow render runs, and a runaway one is stopped without taking the server down.
    const server = await startSupervisedServer({
      root: resolve(ctx.cwd, p.positionals[0] ?? '.'),
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
  },
};
