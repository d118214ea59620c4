import { setImmediate as yieldToLoop } from 'node:timers/promises';
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

export const TERMINATED_EXIT_CODE = 143; // 128 + SIGTERM, what a shell reports

export const command: Command = {
  name: 'generate',
  summary: 'render the app in the working directory for Argo CD (plugin generate command)',
  help: HELP,
  async run(ctx) {
    parse(ctx.argv, {}, 0); // no options: refuse any
    // Argo CD's timeout sends SIGTERM to the process group. The render is synchronous, so the handler runs
    // only when the event loop gets control: before rendering, right after it (the yield below), or while
    // the finished output drains into the pipe. In the first two cases we return without writing stdout;
    // in the last the exit code is already non-zero, and Argo CD never uses output of a failed command.
    let terminated = false;
    // In the warm renderer the client is what Argo CD signals: it dies at once and prints nothing.
    if (!ctx.embedded) {
      process.once('SIGTERM', () => {
        terminated = true;
        process.exitCode = TERMINATED_EXIT_CODE;
        ctx.stderr.write('strata: terminated (SIGTERM: Argo CD timeout?); no manifests written\n');
      });
    }
    await yieldToLoop();
    const delay = Number(ctx.env[TEST_DELAY_VAR] ?? 0);
    if (delay > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);
    if (terminated) return TERMINATED_EXIT_CODE;

    const { text, result, warnings } = generateManifests({
      env: ctx.env,
      cwd: ctx.cwd,
      checks: standardChecks(),
      log: (m) => ctx.stderr.write(`strata: template log: ${m}\n`),
      ...(ctx.logger ? { debug: (m: string, fields: Record<string, unknown>) => ctx.logger!.debug(fields, m) } : {}),
      ...(ctx.store ? { store: ctx.store } : {}),
    });
    for (const w of warnings) ctx.stderr.write(`strata: ${w}\n`);
    for (const f of result.findings) ctx.stderr.write(`strata: ${formatFinding(f)}\n`);
    await yieldToLoop(); // deliver a SIGTERM that arrived during the render before anything is printed
    if (terminated) return TERMINATED_EXIT_CODE;
    ctx.stdout.write(text);
    return 0;
  },
};
