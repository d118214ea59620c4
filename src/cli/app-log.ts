import type { AppLog } from '../core/app.js';
import type { CommandContext } from './command.js';

/**
 * What loading an app tells the person running a command: a missing optional layer at debug level, and a
 * warning when a file with a near name sits beside it (`values-production.yaml` for `values-prod.yaml`).
 */
export function appLog(ctx: Pick<CommandContext, 'logger' | 'stderr'>): AppLog {
  return {
    debug: (m) => ctx.logger?.debug({}, m),
    warn: (m) => void ctx.stderr.write(`strata: warning: ${m}\n`),
  };
}
