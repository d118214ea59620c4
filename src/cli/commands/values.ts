import { explainValues, formatExplain } from '../../core/explain.js';
import { resolveValues } from '../../core/render.js';
import { toYamlText } from '../../core/serialize.js';
import type { Command } from '../command.js';
import { APP_OPTIONS, LAYER_OPTIONS, layerOverrides, outputFormat, parse } from '../options.js';
import { openApp } from '../target.js';

const HELP = `Usage: strata values [APP_DIR] --env ENV [options]

Print the merged values for an environment: the app's layers, then -f files and --set flags in order.

Options:
  -e, --env ENV              environment
  -f, --values FILE          extra values file (repeatable)
      --set / --set-string / --set-json / --set-file K=V   as for render
      --explain              every leaf with the file:line (or flag) that set it and what it overrode
  -o, --output yaml|json     output format (default yaml)
      --repo-root DIR        repository root (default: nearest directory holding .git)
  -h, --help                 show this help
`;

export const command: Command = {
  name: 'values',
  summary: 'print the merged values (with --explain: where each came from)',
  help: HELP,
  async run(ctx) {
    const p = parse(ctx.argv, { ...APP_OPTIONS, ...LAYER_OPTIONS, explain: { type: 'boolean' } });
    const format = outputFormat(p.values.output);
    const target = openApp(ctx.cwd, p.positionals[0], p.values['repo-root'] as string | undefined, ctx.limits);
    const { merged } = resolveValues({
      fs: target.fs,
      appDir: target.appDir,
      ...(p.values.env !== undefined ? { env: String(p.values.env) } : {}),
      overrides: layerOverrides(p.layerFlags, ctx.cwd, ctx.limits),
    });
    if (p.values.explain) {
      const rows = explainValues(merged);
      ctx.stdout.write(format === 'json' ? JSON.stringify(rows, null, 2) + '\n' : formatExplain(rows));
    } else {
      ctx.stdout.write(format === 'json' ? JSON.stringify(merged.values, null, 2) + '\n' : toYamlText(merged.values) + '\n');
    }
    return 0;
  },
};
