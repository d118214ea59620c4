import { UserError } from './errors.js';
import { DEFAULT_RENDER_LIMITS } from './limits.js';
import {
  type Call,
  type HelperDef,
  type HelperHost,
  isHelm,
  MissingArgument,
  type Opts,
  Produced,
} from './helpers/base.js';
import { COLLECTION_HELPERS } from './helpers/collections.js';
import { ENCODING_HELPERS } from './helpers/encoding.js';
import { LOGIC_HELPERS } from './helpers/logic.js';
import { NUMBER_HELPERS } from './helpers/numbers.js';
import { REFUSED_HELPERS, REFUSED_TABLE } from './helpers/refused.js';
import { REGEX_HELPERS } from './helpers/regex.js';
import { SEMVER_HELPERS } from './helpers/semver.js';
import { STRING_HELPERS } from './helpers/strings.js';
import { toText } from './guards.js';

// Template helpers (docs/helpers.md): Helm's helper set with sprig's names, argument order and results,
// as Handlebars helpers with positional arguments (`{{printf "%s-%s" app.name env.name}}`). Each family lives
// in helpers/ (strings, printf, logic, numbers, collections, encoding, regex, semver, refused); this file
// assembles them, checks argument counts and adds the template line to helper errors. Helpers that produce
// YAML or quoted text return Produced: the raw-output check in templates.ts lets it through.

export { MissingArgument, Produced, REFUSED_HELPERS };
export type { HelperHost };

type Helper = (...args: unknown[]) => unknown;

/** strata's own helpers (not in Helm). */
const STRATA_HELPERS: Record<string, HelperDef> = {
  include: {
    min: 2,
    max: 2,
    fn: ([name, ctx], c) => {
      if (typeof name !== 'string') {
        if (name === undefined) throw new MissingArgument('include', 0, c.o.loc);
        throw new UserError('include: argument 1 must be a partial name');
      }
      return new Produced(c.host.renderPartial(name, ctx, c.o));
    },
  },
  apiVersionAvailable: {
    min: 1,
    max: 1,
    fn: ([gv], c) => {
      if (gv === undefined) throw new MissingArgument('apiVersionAvailable', 0, c.o.loc);
      const root = (c.o.data as { root?: { capabilities?: { apiVersions?: string[] } } } | undefined)?.root;
      return (root?.capabilities?.apiVersions ?? []).includes(toText(gv));
    },
  },
};

const TABLE: Record<string, HelperDef> = {
  ...REFUSED_TABLE,
  ...STRING_HELPERS,
  ...LOGIC_HELPERS,
  ...NUMBER_HELPERS,
  ...COLLECTION_HELPERS,
  ...ENCODING_HELPERS,
  ...REGEX_HELPERS,
  ...SEMVER_HELPERS,
  ...STRATA_HELPERS,
};

// sprig's must* forms return an error instead of panicking; strata's helpers always fail with an error.
for (const name of [
  'append',
  'push',
  'prepend',
  'first',
  'last',
  'rest',
  'initial',
  'reverse',
  'uniq',
  'without',
  'has',
  'slice',
  'compact',
  'chunk',
  'merge',
  'mergeOverwrite',
  'deepCopy',
  'fromJson',
  'toPrettyJson',
  'toRawJson',
]) {
  const must = 'must' + name[0].toUpperCase() + name.slice(1);
  if (TABLE[name] && !TABLE[must]) TABLE[must] = TABLE[name]!;
}

function expected(d: HelperDef): string {
  const n = (k: number) => `${k} argument${k === 1 ? '' : 's'}`;
  if (d.max === Infinity) return `at least ${n(d.min)}`;
  if (d.min === d.max) return n(d.min);
  return d.max === d.min + 1 ? `${d.min} or ${n(d.max)}` : `${d.min} to ${n(d.max)}`;
}

function wrap(name: string, d: HelperDef, host: HelperHost): Helper {
  return (...args) => {
    const o = args.pop() as Opts;
    const line = o?.loc ? { line: o.loc.start.line } : undefined;
    if (args.length < d.min || args.length > d.max)
      throw new UserError(`${name} takes ${expected(d)}, got ${args.length}`, line);
    const c: Call = { name, o, host };
    // Under helm semantics a missing value is Go's nil: the helper gets null (sprig's rules for nil apply).
    if (isHelm(c)) for (let i = 0; i < args.length; i++) if (args[i] === undefined) args[i] = null;
    try {
      return d.fn(args, c);
    } catch (e) {
      if (e instanceof UserError && !e.where && line) throw new UserError(e.message, line, { cause: e });
      if (e instanceof RangeError) throw new UserError(`${name}: the value is nested too deeply`, line, { cause: e });
      throw e;
    }
  };
}

export function makeHelpers(host: HelperHost): Record<string, Helper> {
  return Object.fromEntries(Object.entries(TABLE).map(([name, d]) => [name, wrap(name, d, host)]));
}

/** How many arguments each helper takes (for tests that call every helper). */
export function helperArity(name: string): { min: number; max: number } | undefined {
  const d = TABLE[name];
  return d && { min: d.min, max: d.max };
}

/** Names of the helpers that work (refused ones are in REFUSED_HELPERS, with their reason). */
export const HELPER_NAMES: readonly string[] = Object.keys(
  makeHelpers({ renderPartial: () => '', limits: () => DEFAULT_RENDER_LIMITS }),
).filter((n) => !Object.hasOwn(REFUSED_HELPERS, n) || n === 'lookup'); // own keys only: `in` also matches toString
