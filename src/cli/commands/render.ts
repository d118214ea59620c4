import { standardChecks } from '../../checks/index.js';
import { formatFinding } from '../../core/errors.js';
import { createCaches, render } from '../../core/render.js';
import type { Command } from '../command.js';
import { APP_OPTIONS, LAYER_OPTIONS, layerOverrides, outputFormat, parse, RELEASE_OPTIONS } from '../options.js';
import { openApp } from '../target.js';
import { formatObjects, releaseFromFlags } from '../output.js';

const HELP = `Usage: strata render [APP_DIR] --env ENV [options]

Render an app's manifests for one environment and print them to stdout (nothing else ever goes there).

Options:
  -e, --env ENV              environment (one of the app's spec.environments)
  -f, --values FILE          extra values file, after the app's layers (repeatable)
      --set K=V              set a value, Helm syntax (repeatable; flags apply in command-line order)
      --set-string K=V       set a value as a string
      --set-json K=JSON      set a value from JSON
      --set-file K=PATH      set a value to a file's contents
  -o, --output yaml|json     output format (default yaml)
  -n, --namespace NS         namespace for namespaced objects without one (over spec.namespace)
      --repo-root DIR        repository root (default: nearest directory holding .git)
      --revision SHA         fill release.revision and the revision annotation, as Argo CD would
      --repo-url URL         fill release.repoURL and the source annotation
      --target-revision REF  fill release.targetRevision
      --kube-version V       capabilities.kubeVersion (e.g. 1.31.0)
      --api-versions LIST    capabilities.apiVersions, comma-separated
  -h, --help                 show this help
`;

export const command: Command = {
  name: 'render',
  summary: 'render an app for an environment',
  help: HELP,
  async run(ctx) {
    const p = parse(ctx.argv, { ...APP_OPTIONS, ...LAYER_OPTIONS, ...RELEASE_OPTIONS });
    if (p.values.help) {
      ctx.stdout.write(HELP);
      return 0;
    }
    const format = outputFormat(p.values.output);
    const target = openApp(ctx.cwd, p.positionals[0], p.values['repo-root'] as string | undefined);
    const { release, capabilities } = releaseFromFlags(p.values, target.appDir);
    const result = render({
      fs: target.fs,
      appDir: target.appDir,
      ...(p.values.env !== undefined ? { env: String(p.values.env) } : {}),
      overrides: layerOverrides(p.layerFlags, ctx.cwd),
      release,
      capabilities,
      ...(p.values.namespace ? { namespace: String(p.values.namespace) } : {}),
      checks: standardChecks(),
      caches: createCaches(),
      log: (m) => ctx.stderr.write(`strata: template log: ${m}\n`),
    });
    for (const f of result.findings) ctx.stderr.write(`strata: ${formatFinding(f)}\n`);
    ctx.stdout.write(formatObjects(result.objects.map((o) => o.object), format));
    return 0;
  },
};

