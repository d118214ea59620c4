import type { Check } from '../core/render.js';
import { platformPolicyFromEnv } from '../policy/platform-file.js';
import { platformCheck } from '../policy/platform-check.js';
import { platformFor } from '../policy/platform.js';
import type { CommandContext } from './command.js';

/**
 * The platform policy's check for a local `render` or `lint` (docs/policy.md "Platform policy"), when
 * STRATA_PLATFORM_POLICY names one: the section of ARGOCD_APP_PROJECT_NAME (so a CI job can lint as a project's
 * Applications render), and `namespace` (`--namespace`) or else the app's own namespace standing in for the
 * destination. Empty when the variable is absent; a bad file fails the command.
 */
export function localPlatformChecks(ctx: CommandContext, namespace?: string): Check[] {
  const policy = platformPolicyFromEnv(ctx.env, ctx.limits?.fileBytes);
  if (!policy) return [];
  return [
    platformCheck(
      platformFor(policy, ctx.env.ARGOCD_APP_PROJECT_NAME || undefined),
      namespace ? { destination: namespace } : {},
    ),
  ];
}
