import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import type { HelperOptions } from 'handlebars';
import { UserError } from './errors.js';
import { DEFAULT_RENDER_LIMITS } from './limits.js';
import { joinPath, type ReadOnlyFs } from './fs.js';
import { HELPER_NAMES, makeHelpers, MissingArgument, Produced } from './helpers.js';
import type { Value } from './types.js';
import { decodeUtf8 } from './yaml-load.js';

// Handlebars, set up for YAML (docs/helpers.md):
// - one isolated environment per template set, `noEscape` (HTML escaping corrupts YAML), `strict`;
// - every `{{output}}` is rewritten to `{{__emit output}}` so a missing value, an object or a multi-line
//   string printed raw is an error naming the template, the line and the value path;
// - `{{log}}` goes to the render's log function, never to stdout (Argo CD reads stdout as manifests).

export interface TemplateFile {
  /** Repo-relative path. */
  path: string;
  kind: 'template' | 'partial' | 'static';
  /** Partial name (file name without the leading `_` and the extension). */
  name: string;
}

/** A value a template printed or passed to a helper, for tracing rendered text back to its origin (trace.ts). */
export interface Emitted {
  template: string;
  /** Values path, e.g. `.image.tag` or `.resources`. */
  valuePath: string;
  value: Value;
}

/**
 * Where compiled templates can be kept between processes (the CLI gives a private folder under the temp dir;
 * tests and the server give none). The core only sees this interface.
 */
export interface CompiledStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

export interface RenderState {
  template: string;
  emitted: Emitted[];
  log: (message: string) => void;
}

type Compiled = (ctx: unknown, opts?: { data?: Record<string, unknown> }) => string;

interface PathIndex {
  /** `line:column` of a path expression -> its source text (e.g. `values.image.tag`). */
  paths: Map<string, string>;
  /** `line:column` of a helper call -> source text of its parameters. */
  calls: Map<string, string[]>;
}

const EXT_TEMPLATE = '.yaml.hbs';
const COMPILE_OPTIONS = { noEscape: true, strict: true, knownHelpersOnly: false };

/** List the files of a template folder (recursively, sorted). */
export function listTemplateFiles(fs: ReadOnlyFs, dir: string): TemplateFile[] {
  if (fs.stat(dir) !== 'dir') throw new UserError('templates folder does not exist', { file: dir });
  const out: TemplateFile[] = [];
  const walk = (d: string): void => {
    for (const name of fs.readDir(d)) {
      const p = joinPath(d, name);
      if (fs.stat(p) === 'dir') walk(p);
      else if (name.startsWith('_') && (name.endsWith('.hbs') || name.endsWith('.tpl'))) {
        out.push({ path: p, kind: 'partial', name: name.slice(1).replace(/\.(yaml\.hbs|hbs|tpl)$/, '') });
      } else if (name.endsWith(EXT_TEMPLATE)) out.push({ path: p, kind: 'template', name });
      else if (name.endsWith('.yaml') || name.endsWith('.yml')) out.push({ path: p, kind: 'static', name });
    }
  };
  walk(dir);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A compiled template set. Build once per set of file contents; render many times. */
export class TemplateSet {
  private readonly hb = Handlebars.create();
  private readonly compiled = new Map<string, Compiled>();
  private readonly index = new Map<string, PathIndex>();
  private readonly partials = new Map<string, { path: string; fn: Compiled }>();
  readonly statics = new Map<string, string>();

  constructor(
    readonly files: readonly TemplateFile[],
    private readonly sources: ReadonlyMap<string, string>,
    private readonly store?: CompiledStore,
  ) {
    const helpers = makeHelpers({ renderPartial: (name, ctx, o) => this.renderPartial(name, ctx, o), limits: () => DEFAULT_RENDER_LIMITS });
    for (const [name, fn] of Object.entries(helpers)) this.hb.registerHelper(name, fn as Handlebars.HelperDelegate);
    this.hb.registerHelper('__emit', emit);
    this.hb.registerHelper('__path', lookupPath);
    this.hb.registerHelper('log', (...args: unknown[]) => {
      const o = args.pop() as HelperOptions;
      (o.data?.strata as RenderState | undefined)?.log(args.map(String).join(' '));
      return '';
    });
    for (const f of files) {
      const text = sources.get(f.path)!;
      if (f.kind === 'static') {
        this.statics.set(f.path, text);
        continue;
      }
      const fn = this.compile(f.path, text);
      if (f.kind === 'partial') {
        if (this.partials.has(f.name)) {
          throw new UserError(`partial "${f.name}" is defined twice (also in ${this.partials.get(f.name)!.path})`, { file: f.path });
        }
        // Errors inside a partial name the partial's file and line, not the template that included it.
        const named: Compiled = (ctx, opts) => {
          try {
            return fn(ctx, opts);
          } catch (e) {
            throw this.explain(e, f.path);
          }
        };
        this.partials.set(f.name, { path: f.path, fn: named });
        this.hb.registerPartial(f.name, named as unknown as Handlebars.Template);
      }
    }
  }

  /**
   * Compile a template. With a store, the compiled JavaScript is kept by a hash of the path and text, so the
   * next process skips parsing and compiling (most of a cold render's template cost).
   */
  private compile(path: string, text: string): Compiled {
    let fn: Compiled;
    if (this.store) {
      const key = 'hbs-' + createHash('sha256').update(path).update('\0').update(text).digest('hex');
      let spec = this.store.get(key);
      if (spec === undefined) {
        spec = Handlebars.precompile(this.rewritten(path, text), COMPILE_OPTIONS) as unknown as string;
        this.store.set(key, spec);
      }
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      fn = this.hb.template(new Function(`return ${spec};`)()) as unknown as Compiled;
    } else {
      fn = this.hb.compile(this.rewritten(path, text), COMPILE_OPTIONS) as unknown as Compiled;
    }
    this.compiled.set(path, fn);
    return fn;
  }

  /** Parse and rewrite a template; also indexes its path expressions for error messages. */
  private rewritten(path: string, text: string): hbs.AST.Program {
    let ast: hbs.AST.Program;
    try {
      ast = Handlebars.parse(text);
    } catch (e) {
      throw syntaxError(e, path);
    }
    const index: PathIndex = { paths: new Map(), calls: new Map() };
    new EmitRewriter(path, index).accept(ast);
    this.index.set(path, index);
    return ast;
  }

  /** The path index of a template (built on demand when the template came compiled from the store). */
  private indexOf(path: string): PathIndex | undefined {
    if (!this.index.has(path) && this.sources.has(path)) this.rewritten(path, this.sources.get(path)!);
    return this.index.get(path);
  }

  /** Render one template file (or partial) with the given root context. */
  render(path: string, ctx: unknown, state: RenderState): string {
    const fn = this.compiled.get(path);
    if (!fn) throw new Error(`not a template: ${path}`);
    try {
      return fn(ctx, { data: { strata: state } });
    } catch (e) {
      throw this.explain(e, state.template);
    }
  }

  private renderPartial(name: string, ctx: unknown, o: HelperOptions): string {
    const p = this.partials.get(name);
    if (!p) throw new UserError(`include: no partial named "${name}" (partials are files starting with "_")`);
    return p.fn(ctx, { data: o.data as Record<string, unknown> });
  }

  /** Turn a Handlebars or helper error into a UserError naming the template, line and value path. */
  private explain(e: unknown, template: string): UserError {
    if (e instanceof UserError) {
      if (e.where?.file) return e;
      return new UserError(e.message, { file: template, ...e.where }, { cause: e });
    }
    const idx = this.indexOf(template);
    if (e instanceof MissingArgument) {
      const loc = e.loc?.start;
      const arg = loc ? idx?.calls.get(`${loc.line}:${loc.column}`)?.[e.index] : undefined;
      return new UserError(`missing value${arg ? ` "${arg}"` : ''} passed to ${e.helper}`, { file: template, ...(loc ? { line: loc.line } : {}) });
    }
    const err = e as { message?: string; lineNumber?: number; column?: number };
    const m = /^"([^"]+)" not defined in/.exec(err.message ?? '');
    if (m && err.lineNumber !== undefined) {
      const src = idx?.paths.get(`${err.lineNumber}:${err.column}`);
      return new UserError(`missing value "${src ?? m[1]}" ("${m[1]}" is not defined)`, { file: template, line: err.lineNumber });
    }
    const msg = (err.message ?? String(e)).replace(/ - \d+:\d+$/, '');
    return new UserError(`template failed: ${msg}`, { file: template, ...(err.lineNumber ? { line: err.lineNumber } : {}) }, { cause: e });
  }
}

/** Parse errors from Handlebars quote the source; keep only the line and what was expected. */
function syntaxError(e: unknown, path: string): UserError {
  const msg = (e as Error).message ?? String(e);
  const line = /line (\d+)/.exec(msg)?.[1];
  const expecting = msg.split('\n').filter((l) => /^Expecting|^Unexpected|doesn't match/.test(l) || /doesn't match/.test(l));
  const reason = expecting.length ? expecting[expecting.length - 1]!.replace(/, got/, ', found') : msg.split('\n')[0]!;
  return new UserError(`template syntax error: ${reason}`, { file: path, ...(line ? { line: Number(line) } : {}) });
}

/** The `__emit` helper: checks what a `{{…}}` prints. */
function emit(value: unknown, options: HelperOptions): string {
  const hash = options.hash as { src: string; line: number; file: string };
  if (value instanceof Produced) return value.text;
  if (value === undefined) {
    throw new UserError(`missing value "${hash.src}"`, { file: hash.file, line: hash.line });
  }
  if (value === null) return '';
  if (typeof value === 'object') {
    throw new UserError(
      `"${hash.src}" is a ${Array.isArray(value) ? 'list' : 'map'}; print it with {{nindent N (toYaml ${hash.src})}} or {{toJson ${hash.src}}}`,
      { file: hash.file, line: hash.line },
    );
  }
  const text = String(value);
  if (typeof value === 'string' && /[\r\n]/.test(text)) {
    throw new UserError(
      `"${hash.src}" is a multi-line string; printed raw it could inject YAML: use {{quote ${hash.src}}} or {{nindent N (toYaml ${hash.src})}}`,
      { file: hash.file, line: hash.line },
    );
  }
  if (typeof value === 'string' && RAW_UNSAFE.test(text)) {
    throw new UserError(
      `"${hash.src}" printed raw would change the YAML around it (it starts with a YAML indicator or holds ": " or " #", which start a mapping or a comment); use {{quote ${hash.src}}}`,
      { file: hash.file, line: hash.line },
    );
  }
  return text;
}

/**
 * The `__path` helper: `a.b.c` used as a helper argument. Handlebars' strict mode checks only printed paths
 * and dereferences argument paths blindly (a TypeError when `a` is missing); this reads own properties only
 * and names the whole path when a step before the last is missing. A missing last step is `undefined`, so
 * `{{#if values.ingress.enabled}}` and `default` keep working.
 */
function lookupPath(head: unknown, ...rest: unknown[]): unknown {
  const options = rest.pop() as HelperOptions;
  const { src, line, file } = options.hash as { src: string; line: number; file: string };
  let cur = head;
  for (let i = 0; i < rest.length; i++) {
    if (cur === undefined || cur === null || typeof cur !== 'object') {
      const missing = src.split('.').slice(0, src.split('.').length - rest.length + i).join('.');
      throw new UserError(`missing value "${src}" ("${missing}" is ${cur === null ? 'null' : cur === undefined ? 'not defined' : 'not a map'})`, { file, line });
    }
    const key = String(rest[i]);
    cur = Object.hasOwn(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
  }
  // A value handed to a helper (`{{required "…" values.image.tag}}`) may still end up in the output: record it
  // for tracing rendered text back to the values file that set it.
  const state = options.data?.strata as RenderState | undefined;
  const m = state && cur !== undefined && cur !== null ? /^(?:@root\.)?values\.(.+)$/.exec(src) : null;
  if (m) state!.emitted.push({ template: state!.template, valuePath: '.' + m[1], value: cur as Value });
  return cur;
}

// A single-line string that, printed raw, would not stay one plain scalar: a comment (` #`), a mapping
// (`: `, a trailing `:`), an anchor/alias/tag/block/flow indicator at the start, or edge whitespace YAML trims.
const RAW_UNSAFE = /^[#&*!|>%@`{[]|^[-?:](?:\s|$)| #|: |:$|^\s|\s$/;

const KNOWN_HELPERS = new Set([...HELPER_NAMES, 'lookup', 'log', 'if', 'unless', 'each', 'with', 'blockHelperMissing', 'helperMissing']);

/** Rewrites `{{expr}}` into `{{__emit expr src="…" line=N file="…"}}` and indexes path expressions. */
class EmitRewriter extends Handlebars.Visitor {
  constructor(
    private readonly file: string,
    private readonly index: PathIndex,
  ) {
    super();
    (this as unknown as { mutating: boolean }).mutating = true;
  }

  override PathExpression(path: hbs.AST.PathExpression): void {
    const s = path.loc?.start;
    if (s) this.index.paths.set(`${s.line}:${s.column}`, path.original);
  }

  override SubExpression(sexpr: hbs.AST.SubExpression): void {
    this.indexCall(sexpr);
    super.SubExpression(sexpr);
    this.makeSafe(sexpr);
  }

  override BlockStatement(block: hbs.AST.BlockStatement): void {
    this.indexCall(block);
    super.BlockStatement(block);
    this.makeSafe(block);
  }

  /** Replace multi-step path arguments (`values.a.b`) with `(__path values "a" "b" …)`. */
  private makeSafe(node: { params: hbs.AST.Expression[]; hash?: hbs.AST.Hash }): void {
    node.params = node.params.map((p) => this.safe(p));
    for (const pair of node.hash?.pairs ?? []) pair.value = this.safe(pair.value);
  }

  private safe(e: hbs.AST.Expression): hbs.AST.Expression {
    if (e.type !== 'PathExpression') return e;
    const path = e as hbs.AST.PathExpression;
    if (path.parts.length < 2) return path;
    const loc = path.loc;
    const head = { ...path, parts: [path.parts[0]!], original: path.parts[0]! } as hbs.AST.PathExpression;
    return {
      type: 'SubExpression',
      path: helperPath('__path', loc),
      params: [head, ...path.parts.slice(1).map((part) => stringLiteral(part, loc))],
      hash: this.whereHash(path.original, loc),
      loc,
    } as hbs.AST.SubExpression;
  }

  /** `src="…" line=N file="…"`: what `__emit` and `__path` name in their errors. */
  private whereHash(src: string, loc: hbs.AST.SourceLocation): hbs.AST.Hash {
    const pair = (key: string, value: hbs.AST.Expression): hbs.AST.HashPair => ({ type: 'HashPair', key, value, loc });
    const line = { type: 'NumberLiteral', value: loc.start.line, original: loc.start.line, loc } as hbs.AST.NumberLiteral;
    return { type: 'Hash', loc, pairs: [pair('src', stringLiteral(src, loc)), pair('line', line), pair('file', stringLiteral(this.file, loc))] };
  }

  private indexCall(node: { loc: hbs.AST.SourceLocation; params: hbs.AST.Expression[] }): void {
    const s = node.loc?.start;
    if (s) this.index.calls.set(`${s.line}:${s.column}`, node.params.map(sourceOf));
  }

  override MustacheStatement(m: hbs.AST.MustacheStatement): hbs.AST.MustacheStatement | void {
    this.indexCall(m);
    super.MustacheStatement(m);
    if (m.path.type !== 'PathExpression') return;
    const path = m.path as hbs.AST.PathExpression;
    const name = path.original;
    if (name === '__emit' || name === 'log') return;
    const isCall = m.params.length > 0 || (m.hash && m.hash.pairs.length > 0) || (path.parts.length === 1 && KNOWN_HELPERS.has(name) && !path.data);
    const loc = m.loc;
    let arg: hbs.AST.Expression;
    if (isCall) {
      const call = { type: 'SubExpression', path, params: m.params, hash: m.hash, loc } as hbs.AST.SubExpression;
      this.makeSafe(call);
      arg = call;
    } else arg = this.safe(path);
    return {
      type: 'MustacheStatement',
      path: helperPath('__emit', loc),
      params: [arg],
      hash: this.whereHash(isCall ? `${name} …` : name, loc),
      escaped: m.escaped,
      strip: m.strip,
      loc,
    } as hbs.AST.MustacheStatement;
  }
}

function stringLiteral(value: string, loc: hbs.AST.SourceLocation): hbs.AST.StringLiteral {
  return { type: 'StringLiteral', value, original: value, loc };
}

function helperPath(name: string, loc: hbs.AST.SourceLocation): hbs.AST.PathExpression {
  return { type: 'PathExpression', data: false, depth: 0, parts: [name], original: name, loc } as hbs.AST.PathExpression;
}

function sourceOf(e: hbs.AST.Expression): string {
  if (e.type === 'PathExpression') return (e as hbs.AST.PathExpression).original;
  if (e.type === 'SubExpression') return `(${sourceOf((e as hbs.AST.SubExpression).path)} …)`;
  return String((e as hbs.AST.StringLiteral).original);
}

/** Compiled template sets by folder, rebuilt when any file's content changes. */
export class TemplateCache {
  private readonly sets = new Map<string, { key: string; set: TemplateSet }>();

  /** `immutable`: files do not change during this process (a CLI run), so a hit by folder skips reading. */
  constructor(
    private readonly immutable = false,
    private readonly store?: CompiledStore,
  ) {}

  load(fs: ReadOnlyFs, dir: string): TemplateSet {
    if (this.immutable) {
      const hit = this.sets.get(dir);
      if (hit) return hit.set;
    }
    const files = listTemplateFiles(fs, dir);
    const sources = new Map<string, string>();
    for (const f of files) sources.set(f.path, decodeUtf8(fs.readFile(f.path), f.path));
    const key = files.map((f) => `${f.path}\u0000${sources.get(f.path)}`).join('\u0001');
    const hit = this.sets.get(dir);
    if (hit && hit.key === key) return hit.set;
    const set = new TemplateSet(files, sources, this.store);
    this.sets.set(dir, { key, set });
    return set;
  }
}
