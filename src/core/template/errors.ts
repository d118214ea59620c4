import { UserError } from '../errors.js';
import { MissingArgument } from '../helpers.js';
import { closestNames } from './suggest.js';
import type { PathIndex } from './types.js';

// Turning Handlebars' and the helpers' errors into one-line UserErrors that name the template and line (and
// never quote the source: Handlebars' parse errors embed the offending line).

/** Parse errors from Handlebars quote the source; keep only the line and what was expected. */
export function syntaxError(e: unknown, path: string): UserError {
  const msg = (e as Error).message ?? String(e);
  const line = /line (\d+)/.exec(msg)?.[1];
  const expecting = msg.split('\n').filter((l) => /^Expecting|^Unexpected|doesn't match/.test(l));
  const reason = expecting.length ? expecting[expecting.length - 1].replace(/, got/, ', found') : msg.split('\n')[0];
  return new UserError(`template syntax error: ${reason}`, { file: path, ...(line ? { line: Number(line) } : {}) });
}

/** Turn a Handlebars or helper error into a UserError naming the template, line and value path. */
export function explain(e: unknown, template: string, idx: PathIndex | undefined, helpers: Iterable<string>): UserError {
  if (e instanceof UserError) {
    if (e.where?.file) return e;
    return new UserError(e.message, { file: template, ...e.where }, { cause: e });
  }
  if (e instanceof MissingArgument) {
    const loc = e.loc?.start;
    const arg = loc ? idx?.calls.get(`${loc.line}:${loc.column}`)?.[e.index] : undefined;
    return new UserError(`missing value${arg ? ` "${arg}"` : ''} passed to ${e.helper}`, { file: template, ...(loc ? { line: loc.line } : {}) });
  }
  const err = e as { message?: string; lineNumber?: number; column?: number };
  const missingHelper = /^Missing helper: "([^"]+)"/.exec(err.message ?? '');
  if (missingHelper) {
    const near = closestNames(missingHelper[1], helpers);
    return new UserError(`unknown helper "${missingHelper[1]}"${near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(', ')}?)` : ''}`, {
      file: template,
      ...(err.lineNumber ? { line: err.lineNumber } : {}),
    });
  }
  const m = /^"([^"]+)" not defined in/.exec(err.message ?? '');
  if (m && err.lineNumber !== undefined) {
    const src = idx?.paths.get(`${err.lineNumber}:${err.column}`);
    return new UserError(`missing value "${src ?? m[1]}" ("${m[1]}" is not defined)`, { file: template, line: err.lineNumber });
  }
  if (e instanceof RangeError && /call stack/.test(String(err.message))) {
    return new UserError('template recursion too deep (a partial that includes itself?)', { file: template });
  }
  const msg = (err.message ?? String(e)).split('\n')[0].replace(/ - \d+:\d+$/, '');
  return new UserError(`template failed: ${msg}`, { file: template, ...(err.lineNumber ? { line: err.lineNumber } : {}) }, { cause: e });
}
