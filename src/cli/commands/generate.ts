import { standardChecks } from '../../checks/index.js';
import { formatFinding } from '../../core/errors.js';
import { generateManifests } from '../../argocd/generate.js';
import type { Command } from '../command.js';
import { parse } from '../options.js';

const HELP = `Usage: strata generate

What Argo CD runs (plugin.yaml generate.command): renders the app in the working directory from Argo CD's
build environment (ARGOCD_APP_*, ARGOCD_ENV_*, ARGOCD_APP_PARAMETERS, KUBE_*) and prints manifests on
stdout. Any failure: non-zero exit, nothing on stdout, the reason on stderr. See docs/argocd.md.
To reproduce locally from an Application manifest: strata render --application FILE.
`;

/**
 * Test-only: a synchronous pause before rendering, standing in for a render too slow to finish before Argo
 * CD's deadline (the conformance harness sends SIGTERM during it). Never set it in a deployment.
 */
export const TEST_DELAY_VAR = 'STRATA_TEST_ONLY_GENERATE_DELAY_MS';

export const command: Command = {
  name: 'generate',
  summary: 'render the app in the working directory for Argo CD (plugin generate command)',
  help: HELP,
  async run(ctx) {
    parse(ctx.argv, {}, 0); // no options: refuse any
    // No SIGTERM handler, on purpose: the render is synchronous, so a JavaScript handler would run only after
    // it. The default action ends the process at once (Argo CD's timeout signals the process group, and the
    // warm renderer's client is what it signals); stdout is written only after the command returns, so a
    // terminated generate prints nothing. docs/security.md, "SIGTERM".
    const delay = Number(ctx.env[TEST_DELAY_VAR] ?? 0);
    if (delay > 0 && !ctx.embedded) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);

    const { text, result, warnings } = generateManifests({
      env: ctx.env,
      cwd: ctx.cwd,
      checks: standardChecks(),
      log: (m) => ctx.stderr.write(`strata: template log: ${m}\n`),
      ...(ctx.logger ? { debug: (m: string, fields: Record<string, unknown>) => ctx.logger!.debug(fields, m) } : {}),
      ...(ctx.store ? { store: ctx.store } : {}),
      ...(ctx.limits ? { limits: ctx.limits } : {}),
    });
    for (const w of warnings) ctx.stderr.write(`strata: ${w}\n`);
    for (const f of result.findings) ctx.stderr.write(`strata: ${formatFinding(f)}\n`);
    ctx.stdout.write(text);
    return 0;
  },
};
