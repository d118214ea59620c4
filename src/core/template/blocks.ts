import Handlebars from 'handlebars';
import type { HelperOptions } from 'handlebars';
import { UserError } from '../errors.js';
import { Produced } from '../helpers.js';
import { isTruthy } from '../truthy.js';
import type { RenderState } from './types.js';

// The block helpers, with Helm's semantics instead of Handlebars' (docs/templates.md):
// - `#if`, `#unless`, `#with` use Go template truthiness (truthy.ts): false, 0, null, "", an empty list and an
//   empty map are false (Handlebars: an empty map is true, `with` skips only null/undefined/empty list);
// - `#each` over a map walks the keys in sorted order, as Go's `range` does (Handlebars: insertion order);
// - every block and every iteration is a step of the render budget (budget.ts), and the output an `#each`
//   builds is checked against the output cap as it grows.

type Block = (this: unknown, ...args: unknown[]) => string;

function stateOf(o: HelperOptions): RenderState | undefined {
  return (o.data as { strata?: RenderState } | undefined)?.strata;
}

function where(_o: HelperOptions, s: RenderState | undefined): string {
  return s?.template ?? '';
}

function arg(helper: string, args: unknown[]): [unknown, HelperOptions] {
  if (args.length !== 2)
    throw new UserError(`#${helper} takes exactly one argument, got ${args.length - 1}`, lineOf(args[args.length - 1]));
  const v = args[0];
  return [v instanceof Produced ? v.text : v, args[1] as HelperOptions];
}

function lineOf(o: unknown): { line: number } | undefined {
  const loc = (o as { loc?: { start: { line: number } } } | undefined)?.loc;
  return loc ? { line: loc.start.line } : undefined;
}

/** Runs a block's body as one block of the output budget (budget.ts `open`/`close`). */
function counted(s: RenderState | undefined, template: string, body: () => string): string {
  const budget = s?.budget;
  if (!budget) return body();
  budget.tick(template);
  budget.open();
  const out = body();
  budget.close(out.length, template);
  return out;
}

const ifHelper: Block = function (this: unknown, ...args) {
  const [v, o] = arg('if', args);
  const s = stateOf(o);
  return counted(s, where(o, s), () => (isTruthy(v) ? o.fn(this) : o.inverse(this)));
};

const unlessHelper: Block = function (this: unknown, ...args) {
  const [v, o] = arg('unless', args);
  const s = stateOf(o);
  return counted(s, where(o, s), () => (isTruthy(v) ? o.inverse(this) : o.fn(this)));
};

const withHelper: Block = function (this: unknown, ...args) {
  const [v, o] = arg('with', args);
  const s = stateOf(o);
  return counted(s, where(o, s), () => {
    if (!isTruthy(v)) return o.inverse(this);
    // A helper's result that carries fields (semver's Major, Minor...) is the context as itself, not its text.
    const raw = args[0];
    const ctx = raw instanceof Produced && raw.constructor !== Produced ? raw : v;
    return o.fn(ctx, { data: o.data as unknown, blockParams: [ctx] });
  });
};

/** Go sorts map keys by bytes; comparing code points gives the same order as UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n;) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

const eachHelper: Block = function (this: unknown, ...args) {
  const [v, o] = arg('each', args);
  const s = stateOf(o);
  const template = where(o, s);
  const budget = s?.budget;
  const data = o.data ? (Handlebars.createFrame(o.data) as Record<string, unknown>) : undefined;
  // The pieces are joined once at the end: `out += piece` over millions of small pieces keeps a tree of
  // string nodes many times larger than the text (a 32 MiB output reached a 1 GiB heap that way).
  const pieces: string[] = [];
  let length = 0;
  const run = (value: unknown, key: string | number, index: number, last: boolean): void => {
    if (data) {
      data.key = key;
      data.index = index;
      data.first = index === 0;
      data.last = last;
    }
    const piece = o.fn(value, { data, blockParams: [value, key] });
    pieces.push(piece);
    length += piece.length;
    if (budget) {
      budget.tick(template);
      budget.growing(length, template);
    }
  };
  budget?.open();
  if (Array.isArray(v)) v.forEach((x, i) => run(x, i, i, i === v.length - 1));
  else if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort(compareKeys);
    keys.forEach((k, i) => run((v as Record<string, unknown>)[k], k, i, i === keys.length - 1));
  } else if (isTruthy(v)) {
    throw new UserError(`#each takes a list or a map, got a ${typeof v}`, lineOf(o));
  }
  const out = pieces.length === 0 && !hasItems(v) ? o.inverse(this) : pieces.join('');
  budget?.close(out.length, template);
  return out;
};

function hasItems(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && typeof v === 'object' && Object.keys(v).length > 0;
}

export const BLOCK_HELPERS: Record<string, Block> = {
  if: ifHelper,
  unless: unlessHelper,
  with: withHelper,
  each: eachHelper,
};
