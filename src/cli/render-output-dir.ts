import { sopsDecrypt } from '../secrets/keys.js';
import { localPlatformChecks } from './platform-policy.js';
import { resolve } from 'node:path';
import { standardChecks } from '../checks/index.js';
import { loadApp, type App } from '../core/app.js';
import { discoverApps } from '../core/discover.js';
import {
  describeError,
  failureLines,
  formatFinding,
  rethrowUnlessUser,
  UsageError,
  UserError,
} from '../core/errors.js';
import { createCaches, render } from '../core/render.js';
import { toYamlStream } from '../core/serialize.js';
import { appsForEnv } from './batch.js';
import type { CommandContext } from './command.js';
import type { RenderArgs } from './declarations.js';
import { layerOverrides } from './options.js';
import { releaseFromFlags } from './release-flags.js';
import { writeOutputDir } from './output-dir.js';
import { openApp } from './target.js';

// `render --all --output-dir DIR [--check]`: the render side (every app x environment under ROOT, with the
// same checks as `render`); output-dir.ts owns the folder. Any failure fails the run before anything is
// written, so DIR never holds half of a change.

export function renderToOutputDir(ctx: CommandContext, args: RenderArgs, outputDir: string): number {
  const o = args.options;
  if (!o.all) throw new UsageError('--output-dir needs --all');
  if (o.output !== undefined) throw new UsageError('--output-dir writes YAML files; drop --output');
  const dir = resolve(ctx.cwd, outputDir);
  const check = o.check;
  const target = openApp(ctx.cwd, args.positionals[0], o.repoRoot);
  const caches = createCaches({ immutable: true, ...(ctx.store ? { store: ctx.store } : {}) });
  const env = o.env;

  const failures: string[] = [];
  let broken = 0;
  const pairs: { app: App; env: string }[] = [];
  if (env !== undefined) {
    const batch = appsForEnv(target.fs, target.appDir, env, caches.parsed);
    failures.push(...batch.broken.map((b) => b.error));
    broken = batch.broken.length;
    pairs.push(...batch.apps.map((app) => ({ app, env })));
  } else {
    for (const appDir of discoverApps(target.fs, target.appDir)) {
      try {
        const app = loadApp(target.fs, appDir, caches.parsed);
        for (const e of app.config.environments) pairs.push({ app, env: e });
      } catch (e) {
        rethrowUnlessUser(e);
        failures.push(describeError(e));
        broken++;
      }
    }
  }
  const overrides = layerOverrides(args.layers, ctx.cwd);
  const outputs: { appDir: string; env: string; text: string }[] = [];
  const platform = localPlatformChecks(ctx, o.namespace);
  const decrypt = sopsDecrypt(ctx.env);
  for (const pair of pairs) {
    const appDir = pair.app.config.dir;
    try {
      const result = render({
        app: pair.app,
        env: pair.env,
        overrides,
        ...(o.namespace ? { namespace: o.namespace } : {}),
        checks: [...platform, ...standardChecks()],
        decrypt,
        caches,
        log: (m: string) => ctx.stderr.write(`strata: template log: ${m}\n`),
        ...releaseFromFlags(o, appDir),
      });
      for (const f of result.findings) ctx.stderr.write(`strata: ${formatFinding(f)}\n`);
      outputs.push({ appDir, env: pair.env, text: toYamlStream(result.objects.map((o) => o.object)) });
    } catch (e) {
      rethrowUnlessUser(e);
      failures.push(`${appDir} (${pair.env}): ${describeError(e)}`);
    }
  }
  if (failures.length === 1) throw new UserError(`a render failed; nothing written: ${failures[0]}`);
  if (failures.length)
    throw new UserError(`${failures.length} of ${pairs.length + broken} renders failed; nothing written:`, undefined, {
      details: failureLines(failures),
    });
  const report = writeOutputDir({
    dir,
    check,
    root: target.appDir,
    ...(env !== undefined ? { envs: [env] } : {}),
    outputs,
  });
  if (check) {
    // Like `gofmt -l`: the files that differ, on stdout; exit 1 when there are any.
    if (report.outOfDate.length) ctx.stdout.write(report.outOfDate.map((f) => `${f}\n`).join(''));
    return report.outOfDate.length ? 1 : 0;
  }
  ctx.stderr.write(
    `strata: ${outputs.length} manifests in ${dir}: ${report.written.length} written, ${report.removed.length} stale removed\n`,
  );
  return 0;
}
