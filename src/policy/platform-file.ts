import { isAbsolute } from 'node:path';
import { UserError } from '../core/errors.js';
import { DEFAULT_RENDER_LIMITS } from '../core/limits.js';
import { parsePlatformPolicy, PLATFORM_POLICY_VAR, type PlatformPolicy } from './platform.js';
import { BoundedReadError, readBounded } from '../io/bounded-read.js';

// Reading the platform policy the operator names (docs/policy.md "Platform policy"). It lives outside the
// repository (a ConfigMap mounted into the sidecar), so it is read with a plain bounded read, not through the
// repository's confined file system. Every failure is fatal: a render told to apply a policy never goes on
// without it (a missing mount, a typo in the path, a file cut short by a ConfigMap update).

/**
 * The platform policy named by `STRATA_PLATFORM_POLICY` in `env` (the sidecar's own environment: Argo CD
 * passes an Application's plugin env only as ARGOCD_ENV_*, so no Application can set or unset it), parsed;
 * undefined when the variable is absent.
 */
export function platformPolicyFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  maxBytes: number = DEFAULT_RENDER_LIMITS.fileBytes,
): PlatformPolicy | undefined {
  const path = env[PLATFORM_POLICY_VAR];
  return path === undefined ? undefined : readPlatformPolicy(path, maxBytes);
}

/** Read and parse the platform file at `path` (absolute), failing closed with one line naming it. */
export function readPlatformPolicy(path: string, maxBytes: number = DEFAULT_RENDER_LIMITS.fileBytes): PlatformPolicy {
  if (path === '')
    throw new UserError(
      `${PLATFORM_POLICY_VAR} is set but empty; set it to the platform policy file's absolute path, or unset it`,
    );
  // A relative path would be read from the working directory, which is the repository's checkout.
  if (!isAbsolute(path))
    throw new UserError(
      `${PLATFORM_POLICY_VAR} must be an absolute path (a relative one would be read from the repository); strata does not render without the platform policy`,
    );
  let bytes: Buffer;
  try {
    bytes = readBounded(path, maxBytes);
  } catch (e) {
    const why = e instanceof BoundedReadError ? e.message : ((e as NodeJS.ErrnoException).code ?? (e as Error).message);
    throw new UserError(
      `cannot read the platform policy (${PLATFORM_POLICY_VAR}): ${why}; strata does not render without it`,
      { file: path },
    );
  }
  return parsePlatformPolicy(path, bytes);
}
