// A recursive-descent parser for Go text/template, producing the tree in ast.ts. Grammar and checks follow
// Go's text/template/parse (parse.go): `else if`/`else with` chains, `range` with one or two variables,
// `define` only at the top level, `break`/`continue` only inside `range`, variables must be declared before
// use, and a `block` is a `define` plus a `template` call at the same place.

import type {
  CommandNode,
  DefineNode,
  IfNode,
  Node,
  Operand,
  ParsedFile,
  PipeNode,
  RangeNode,
  TemplateNode,
  WithNode,
} from './ast.js';
import { GoTemplateError, lex, type Tok } from './lexer.js';

export { GoTemplateError } from './lexer.js';

/** Parse one template file. Throws GoTemplateError (with a line) on a syntax error. */
export function parseGoTemplate(src: string): ParsedFile {
  return new Parser(lex(src)).file();
}

type Stop = 'end' | 'else' | 'eof';

class Parser {
  private i = 0;
  private readonly defines: DefineNode[] = [];
  /** Declared variables, innermost scope last; `$` is always declared. */
  private vars: string[][] = [['']];
  private rangeDepth = 0;

  constructor(private readonly toks: Tok[]) {}

  file(): ParsedFile {
    const { list, stop } = this.list(true);
    if (stop.kind !== 'eof') throw new GoTemplateError(`unexpected {{${stop.word}}}`, stop.line);
    return { list, defines: this.defines };
  }

  private peek(k = 0): Tok {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }

  private next(): Tok {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }

  private expect(kind: Tok['kind'], what: string): Tok {
    const t = this.next();
    if (t.kind !== kind) throw new GoTemplateError(`expected ${what}, found ${describe(t)}`, t.line);
    return t;
  }

  /** Nodes up to `{{end}}`, `{{else}}` or the end of the file; the stopping tag is consumed up to its keyword. */
  private list(top = false): { list: Node[]; stop: { kind: Stop; word: string; line: number } } {
    const list: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return { list, stop: { kind: 'eof', word: '', line: t.line } };
      if (t.kind === 'text') {
        this.next();
        list.push({ type: 'text', text: t.text, line: t.line });
        continue;
      }
      if (t.kind === 'comment') {
        this.next();
        list.push({ type: 'comment', text: t.text, line: t.line, trim: { left: t.trim![0], right: t.trim![1] } });
        continue;
      }
      // An action.
      const open = this.expect('open', 'an action');
      const kw = this.peek();
      if (kw.kind === 'keyword') {
        switch (kw.text) {
          case 'end':
          case 'else':
            this.next();
            return { list, stop: { kind: kw.text, word: kw.text, line: kw.line } };
          case 'if':
          case 'with':
          case 'range':
            this.next();
            list.push(this.control(kw.text, open.line));
            continue;
          case 'define': {
            this.next();
            if (!top)
              throw new GoTemplateError(
                'unexpected {{define}}: define is only allowed at the top level of a file',
                kw.line,
              );
            const name = this.stringArg('define');
            this.expect('close', '"}}" after the define name');
            this.defines.push(this.body('define', name, open.line));
            continue;
          }
          case 'block': {
            this.next();
            const name = this.stringArg('block');
            const pipe = this.pipeline('block', 'close');
            this.next();
            this.defines.push(this.body('block', name, open.line));
            list.push({ type: 'template', name, pipe, block: true, line: open.line });
            continue;
          }
          case 'template': {
            this.next();
            const name = this.stringArg('template');
            let pipe: PipeNode | undefined;
            if (this.peek().kind !== 'close') pipe = this.pipeline('template', 'close');
            this.expect('close', '"}}"');
            list.push({ type: 'template', name, ...(pipe ? { pipe } : {}), line: open.line } satisfies TemplateNode);
            continue;
          }
          case 'break':
          case 'continue': {
            this.next();
            if (this.rangeDepth === 0) throw new GoTemplateError(`{{${kw.text}}} outside {{range}}`, kw.line);
            this.expect('close', `"}}" after ${kw.text}`);
            list.push({ type: kw.text, line: open.line });
            continue;
          }
        }
      }
      const pipe = this.pipeline('command', 'close');
      const close = this.next();
      list.push({ type: 'action', pipe, line: open.line, trim: { left: open.trim![0], right: close.trim![1] } });
    }
  }

  private stringArg(what: string): string {
    const t = this.next();
    if (t.kind !== 'string') throw new GoTemplateError(`${what}: expected a quoted template name`, t.line);
    return unquote(t.text, t.line);
  }

  /** The body of a define or block up to its `{{end}}`, with a fresh variable scope. */
  private body(what: string, name: string, line: number): DefineNode {
    const saved = this.vars;
    const savedRange = this.rangeDepth;
    this.vars = [['']];
    this.rangeDepth = 0;
    const { list, stop } = this.list();
    if (stop.kind !== 'end')
      throw new GoTemplateError(
        stop.kind === 'eof' ? `unclosed {{${what}}} (opened at line ${line})` : `unexpected {{else}} in ${what}`,
        stop.line,
      );
    this.expect('close', '"}}" after end');
    this.vars = saved;
    this.rangeDepth = savedRange;
    return { type: 'define', name, list, line };
  }

  /** `if`, `with`, `range` after the keyword: pipeline, body, optional else branch, end. */
  private control(kind: 'if' | 'with' | 'range', line: number): IfNode | WithNode | RangeNode {
    this.vars.push([]);
    const pipe = this.pipeline(kind, 'close');
    this.next();
    if (kind === 'range') this.rangeDepth++;
    const body = this.list();
    if (kind === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    const elseChained = false;
    let stop = body.stop;
    if (stop.kind === 'else') {
      const after = this.peek();
      if (
        (kind === 'if' && after.kind === 'keyword' && after.text === 'if') ||
        (kind === 'with' && after.kind === 'keyword' && after.text === 'with')
      ) {
        // `{{else if …}}`: an if (or with) nested in the else branch, sharing this one's {{end}}.
        this.next();
        const inner = this.control(kind, after.line);
        this.vars.pop();
        return { type: kind, pipe, list: body.list, elseList: [inner], elseChained: true, line };
      }
      this.expect('close', '"}}" after else');
      const rest = this.list();
      elseList = rest.list;
      stop = rest.stop;
      if (stop.kind === 'else')
        throw new GoTemplateError(`{{else}} after {{else}} in {{${kind}}} (opened at line ${line})`, stop.line);
    }
    if (stop.kind !== 'end') throw new GoTemplateError(`unclosed {{${kind}}} (opened at line ${line})`, stop.line);
    this.expect('close', '"}}" after end');
    this.vars.pop();
    const node = { type: kind, pipe, list: body.list, ...(elseList ? { elseList } : {}), line };
    return elseChained ? { ...node, elseChained } : node;
  }

  /** A pipeline up to `end` (a `close` or `)` token, not consumed). */
  private pipeline(context: string, end: 'close' | ')'): PipeNode {
    const line = this.peek().line;
    const decl: string[] = [];
    let isAssign = false;
    // Declarations: `$x :=`, `$x =`, and in range `$i, $v :=`.
    if (this.peek().kind === 'variable') {
      const k1 = this.peek(1).kind;
      if (k1 === ':=' || k1 === '=' || k1 === ',') {
        const v = this.next();
        decl.push(v.text.slice(1));
        if (this.peek().kind === ',') {
          this.next();
          const v2 = this.expect('variable', 'a variable after ","');
          decl.push(v2.text.slice(1));
          if (this.peek().kind !== ':=' && this.peek().kind !== '=')
            throw new GoTemplateError('expected := or = after the range variables', v2.line);
        }
        const op = this.next();
        isAssign = op.kind === '=';
        if (decl.length > 1 && context !== 'range') throw new GoTemplateError('too many declarations', line);
        if (isAssign) for (const d of decl) this.checkVar(d, v.line);
        else this.vars[this.vars.length - 1].push(...decl);
      }
    }
    const cmds: CommandNode[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === end || t.kind === 'eof' || (end === ')' && t.kind === 'close')) break;
      cmds.push(this.command());
      if (this.peek().kind === '|') {
        const bar = this.next();
        const after = this.peek();
        if (after.kind === end || after.kind === 'close' || after.kind === '|')
          throw new GoTemplateError('missing command after |', bar.line);
      }
    }
    const t = this.peek();
    if (t.kind !== end)
      throw new GoTemplateError(
        t.kind === 'eof' ? 'unclosed action' : end === ')' ? 'unclosed left paren' : `unexpected ${describe(t)}`,
        t.line,
      );
    if (cmds.length === 0) throw new GoTemplateError(`missing value for ${context}`, line);
    // A declaration's variable is visible only after the declaration.
    return { type: 'pipe', decl, isAssign, cmds, line };
  }

  private command(): CommandNode {
    const line = this.peek().line;
    const args: Operand[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === '|' || t.kind === 'close' || t.kind === ')' || t.kind === 'eof') break;
      if (args.length > 0 && !t.spaced && t.kind !== 'field')
        throw new GoTemplateError(`missing space before ${describe(t)}`, t.line);
      args.push(this.operand());
    }
    if (args.length === 0) throw new GoTemplateError('empty command', line);
    return { type: 'command', args, line };
  }

  private operand(): Operand {
    const t = this.next();
    let node: Operand;
    switch (t.kind) {
      case 'field': {
        const path = [t.text.slice(1)];
        while (this.peek().kind === 'field' && !this.peek().spaced) path.push(this.next().text.slice(1));
        return { type: 'field', path, line: t.line };
      }
      case 'variable': {
        const name = t.text.slice(1);
        this.checkVar(name, t.line);
        const path: string[] = [];
        while (this.peek().kind === 'field' && !this.peek().spaced) path.push(this.next().text.slice(1));
        return { type: 'variable', name, path, line: t.line };
      }
      case 'dot':
        node = { type: 'dot', line: t.line };
        break;
      case 'identifier':
        node = { type: 'identifier', name: t.text, line: t.line };
        break;
      case 'string':
        node = { type: 'string', value: unquote(t.text, t.line), line: t.line };
        break;
      case 'char':
        node = { type: 'number', value: charValue(t.text, t.line), text: t.text, line: t.line };
        break;
      case 'number':
        node = { type: 'number', value: numberValue(t.text, t.line), text: t.text, line: t.line };
        break;
      case 'bool':
        node = { type: 'bool', value: t.text === 'true', line: t.line };
        break;
      case 'nil':
        node = { type: 'nil', line: t.line };
        break;
      case '(': {
        const pipe = this.pipeline('parenthesized pipeline', ')');
        this.next();
        node = pipe;
        break;
      }
      default:
        throw new GoTemplateError(`unexpected ${describe(t)} in operand`, t.line);
    }
    // `(x).Field.Other`, `.` cannot be chained (`..A` is not Go).
    if (this.peek().kind === 'field' && !this.peek().spaced) {
      if (node.type === 'dot') throw new GoTemplateError('unexpected . after term', t.line);
      const path: string[] = [];
      while (this.peek().kind === 'field' && !this.peek().spaced) path.push(this.next().text.slice(1));
      if (node.type === 'bool' || node.type === 'string' || node.type === 'number' || node.type === 'nil') {
        throw new GoTemplateError(`unexpected field on a ${node.type === 'nil' ? 'nil' : node.type} constant`, t.line);
      }
      node = { type: 'chain', node, path, line: t.line };
    }
    return node;
  }

  private checkVar(name: string, line: number): void {
    if (!this.vars.some((s) => s.includes(name))) throw new GoTemplateError(`undefined variable "$${name}"`, line);
  }
}

function describe(t: Tok): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'close':
      return '"}}"';
    case 'keyword':
      return `keyword "${t.text}"`;
    case 'string':
      return 'a string';
    case 'number':
    case 'char':
      return 'a number';
    default:
      return `"${t.kind === 'text' ? 'text' : t.text}"`;
  }
}

/** Decode a Go string literal (interpreted `"…"` or raw `` `…` ``), as strconv.Unquote does. */
export function unquote(lit: string, line: number): string {
  if (lit.startsWith('`')) return lit.slice(1, -1).replace(/\r/g, '');
  return unescape(lit.slice(1, -1), '"', line);
}

function unescape(body: string, quote: string, line: number): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
    };
    if (e in simple) out += simple[e];
    else if (e === quote) out += quote;
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new GoTemplateError('invalid escape in string', line);
      const code = parseInt(hex, 16);
      if (e !== 'x' && (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)))
        throw new GoTemplateError('invalid escape in string', line);
      out += e === 'x' ? String.fromCharCode(code) : String.fromCodePoint(code);
      i += n;
    } else if (e !== undefined && /[0-7]/.test(e)) {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255)
        throw new GoTemplateError('invalid escape in string', line);
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else throw new GoTemplateError('invalid escape in string', line);
  }
  return out;
}

function charValue(lit: string, line: number): number {
  const s = unescape(lit.slice(1, -1), "'", line);
  const cp = s.codePointAt(0);
  if (cp === undefined || String.fromCodePoint(cp) !== s)
    throw new GoTemplateError('malformed character constant', line);
  return cp;
}

/** A Go number literal's value (ints in any base, floats, `_` separators); imaginary numbers are refused. */
function numberValue(lit: string, line: number): number {
  const bad = (): never => {
    throw new GoTemplateError('bad number syntax', line);
  };
  if (lit.endsWith('i')) throw new GoTemplateError('complex numbers are not supported', line);
  let s = lit;
  let sign = 1;
  if (s[0] === '+' || s[0] === '-') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (/__|^_|_$/.test(s)) bad();
  const digits = s.replace(/_/g, '');
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(digits)) v = parseInt(digits.slice(2), 16);
  else if (/^0[bB][01]+$/.test(digits)) v = parseInt(digits.slice(2), 2);
  else if (/^0[oO][0-7]+$/.test(digits)) v = parseInt(digits.slice(2), 8);
  else if (/^0[0-7]+$/.test(digits)) v = parseInt(digits.slice(1), 8);
  else if (/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(digits) && !/^0[0-9]+$/.test(digits))
    v = Number(digits);
  else return bad();
  if (!Number.isFinite(v)) bad();
  return sign * v;
}
