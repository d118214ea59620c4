import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import type { HelperOptions } from 'handlebars';
import { UserError } from '../errors.js';
import { DEFAULT_RENDER_LIMITS, type Limits } from '../limits.js';
import { makeHelpers } from '../helpers.js';
import { BLOCK_HELPERS } from './blocks.js';
import type { Budget } from './budget.js';
import { emit, lookupPath } from './emit.js';
import { engineHelpers } from './engine-helpers.js';
import { explain, syntaxError } from './errors.js';
import { findGoSyntax } from './go-syntax.js';
import { inlinePartials } from './inline.js';
import { prescan } from './prescan.js';
import { rewrite } from './rewrite.js';
import type { Compiled, CompiledStore, PathIndex, RenderState, TemplateFile } from './types.js';

// A compiled template set: one isolated Handlebars environment per template folder (docs/templates.md), with
// the helpers of helpers.ts, the engine's block helpers (Go truthiness, sorted maps), `tpl`, `file`, and the
// shared partials of every `_*.hbs` file, Helm's _helpers.tpl habit included (`{{#*inline "name"}}`).

const COMPILE_OPTIONS = { noEscape: true, strict: true, knownHelpersOnly: false };
const TPL_CACHE_MAX = 256;

/**
 * What Handlebars hands a template it calls as a partial: the helper table wrapped for the call, the partials,
 * decorators, hooks and prototype-access rules. A top-level call builds these anew, wrapping every registered
 * helper (~200 here) per call (handlebars lib/handlebars/runtime.js `ret._setup`); strata makes a top-level
 * call per template file, `include` and `tpl`, so that setup was a fifth of a warm render. The set captures
 * Handlebars' own setup once and makes every call the way Handlebars calls a partial (`partial: true`).
 */
interface CallSetup {
  partial: true;
  helpers: unknown;
  partials: unknown;
  decorators: unknown;
  hooks: unknown;
  protoAccessControl: unknown;
}

export interface SetOptions {
  /** Compile with line markers (line-map.ts): an error path only, never cached in the store. */
  lines?: boolean;
  /**
   * The budget of the render that asked for this set: compiling counts against its renderMs (the clock is read
   * before and after each template), so a template compiled after the deadline fails.
   */
  budget?: Budget;
}

const COMPILING = 'compiling the templates ran past it';

export class TemplateSet {
  private readonly hb = Handlebars.create();
  private readonly compiled = new Map<string, Compiled>();
  private readonly index = new Map<string, PathIndex>();
  private readonly partials = new Map<string, { path: string; fn: Compiled }>();
  private readonly tplCache = new Map<string, Compiled>();
  private readonly helperNames: ReadonlySet<string>;
  private linesSet: TemplateSet | undefined;
  /** Partial names, for `tpl` texts translated from Go (fixed once the constructor has run). */
  private partialNameSet: ReadonlySet<string> | undefined;
  private setup: CallSetup | undefined;
  /** The limits of the render under way (renders are synchronous), for helpers.ts through HelperHost.limits(). */
  private limits: Limits = DEFAULT_RENDER_LIMITS;
  readonly statics = new Map<string, string>();

  constructor(
    readonly files: readonly TemplateFile[],
    private readonly sources: ReadonlyMap<string, string>,
    private readonly store?: CompiledStore,
    private readonly opts: SetOptions = {},
  ) {
    this.opts = { ...opts };
    const helpers = {
      ...makeHelpers({
        renderPartial: (name, ctx, o) => this.renderPartial(name, ctx, o),
        limits: () => this.limits,
      }),
      ...engineHelpers({
        compileString: (text, where, budget, keep) => this.compileString(text, where, budget, keep),
        partialNames: () => (this.partialNameSet ??= new Set(this.partials.keys())),
      }),
      ...BLOCK_HELPERS,
    };
    for (const [name, fn] of Object.entries(helpers)) this.hb.registerHelper(name, fn as Handlebars.HelperDelegate);
    this.hb.registerHelper('__emit', emit);
    this.hb.registerHelper('__path', lookupPath);
    this.helperNames = new Set([...Object.keys(helpers), 'lookup', 'blockHelperMissing', 'helperMissing']);
    const budget = opts.budget;
    for (const f of files) {
      const text = sources.get(f.path)!;
      budget?.checkTime(f.path, COMPILING);
      if (f.kind === 'static') this.statics.set(f.path, text);
      else if (f.kind === 'template') this.compile(f.path, text);
      else this.addPartialFile(f, text);
      budget?.checkTime(f.path, COMPILING);
    }
    // The set outlives this render (TemplateCache): keep no reference to its budget.
    delete this.opts.budget;
  }

  /** Every helper name this set knows (for "did you mean"). */
  get helpers(): ReadonlySet<string> {
    return this.helperNames;
  }

  /** The same set compiled with line markers, for naming the template line of a bad output line. */
  withLines(budget?: Budget): TemplateSet {
    if (this.opts.lines) return this;
    this.linesSet ??= new TemplateSet(this.files, this.sources, undefined, {
      lines: true,
      ...(budget ? { budget } : {}),
    });
    return this.linesSet;
  }

  private addPartialFile(f: TemplateFile, text: string): void {
    const inline = text.includes('{{#*inline') ? inlinePartials(this.parse(f.path, text)) : undefined;
    if (inline) {
      for (const def of inline.defs) this.addPartial(def.name, f.path, this.fromAst(f.path, def.program));
      if (!inline.onlyDefinitions) this.addPartial(f.name, f.path, this.fromAst(f.path, inline.rest));
      return;
    }
    this.addPartial(f.name, f.path, this.compile(f.path, text));
  }

  private addPartial(name: string, path: string, fn: Compiled): void {
    const prev = this.partials.get(name);
    if (prev) throw new UserError(`partial "${name}" is defined twice: in ${prev.path} and in ${path}`, { file: path });
    // Errors inside a partial name the partial's file and line, not the template that included it. Every call
    // is a level of the partial depth budget.
    const named: Compiled = (ctx, opts) => {
      const s = opts?.data?.strata as RenderState | undefined;
      s?.budget?.enter(s.template, `partials (at "${name}")`);
      try {
        s?.budget?.open();
        const out = fn(ctx, opts);
        s?.budget?.close(out.length, s.template);
        return out;
      } catch (e) {
        throw explain(e, path, this.indexOf(path), this.helperNames);
      } finally {
        s?.budget?.leave();
      }
    };
    this.partials.set(name, { path, fn: named });
    this.hb.registerPartial(name, named as unknown as Handlebars.Template);
  }

  /** Parse a template: Go template syntax and Handlebars syntax errors become one-line UserErrors. */
  private parse(path: string, text: string): hbs.AST.Program {
    // Bounded before the parser sees it: nesting and mustache count (prescan.ts).
    prescan(text, path);
    const go = findGoSyntax(text, path);
    if (go) throw go;
    let ast: hbs.AST.Program;
    try {
      ast = Handlebars.parse(text);
    } catch (e) {
      throw syntaxError(e, path, text);
    }
    const index: PathIndex = { paths: new Map(), calls: new Map() };
    rewrite(ast, { file: path, index, helpers: this.helperNames, ...(this.opts.lines ? { lines: true } : {}) });
    this.index.set(path, index);
    return ast;
  }

  private fromAst(path: string, ast: hbs.AST.Program): Compiled {
    return this.hb.compile(ast, COMPILE_OPTIONS);
  }

  /**
   * Compile a template. With a store, the compiled JavaScript is kept by a hash of the path and text, so the
   * next process skips parsing and compiling (most of a cold render's template cost).
   */
  private compile(path: string, text: string): Compiled {
    let fn: Compiled;
    if (this.store && !this.opts.lines) {
      const key = 'hbs-' + createHash('sha256').update(path).update('\0').update(text).digest('hex');
      let spec = this.store.get(key);
      if (spec === undefined) {
        spec = Handlebars.precompile(this.parse(path, text), COMPILE_OPTIONS) as unknown as string;
        this.store.set(key, spec);
      }
      // Handlebars' own precompiled code, made by this process or read back from our compile store.
      // eslint-disable-next-line @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call
      const made: unknown = new Function(`return ${spec};`)();
      fn = this.hb.template(made as Parameters<typeof this.hb.template>[0]);
    } else {
      fn = this.fromAst(path, this.parse(path, text));
    }
    this.compiled.set(path, fn);
    return fn;
  }

  /** `tpl`: a string compiled as a template of this set (same helpers and partials), cached by text. */
  /** `keep: false`: compile without caching (the text may hold a decrypted secret; RenderState.secrets). */
  private compileString(text: string, where: string, budget?: Budget, keep = true): Compiled {
    // Keyed by where it is called from too: the compiled wrapper names its caller in errors.
    const key = `${where}\u0000${text}`;
    const hit = this.tplCache.get(key);
    if (hit) return hit;
    budget?.checkTime(where, COMPILING);
    const ast = this.parse(where, text);
    // The path index of this text, taken now: another text parsed later at the same `where` replaces the entry.
    const index = this.index.get(where);
    const fn = this.fromAst(where, ast);
    budget?.checkTime(where, COMPILING);
    const wrapped: Compiled = (ctx, opts) => {
      try {
        return this.call(fn, ctx, opts?.data ?? {});
      } catch (e) {
        throw explain(e, where, index, this.helperNames);
      }
    };
    if (!keep) return wrapped;
    if (this.tplCache.size >= TPL_CACHE_MAX) this.tplCache.delete(this.tplCache.keys().next().value!);
    this.tplCache.set(key, wrapped);
    return wrapped;
  }

  /** The path index of a template (built on demand when the template came compiled from the store). */
  private indexOf(path: string): PathIndex | undefined {
    if (!this.index.has(path) && this.sources.has(path)) {
      try {
        this.parse(path, this.sources.get(path)!);
      } catch {
        return undefined;
      }
    }
    return this.index.get(path);
  }

  /** Render one template file with the given root context. */
  render(path: string, ctx: unknown, state: RenderState): string {
    const fn = this.compiled.get(path);
    if (!fn) throw new Error(`not a template: ${path}`);
    state.budget?.checkTime(path);
    state.budget?.startTemplate();
    this.limits = state.budget?.limits ?? DEFAULT_RENDER_LIMITS;
    try {
      return this.call(fn, ctx, { strata: state, root: ctx });
    } catch (e) {
      throw explain(e, state.template, this.indexOf(state.template), this.helperNames, ctx);
    }
  }

  private renderPartial(name: string, ctx: unknown, o: HelperOptions): string {
    const p = this.partials.get(name);
    if (!p)
      throw new UserError(
        `include: no partial named "${name}" (partials are files starting with "_", or {{#*inline}} blocks in them)`,
      );
    return this.call(p.fn, ctx, o.data as Record<string, unknown>);
  }

  /** Call a compiled template as Handlebars calls a partial; `data` must hold `root` (`@root`). */
  private call(fn: Compiled, ctx: unknown, data: Record<string, unknown>): string {
    return fn(ctx, { data, ...(this.setup ??= this.captureSetup()) });
  }

  /** Handlebars' setup of a top-level call, taken once from a probe template's decorator (see CallSetup). */
  private captureSetup(): CallSetup {
    let setup: CallSetup | undefined;
    this.hb.registerDecorator('__setup', (prog: unknown, _props: unknown, c: Omit<CallSetup, 'partial'>) => {
      const decorators = { ...(c.decorators as Record<string, unknown>) };
      delete decorators.__setup;
      setup = {
        partial: true,
        helpers: c.helpers,
        partials: this.hb.partials,
        decorators,
        hooks: c.hooks,
        protoAccessControl: c.protoAccessControl,
      };
      return prog;
    });
    try {
      this.hb.compile('{{* __setup}}')({});
    } finally {
      this.hb.unregisterDecorator('__setup');
    }
    if (!setup) throw new Error('handlebars: the call setup was not captured');
    return setup;
  }
}
