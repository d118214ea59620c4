import { explainValues, formatExplain } from '../../core/explain.js';
import { resolveValues } from '../../core/render.js';
import { toYamlText } from '../../core/serialize.js';
import { sopsDecrypt } from '../../secrets/keys.js';
import { maskedExplain, maskedValues } from '../../core/secret-values.js';
import { defineCommand } from '../command.js';
import { VALUES } from '../declarations.js';
import { layerOverrides, outputFormat } from '../options.js';
import { openApp } from '../target.js';

export const command = defineCommand(VALUES, async (ctx, { options: o, positionals, layers }) => {
  const format = outputFormat(o.output);
  const target = openApp(ctx.cwd, positionals[0], o.repoRoot, ctx.limits);
  const { merged, config } = resolveValues({
    fs: target.fs,
    appDir: target.appDir,
    ...(o.env !== undefined ? { env: o.env } : {}),
    overrides: layerOverrides(layers, ctx.cwd, ctx.limits),
    decrypt: sopsDecrypt(ctx.env),
  });
  // Values decrypted from SOPS layers are masked unless asked for (docs/secrets.md).
  const show = o.showSecrets === true;
  if (o.explain) {
    // The app's list rules name appends and merges by key (not only replacements) in the explanation.
    const explained = explainValues(merged, config.listRules);
    const rows = show ? explained : maskedExplain(explained);
    ctx.stdout.write(format === 'json' ? JSON.stringify(rows, null, 2) + '\n' : formatExplain(rows));
  } else {
    const values = show ? merged.values : maskedValues(merged);
    ctx.stdout.write(format === 'json' ? JSON.stringify(values, null, 2) + '\n' : toYamlText(values) + '\n');
  }
  return 0;
});
