import { createHash } from 'node:crypto';
import type { HelperOptions } from 'handlebars';
import { UserError } from './errors.js';
import { DEFAULT_RENDER_LIMITS, type Limits } from './limits.js';
import { isMap } from './merge.js';
import { quoted, toYamlText } from './serialize.js';

// Template helpers (docs/helpers.md). Argument order follows Helm/Sprig (`default "x" value`, `indent 4 s`,
// `trunc 63 s`) so people moving from Helm can read templates at a glance. Helpers that produce YAML or
// quoted text return SafeString: the raw-output check in templates.ts lets them through.

/** Marks text a helper produced on purpose (YAML blocks, quoted strings), as opposed to a raw value. */
export class Produced {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toHTML(): string {
    return this.text;
  }
}

/** Thrown when a helper gets `undefined` where a value is required: templates.ts names the argument's path. */
export class MissingArgument extends Error {
  constructor(
    readonly helper: string,
    readonly index: number,
    readonly loc: Opts['loc'] | undefined,
  ) {
    super(`${helper}: argument ${index + 1} is missing`);
  }
}

type Opts = HelperOptions & { loc?: { start: { line: number; column: number } } };

export interface HelperHost {
  /** Renders a partial by name with a context (for `include`). */
  renderPartial(name: string, ctx: unknown, options: Opts): string;
  /** The bounds of the render under way (core/limits.ts): helpers cap sizes with `helperBytes`. */
  limits(): Limits;
}

function str(helper: string, v: unknown, i: number, o: Opts): string {
  if (v === undefined) throw new MissingArgument(helper, i, o.loc);
  if (v instanceof Produced) return v.text;
  if (v === null) return '';
  if (typeof v === 'object') throw new UserError(`${helper}: argument ${i + 1} is a ${Array.isArray(v) ? 'list' : 'map'}, expected text (use toYaml or toJson)`);
  return String(v);
}

function need(helper: string, v: unknown, i: number, o: Opts): unknown {
  if (v === undefined) throw new MissingArgument(helper, i, o.loc);
  return v instanceof Produced ? v.text : v;
}

/** Sprig's notion of empty, used by `default`. */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isMap(v)) return Object.keys(v).length === 0;
  return false;
}

/** Handlebars' truthiness: empty lists are false too. */
function truthy(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : Boolean(v);
}


function indentText(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return s
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

function count(helper: string, v: unknown, i: number, o: Opts): number {
  const n = need(helper, v, i, o);
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new UserError(`${helper}: argument ${i + 1} must be a whole number`);
  return n;
}

/** args without the trailing Handlebars options object. */
function split(args: unknown[]): [unknown[], Opts] {
  return [args.slice(0, -1), args[args.length - 1] as Opts];
}

/** How many arguments each helper takes (and/or: at least one). A wrong count is an error naming the line. */
const ARITY: Record<string, number> = {
  toYaml: 1, toJson: 1, quote: 1, indent: 2, nindent: 2, default: 2, required: 2, eq: 2, ne: 2, not: 1, include: 2,
  b64enc: 1, sha256: 1, lower: 1, upper: 1, trunc: 2, join: 2, hasKey: 2, apiVersionAvailable: 1, and: -1, or: -1,
};

type Helper = (...args: unknown[]) => unknown;

function checked(name: string, fn: Helper): Helper {
  const want = ARITY[name]!;
  return (...args) => {
    const got = args.length - 1; // the last argument is Handlebars' options
    if (want >= 0 ? got !== want : got < 1) {
      const loc = (args[args.length - 1] as Opts | undefined)?.loc;
      const expected = want >= 0 ? `${want} argument${want === 1 ? '' : 's'}` : 'at least 1 argument';
      throw new UserError(`${name} takes ${expected}, got ${got}`, loc ? { line: loc.start.line } : undefined);
    }
    return fn(...args);
  };
}

export function makeHelpers(host: HelperHost): Record<string, Helper> {
  const helpers: Record<string, Helper> = {
    toYaml: (v, o) => new Produced(toYamlText(need('toYaml', v, 0, o as Opts))),
    toJson: (v, o) => new Produced(JSON.stringify(need('toJson', v, 0, o as Opts))),
    quote: (v, o) => new Produced(quoted(str('quote', v, 0, o as Opts))),
    indent: (n, s, o) => new Produced(indentText(count('indent', n, 0, o as Opts), str('indent', s, 1, o as Opts))),
    nindent: (n, s, o) => new Produced('\n' + indentText(count('nindent', n, 0, o as Opts), str('nindent', s, 1, o as Opts))),
    default: (fallback, v) => (isEmpty(v) ? fallback : v),
    required: (message, v, o) => {
      if (v === undefined || v === null || v === '') {
        const loc = (o as Opts).loc;
        throw new UserError(`required value missing: ${String(message)}`, loc ? { line: loc.start.line } : undefined);
      }
      return v;
    },
    eq: (a, b) => a === b,
    ne: (a, b) => a !== b,
    and: (...args) => {
      const [vals] = split(args);
      return vals.every(truthy);
    },
    or: (...args) => {
      const [vals] = split(args);
      return vals.find(truthy) ?? vals[vals.length - 1] ?? false;
    },
    not: (v) => !truthy(v),
    include: (name, ctx, o) => new Produced(host.renderPartial(str('include', name, 0, o as Opts), ctx, o as Opts)),
    b64enc: (s, o) => Buffer.from(str('b64enc', s, 0, o as Opts), 'utf8').toString('base64'),
    sha256: (s, o) => createHash('sha256').update(str('sha256', s, 0, o as Opts)).digest('hex'),
    lower: (s, o) => str('lower', s, 0, o as Opts).toLowerCase(),
    upper: (s, o) => str('upper', s, 0, o as Opts).toUpperCase(),
    trunc: (n, s, o) => {
      const len = count('trunc', n, 0, o as Opts);
      const text = str('trunc', s, 1, o as Opts);
      return len >= 0 ? text.slice(0, len) : text.slice(len);
    },
    join: (sep, list, o) => {
      const l = need('join', list, 1, o as Opts);
      if (!Array.isArray(l)) throw new UserError('join: argument 2 must be a list');
      return l.map((x, i) => str('join', x, i, o as Opts)).join(str('join', sep, 0, o as Opts));
    },
    hasKey: (m, k) => isMap(m) && Object.hasOwn(m, String(k)),
    apiVersionAvailable: (gv, o) => {
      const root = (o as Opts).data?.root as { capabilities?: { apiVersions?: string[] } } | undefined;
      return (root?.capabilities?.apiVersions ?? []).includes(str('apiVersionAvailable', gv, 0, o as Opts));
    },
  };
  return Object.fromEntries(Object.entries(helpers).map(([name, fn]) => [name, checked(name, fn)]));
}

export const HELPER_NAMES: readonly string[] = Object.keys(makeHelpers({ renderPartial: () => '', limits: () => DEFAULT_RENDER_LIMITS }));
