import Handlebars from 'handlebars';
import { UserError } from '../errors.js';
import { closestNames } from './suggest.js';
import { goKeywordError } from './go-syntax.js';
import { lineMarker } from './line-map.js';
import type { PathIndex } from './types.js';

// The AST rewrite every template goes through (docs/templates.md):
// - `{{expr}}` becomes `{{__emit expr src="…" line=N file="…"}}`, so a missing value, a map, a multi-line or a
//   YAML-changing string printed raw is an error naming the template, the line and the value path;
// - a multi-step path handed to a helper (`values.a.b`) becomes `(__path values "a" "b" …)`, which reads own
//   properties only and names the missing step;
// - a call of a helper that does not exist is an error here, at compile time, with the closest known names;
// - in `lines` mode (an error path only), literal text carries markers of its template line (line-map.ts).

export interface RewriteOptions {
  file: string;
  index: PathIndex;
  /** Every helper name the engine registers: a call of anything else is "unknown helper". */
  helpers: ReadonlySet<string>;
  lines?: boolean;
}

// Go template keywords that Handlebars would parse as a call or a value lookup.
const GO_KEYWORDS = new Set(['define', 'range', 'end', 'template', 'block']);

/** Rewrite a parsed template in place (see above). */
export function rewrite(ast: hbs.AST.Program, o: RewriteOptions): hbs.AST.Program {
  new EmitRewriter(o).accept(ast);
  return ast;
}

class EmitRewriter extends Handlebars.Visitor {
  constructor(private readonly o: RewriteOptions) {
    super();
    (this as unknown as { mutating: boolean }).mutating = true;
  }

  override PathExpression(path: hbs.AST.PathExpression): void {
    const s = path.loc?.start;
    if (s) this.o.index.paths.set(`${s.line}:${s.column}`, path.original);
  }

  override ContentStatement(content: hbs.AST.ContentStatement): void {
    if (!this.o.lines || content.value === '') return;
    // Handlebars strips standalone lines and `~` whitespace from `value` but keeps `original`: the value starts
    // where it is found in the original, so its first line is the statement's line plus the newlines before it.
    const original = String((content as unknown as { original: string }).original);
    const skipped = Math.max(0, original.indexOf(content.value));
    let line = content.loc.start.line + countNewlines(original, skipped);
    const file = this.o.file;
    content.value = lineMarker(file, line) + content.value.replace(/\n/g, () => '\n' + lineMarker(file, ++line));
  }

  override SubExpression(sexpr: hbs.AST.SubExpression): void {
    this.checkCall(sexpr, true);
    this.indexCall(sexpr);
    super.SubExpression(sexpr);
    this.makeSafe(sexpr);
  }

  override BlockStatement(block: hbs.AST.BlockStatement): void {
    this.checkCall(block, block.params.length > 0 || (block.hash?.pairs.length ?? 0) > 0);
    this.indexCall(block);
    super.BlockStatement(block);
    this.makeSafe(block);
  }

  /** A call of a helper that does not exist fails here, naming the closest known helpers. */
  private checkCall(node: { path: hbs.AST.Expression; loc: hbs.AST.SourceLocation }, isCall: boolean): void {
    if (node.path.type !== 'PathExpression') return;
    const path = node.path as hbs.AST.PathExpression;
    const name = path.original;
    if (GO_KEYWORDS.has(name)) throw goKeywordError(name, this.o.file, node.loc.start.line);
    if (!isCall || path.data || path.parts.length !== 1 || this.o.helpers.has(name)) return;
    const near = closestNames(name, this.o.helpers);
    throw new UserError(
      `unknown helper "${name}"${near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(', ')}?)` : ''}; helpers are listed in docs/helpers.md`,
      {
        file: this.o.file,
        line: node.loc.start.line,
      },
    );
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
    const head = { ...path, parts: [path.parts[0]], original: path.parts[0] } as hbs.AST.PathExpression;
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
    const line = {
      type: 'NumberLiteral',
      value: loc.start.line,
      original: loc.start.line,
      loc,
    } as hbs.AST.NumberLiteral;
    return {
      type: 'Hash',
      loc,
      pairs: [pair('src', stringLiteral(src, loc)), pair('line', line), pair('file', stringLiteral(this.o.file, loc))],
    };
  }

  private indexCall(node: { loc: hbs.AST.SourceLocation; params: hbs.AST.Expression[] }): void {
    const s = node.loc?.start;
    if (s) this.o.index.calls.set(`${s.line}:${s.column}`, node.params.map(sourceOf));
  }

  override MustacheStatement(m: hbs.AST.MustacheStatement): hbs.AST.MustacheStatement | void {
    const hasArgs = m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0;
    this.checkCall(m, hasArgs);
    this.indexCall(m);
    super.MustacheStatement(m);
    if (m.path.type !== 'PathExpression') return;
    const path = m.path as hbs.AST.PathExpression;
    const name = path.original;
    if (name === '__emit' || name === 'log') return;
    const isCall = hasArgs || (path.parts.length === 1 && this.o.helpers.has(name) && !path.data);
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
    };
  }
}

function countNewlines(s: string, end: number): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0 && i < end; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function stringLiteral(value: string, loc: hbs.AST.SourceLocation): hbs.AST.StringLiteral {
  return { type: 'StringLiteral', value, original: value, loc };
}

function helperPath(name: string, loc: hbs.AST.SourceLocation): hbs.AST.PathExpression {
  return { type: 'PathExpression', data: false, depth: 0, parts: [name], original: name, loc };
}

function sourceOf(e: hbs.AST.Expression): string {
  if (e.type === 'PathExpression') return (e as hbs.AST.PathExpression).original;
  if (e.type === 'SubExpression') return `(${sourceOf((e as hbs.AST.SubExpression).path)} …)`;
  return String((e as hbs.AST.StringLiteral).original);
}
