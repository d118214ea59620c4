import { loadApp, type App } from '../core/app.js';
import { discoverApps } from '../core/discover.js';
import { describeError, rethrowUnlessUser, UserError } from '../core/errors.js';
import type { ReadOnlyFs } from '../core/fs.js';
import type { ParseCache } from '../core/parse-cache.js';

// The batch path (render --all, lint --all): every app under a root that declares an environment, loaded
// once (the renders take the loaded App). An app whose strata.yaml cannot be read is reported with the
// others, not allowed to hide them.

export interface BatchApps {
  /** The apps that declare the environment, in discovery order. */
  apps: App[];
  /** Apps whose strata.yaml is broken: they cannot say which environments they have. */
  broken: { app: string; error: string }[];
  /** Apps that do not declare the environment (listed in summaries, so none is skipped silently). */
  skipped: string[];
}

/** `warn` gets one line per entry the walk skipped (a symlink loop, a link out of the repository). */
export function appsForEnv(
  fs: ReadOnlyFs,
  root: string,
  env: string,
  cache?: ParseCache,
  warn?: (message: string) => void,
): BatchApps {
  const out: BatchApps = { apps: [], broken: [], skipped: [] };
  const skipped = (path: string, reason: string): void => warn?.(`skipped ${path}: ${reason}`);
  for (const app of discoverApps(fs, root, skipped)) {
    try {
      const loaded = loadApp(fs, app, cache);
      if (loaded.config.environments.includes(env)) out.apps.push(loaded);
      else out.skipped.push(app);
    } catch (e) {
      rethrowUnlessUser(e);
      out.broken.push({ app, error: describeError(e) });
    }
  }
  if (out.apps.length === 0 && out.broken.length === 0)
    throw new UserError(`no app under ${root || '.'} declares the environment "${env}"`);
  return out;
}
