import { explainValues, formatExplain } from '../../core/explain.js';
import { resolveValues } from '../../core/render.js';
import { toYamlText } from '../../core/serialize.js';
import { defineCommand } from '../command.js';
import { VALUES } from '../declarations.js';
import { layerOverrides, outputFormat } from '../options.js';
import { openApp } from '../target.js';

export const command = defineCommand(VALUES, async (ctx, { options: o, positionals, layers }) => {
  const format = outputFormat(o.output);
  const target = openApp(ctx.cwd, positionals[0], o.repoRoot, ctx.limits);
  const { merged } = resolveValues({
    fs: target.fs,
    appDir: target.appDir,
    ...(o.env !== undefined ? { env: o.env } : {}),
    overrides: layerOverrides(layers, ctx.cwd, ctx.limits),
  });
  if (o.explain) {
    const rows = explainValues(merged);
    ctx.stdout.write(format === 'json' ? JSON.stringify(rows, null, 2) + '\n' : formatExplain(rows));
  } else {
    ctx.stdout.write(format === 'json' ? JSON.stringify(merged.values, null, 2) + '\n' : toYamlText(merged.values) + '\n');
  }
  return 0;
});
