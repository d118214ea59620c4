// A lexer for Go text/template source, written from the language's documentation (pkg.go.dev/text/template)
// and the behaviour of Go's own lexer (src/text/template/parse/lex.go): delimiters `{{ }}`, trim markers
// `{{- ` and ` -}}` (the marker must touch the delimiter and be followed/preceded by a space), comments
// `{{/* */}}` that must close right at the delimiter, and the tokens inside actions.

export type TokKind =
  | 'text'
  | 'open'
  | 'close'
  | 'comment'
  | '('
  | ')'
  | '|'
  | ':='
  | '='
  | ','
  | 'string'
  | 'number'
  | 'char'
  | 'bool'
  | 'nil'
  | 'keyword'
  | 'identifier'
  | 'field'
  | 'variable'
  | 'dot'
  | 'eof';

export interface Tok {
  readonly kind: TokKind;
  /** The token's source text (for `text`: the text after trimming; for `comment`: the comment's body). */
  readonly text: string;
  readonly line: number;
  /** Whitespace came right before this token inside the action. */
  readonly spaced: boolean;
  /** `open`: `{{-`; `close`: `-}}`; `comment`: both markers as [left, right]. */
  readonly trim?: readonly [boolean, boolean];
}

export const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);

/** A lexing or parsing error at a line of the template; the message never quotes the source. */
export class GoTemplateError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'GoTemplateError';
  }
}

const SPACE = /[ \t\r\n]/;

export function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let trimNext = false;
  const advance = (to: number): void => {
    for (let k = i; k < to; k++) if (src.charCodeAt(k) === 10) line++;
    i = to;
  };
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    const end = open < 0 ? src.length : open;
    let text = src.slice(i, end);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    // `{{- ` trims the text before it.
    const trimLeft = open >= 0 && src[open + 2] === '-' && SPACE.test(src[open + 3] ?? '');
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text) toks.push({ kind: 'text', text, line, spaced: false });
    if (open < 0) {
      advance(src.length);
      break;
    }
    advance(open);
    const startLine = line;
    const p = open + 2 + (trimLeft ? 2 : 0);
    // A comment: `{{/*` … `*/}}`, optionally with trim markers around it.
    const q = p;
    if (src.startsWith('/*', q)) {
      const close = src.indexOf('*/', q + 2);
      if (close < 0) throw new GoTemplateError('unclosed comment', startLine);
      const body = src.slice(q + 2, close);
      let r = close + 2;
      let trimRight = false;
      if (src.startsWith(' -}}', r) || (SPACE.test(src[r] ?? '') && src.startsWith('-}}', r + 1))) {
        trimRight = true;
        r += 4;
      } else if (src.startsWith('}}', r)) r += 2;
      else throw new GoTemplateError('comment ends before closing delimiter', startLine);
      advance(r);
      toks.push({ kind: 'comment', text: body, line: startLine, spaced: false, trim: [trimLeft, trimRight] });
      trimNext = trimRight;
      continue;
    }
    toks.push({ kind: 'open', text: '{{', line: startLine, spaced: false, trim: [trimLeft, false] });
    advance(p);
    // Inside the action.
    let spaced = trimLeft;
    for (;;) {
      if (i >= src.length) throw new GoTemplateError('unclosed action', startLine);
      const c = src[i];
      if (SPACE.test(c)) {
        // ` -}}` closes with a trim marker.
        let j = i;
        while (j < src.length && SPACE.test(src[j])) j++;
        if (src.startsWith('-}}', j)) {
          advance(j + 3);
          toks.push({ kind: 'close', text: '}}', line, spaced: true, trim: [false, true] });
          trimNext = true;
          break;
        }
        advance(j);
        spaced = true;
        continue;
      }
      if (src.startsWith('}}', i)) {
        advance(i + 2);
        toks.push({ kind: 'close', text: '}}', line, spaced, trim: [false, false] });
        break;
      }
      const tokLine = line;
      const push = (kind: TokKind, to: number): void => {
        const text = src.slice(i, to);
        advance(to);
        toks.push({ kind, text, line: tokLine, spaced });
        spaced = false;
      };
      if (c === '(' || c === ')' || c === '|' || c === ',') {
        push(c, i + 1);
        continue;
      }
      if (c === ':') {
        if (src[i + 1] !== '=') throw new GoTemplateError('expected :=', line);
        push(':=', i + 2);
        continue;
      }
      if (c === '=') {
        push('=', i + 1);
        continue;
      }
      if (c === '"') {
        let j = i + 1;
        for (; j < src.length && src[j] !== '"'; j++) {
          if (src[j] === '\\') j++;
          if (src[j] === '\n') throw new GoTemplateError('unterminated quoted string', line);
        }
        if (j >= src.length) throw new GoTemplateError('unterminated quoted string', line);
        push('string', j + 1);
        continue;
      }
      if (c === '`') {
        const j = src.indexOf('`', i + 1);
        if (j < 0) throw new GoTemplateError('unterminated raw quoted string', line);
        push('string', j + 1);
        continue;
      }
      if (c === "'") {
        let j = i + 1;
        for (; j < src.length && src[j] !== "'"; j++) {
          if (src[j] === '\\') j++;
          if (src[j] === '\n') throw new GoTemplateError('unterminated character constant', line);
        }
        if (j >= src.length) throw new GoTemplateError('unterminated character constant', line);
        push('char', j + 1);
        continue;
      }
      if (c === '$') {
        const m = /^\$[\p{L}_0-9]*/u.exec(src.slice(i, i + 256));
        push('variable', i + m![0].length);
        continue;
      }
      if (c === '.') {
        const next = src[i + 1] ?? '';
        if (/[0-9]/.test(next)) {
          push('number', i + numberLength(src, i));
          continue;
        }
        const m = /^\.[\p{L}_][\p{L}_0-9]*/u.exec(src.slice(i, i + 256));
        if (m) push('field', i + m[0].length);
        else push('dot', i + 1);
        continue;
      }
      if (/[0-9]/.test(c) || ((c === '-' || c === '+') && /[0-9.]/.test(src[i + 1] ?? ''))) {
        push('number', i + numberLength(src, i));
        continue;
      }
      const id = /^[\p{L}_][\p{L}_0-9]*/u.exec(src.slice(i, i + 256));
      if (id) {
        const w = id[0];
        const kind: TokKind =
          w === 'true' || w === 'false' ? 'bool' : w === 'nil' ? 'nil' : KEYWORDS.has(w) ? 'keyword' : 'identifier';
        push(kind, i + w.length);
        continue;
      }
      throw new GoTemplateError(
        `unexpected character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} in action`,
        line,
      );
    }
  }
  toks.push({ kind: 'eof', text: '', line, spaced: false });
  return toks;
}

/** The length of a number literal at `i` (Go's lexer accepts a superset and lets the parser reject it). */
function numberLength(src: string, i: number): number {
  const m =
    /^[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?)i?/.exec(
      src.slice(i, i + 128),
    );
  const n = m ? m[0].length : 1;
  // A letter glued to the number (`3x`) makes the whole run one bad number, as in Go.
  let j = i + n;
  while (j < src.length && /[\p{L}_0-9.]/u.test(src[j])) j++;
  return j - i;
}
