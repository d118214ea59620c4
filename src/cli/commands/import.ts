import { UsageError, UserError } from '../../core/errors.js';
import { importHelm } from '../../import/helm.js';
import { writeAppDir } from '../../import/write.js';
import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { IMPORT } from '../declarations.js';

// `strata import helm CHART_DIR --out DIR`: see src/import/ and src/core/go-template/. stdout stays empty (nothing to pipe); the summary
// and every place left untranslated go to stderr, one line each, and into DIR/IMPORT.md.

export const command = defineCommand(IMPORT, async (ctx, { options: o, positionals }) => {
  const [kind, chart] = positionals;
  if (kind !== 'helm')
    throw new UsageError('import: the only source is "helm": strata import helm CHART_DIR --out DIR');
  if (!chart) throw new UsageError('import helm: give the chart directory');
  if (!o.out) throw new UsageError('import helm: --out DIR is required');
  const envs = o.env.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 1 || eq === pair.length - 1) throw new UsageError('--env: expected NAME=FILE');
    return { name: pair.slice(0, eq), file: resolve(ctx.cwd, pair.slice(eq + 1)) };
  });
  const result = importHelm({
    chartDir: resolve(ctx.cwd, chart),
    envs,
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    ...(o.kubeVersion !== undefined ? { kubeVersion: o.kubeVersion } : {}),
  });
  try {
    writeAppDir(resolve(ctx.cwd, o.out), result.files, o.force);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`--out: cannot write the app (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  for (const p of result.places)
    ctx.stderr.write(`strata import: ${p.file}:${p.line}: ${p.construct}: ${p.reason} (left as a failing template)\n`);
  ctx.stderr.write(
    `strata import: ${result.chartName}: ${result.templates} templates imported into ${o.out}; ${result.places.length} place(s) left, ${result.reviews.length} to review (IMPORT.md)\n`,
  );
  return 0;
});
