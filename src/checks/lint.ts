import type { LayerDecrypt } from '../core/layers.js';
import { standardChecks } from './index.js';
import type { Override } from '../core/layers.js';
import { render, type AppSource, type Check, type RenderCaches } from '../core/render.js';
import type { Finding } from '../core/types.js';

/** The app loaded already (`app`), or where to load it from (`fs`, `appDir`). */
export type LintOptions = AppSource & {
  env: string;
  overrides?: Override[];
  caches?: RenderCaches;
  /** The platform policy's check (src/policy/platform-check.ts), run before the standard checks. */
  platform?: readonly Check[];
  /** Decrypts SOPS layers (src/secrets/keys.ts). */
  decrypt?: LayerDecrypt;
  /** Told about objects of kinds without a schema. */
  debug?: (message: string) => void;
};

/**
 * Every finding of the standard checks for one app and environment, errors and warnings alike (render
 * itself would stop at the first error finding). Render failures (bad YAML, a missing value) still throw.
 */
export function lintApp(opts: LintOptions): Finding[] {
  return render({
    ...('app' in opts ? { app: opts.app } : { fs: opts.fs, appDir: opts.appDir }),
    env: opts.env,
    overrides: opts.overrides ?? [],
    checks: [...(opts.platform ?? []), ...standardChecks(opts.debug ? { debug: opts.debug } : {})],
    failOnFindings: false,
    ...(opts.caches ? { caches: opts.caches } : {}),
    ...(opts.decrypt ? { decrypt: opts.decrypt } : {}),
  }).findings;
}
