import { UserError } from '../errors.js';
import { MissingArgument } from '../helpers.js';
import { closestNames } from './suggest.js';
import type { PathIndex } from './types.js';

// Turning Handlebars' and the helpers' errors into one-line UserErrors that name the template and line (and
// never quote the source: Handlebars' parse errors embed the offending line).

/**
 * Parse errors from Handlebars quote the source; keep only the line and what was expected. With the template
 * `text`, a block left open (Handlebars says "found 'EOF'", or "if doesn't match each" for a wrong closer) is
 * named by where it was opened.
 */
export function syntaxError(e: unknown, path: string, text?: string): UserError {
  const msg = (e as Error).message ?? String(e);
  if (text !== undefined && (/found 'EOF'|Expecting[^\n]*'EOF'|, got 'EOF'/.test(msg) || / doesn't match /.test(msg))) {
    const open = unclosedBlock(text);
    if (open)
      return open.closer
        ? new UserError(
            `{{/${open.closer.name}}} at line ${open.closer.line} does not close {{#${open.name}}} opened at line ${open.line} (expected {{/${open.name}}})`,
            {
              file: path,
              line: open.closer.line,
            },
          )
        : new UserError(`{{#${open.name}}} opened at line ${open.line} is never closed (expected {{/${open.name}}})`, {
            file: path,
            line: open.line,
          });
  }
  const line = /line (\d+)/.exec(msg)?.[1];
  const expecting = msg.split('\n').filter((l) => /^Expecting|^Unexpected|doesn't match/.test(l));
  const reason = expecting.length ? expecting[expecting.length - 1].replace(/, got/, ', found') : msg.split('\n')[0];
  return new UserError(`template syntax error: ${reason}`, { file: path, ...(line ? { line: Number(line) } : {}) });
}

/**
 * Turn a Handlebars or helper error into a UserError naming the template, line and value path. With `root`
 * (the render context), a missing `values.…` path gains the nearest existing one (`withValueSuggestion`).
 */
export function explain(
  e: unknown,
  template: string,
  idx: PathIndex | undefined,
  helpers: Iterable<string>,
  root?: unknown,
): UserError {
  const err = explainError(e, template, idx, helpers);
  return root === undefined ? err : withValueSuggestion(err, root);
}

const MISSING_VALUE = /^missing value "((?:@root\.)?values(?:\.[^".\s]+)+)"/;

/**
 * `missing value "values.replica"` -> `… (did you mean "values.replicas"?)`: the path is walked through the
 * merged values to its first missing step, and that step is matched against the keys that are there (names
 * from the values files, never a value). Unchanged when nothing is close or the message is another one.
 */
export function withValueSuggestion(e: UserError, root: unknown): UserError {
  const m = MISSING_VALUE.exec(e.head);
  if (!m || /did you mean/.test(e.head)) return e;
  const prefix = m[1].startsWith('@root.') ? '@root.' : '';
  const [, ...steps] = m[1].slice(prefix.length).split('.');
  let cur = (root as { values?: unknown } | null)?.values;
  for (let i = 0; i < steps.length; i++) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return e;
    if (Object.hasOwn(cur, steps[i])) {
      cur = (cur as Record<string, unknown>)[steps[i]];
      continue;
    }
    const near = closestNames(steps[i], Object.keys(cur), 2);
    if (!near.length) return e;
    const paths = near.map((n) => `"${prefix}values.${[...steps.slice(0, i), n, ...steps.slice(i + 1)].join('.')}"`);
    return new UserError(`${e.head} (did you mean ${paths.join(' or ')}?)`, e.where, { cause: e, details: e.details });
  }
  return e;
}

function explainError(e: unknown, template: string, idx: PathIndex | undefined, helpers: Iterable<string>): UserError {
  if (e instanceof UserError) {
    if (e.where?.file) return e;
    return new UserError(e.message, { file: template, ...e.where }, { cause: e });
  }
  if (e instanceof MissingArgument) {
    const loc = e.loc?.start;
    const arg = loc ? idx?.calls.get(`${loc.line}:${loc.column}`)?.[e.index] : undefined;
    return new UserError(`missing value${arg ? ` "${arg}"` : ''} passed to ${e.helper}`, {
      file: template,
      ...(loc ? { line: loc.line } : {}),
    });
  }
  const err = e as { message?: string; lineNumber?: number; column?: number };
  const missingHelper = /^Missing helper: "([^"]+)"/.exec(err.message ?? '');
  if (missingHelper) {
    const near = closestNames(missingHelper[1], helpers);
    return new UserError(
      `unknown helper "${missingHelper[1]}"${near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(', ')}?)` : ''}`,
      {
        file: template,
        ...(err.lineNumber ? { line: err.lineNumber } : {}),
      },
    );
  }
  const m = /^"([^"]+)" not defined in/.exec(err.message ?? '');
  if (m && err.lineNumber !== undefined) {
    const src = idx?.paths.get(`${err.lineNumber}:${err.column}`);
    return new UserError(`missing value "${src ?? m[1]}" ("${m[1]}" is not defined)`, {
      file: template,
      line: err.lineNumber,
    });
  }
  if (e instanceof RangeError && /call stack/.test(String(err.message))) {
    return new UserError('template recursion too deep (a partial that includes itself?)', { file: template });
  }
  const msg = (err.message ?? String(e)).split('\n')[0].replace(/ - \d+:\d+$/, '');
  return new UserError(
    `template failed: ${msg}`,
    { file: template, ...(err.lineNumber ? { line: err.lineNumber } : {}) },
    { cause: e },
  );
}

interface OpenBlock {
  name: string;
  line: number;
  /** The closer that did not match it, if the block was closed by the wrong name. */
  closer?: { name: string; line: number };
}

/**
 * The innermost block a template leaves open, or the first one closed by the wrong name: a scan of the block
 * openers (`{{#if`, `{{^each`, `{{#> layout`, `{{#*inline`) and closers (`{{/if}}`) outside comments and
 * escaped `\{{`. Only for the message: Handlebars' parser has already refused the text.
 */
export function unclosedBlock(text: string): OpenBlock | undefined {
  const stack: OpenBlock[] = [];
  const re = /\\\{\{|\{\{!--[\s\S]*?--~?\}\}|\{\{~?!(?!--)[\s\S]*?\}\}|\{\{~?\s*([#^/])\s*(?:[*>]\s*)?([^\s}~()]+)/g;
  let line = 1;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    for (let i = text.indexOf('\n', at); i >= 0 && i < m.index; i = text.indexOf('\n', i + 1)) line++;
    at = m.index;
    if (!m[1]) continue; // a comment or an escaped mustache
    const name = m[2];
    if (m[1] !== '/') stack.push({ name, line });
    else {
      const top = stack.pop();
      if (!top) return undefined;
      if (top.name !== name) return { ...top, closer: { name, line } };
    }
  }
  return stack[stack.length - 1];
}
