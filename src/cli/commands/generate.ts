import { standardChecks } from '../../checks/index.js';
import { formatFinding } from '../../core/errors.js';
import { generateManifests } from '../../argocd/generate.js';
import { defineCommand } from '../command.js';
import { GENERATE } from '../declarations.js';

/**
 * Test-only: a synchronous pause before rendering, standing in for a render too slow to finish before Argo
 * CD's deadline (the conformance harness sends SIGTERM during it). Never set it in a deployment.
 */
export const TEST_DELAY_VAR = 'STRATA_TEST_ONLY_GENERATE_DELAY_MS';

export const command = defineCommand(GENERATE, async (ctx) => {
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
    ...(ctx.caches ? { caches: ctx.caches } : {}),
    ...(ctx.limits ? { limits: ctx.limits } : {}),
  });
  for (const w of warnings) ctx.stderr.write(`strata: ${w}\n`);
  for (const f of result.findings) ctx.stderr.write(`strata: ${formatFinding(f)}\n`);
  ctx.stdout.write(text);
  return 0;
});
