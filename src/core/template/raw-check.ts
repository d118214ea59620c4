import { UserError } from '../errors.js';
import type { RawSpan } from './line-map.js';

// Raw output never changes the YAML around it (docs/security.md §3, docs/templates.md "Raw values"). The rule is
// decided by what the YAML parser does with the rendered text, not by a list of characters: a string printed
// raw must land inside exactly one scalar token and read back verbatim there (inside a comment it is inert).
// So `{ name: {{v}} }` with `web, namespace: x`, `[ {{v}} ]` with a comma, `keep<TAB>#dropped`, a raw `---`
// or `...` line, an anchor, alias or tag, trailing blanks YAML trims, and quotes or escapes that vanish in a
// quoted scalar all fail, with a one-line error at the template line that suggests `quote` (never the value).

// The lexer's control tokens are not part of the text.
const DOC_MODE = '\u0002';
const FLOW_ERROR_END = '\u0018';
const SCALAR = '\u001f';

type Kind = 'plain' | 'block' | 'double' | 'single' | 'comment';

interface Token {
  start: number;
  end: number;
  kind: Kind;
}

/** The scalar and comment tokens of a YAML stream, with their offsets, in order. */
export function scalarTokens(text: string): Token[] {
  const out: Token[] = [];
  let offset = 0;
  let scalarNext = false;
  let blockNext = false;
  // Loaded on first use: most renders never need the check, and cold start counts inside Argo CD.
  const { Lexer } = require('yaml') as typeof import('yaml');
  for (const tok of new Lexer().lex(text)) {
    if (tok === DOC_MODE || tok === FLOW_ERROR_END) continue;
    if (tok === SCALAR) {
      scalarNext = true;
      continue;
    }
    const start = offset;
    offset += tok.length;
    if (scalarNext) {
      out.push({ start, end: offset, kind: blockNext ? 'block' : 'plain' });
      scalarNext = blockNext = false;
    } else if (tok[0] === '"') out.push({ start, end: offset, kind: 'double' });
    else if (tok[0] === "'") out.push({ start, end: offset, kind: 'single' });
    else if (tok[0] === '#') out.push({ start, end: offset, kind: 'comment' });
    else if (tok[0] === '|' || tok[0] === '>') blockNext = true;
  }
  return out;
}

/** The first raw span that does not read back as itself inside one scalar (or a comment), if any. */
export function firstUnsafeSpan(text: string, spans: readonly RawSpan[]): RawSpan | undefined {
  if (spans.length === 0) return undefined;
  const tokens = scalarTokens(text);
  let t = 0;
  for (const span of spans) {
    while (t < tokens.length && tokens[t].end < span.end) t++;
    const tok = tokens[t];
    // Tokens never overlap, so the only candidate is the first one ending at or after the span.
    if (!tok || tok.start > span.start || !readsBack(text.slice(span.start, span.end), tok.kind)) return span;
  }
  return undefined;
}

/** Inside a token of this kind, does the span's text stay verbatim? */
function readsBack(s: string, kind: Kind): boolean {
  if (kind === 'double') return !/["\\]/.test(s);
  if (kind === 'single') return !s.includes("'");
  return true;
}

export function rawOutputError(span: RawSpan): UserError {
  const q = span.src.includes(' ') ? `(${span.src.replace(/ …$/, ' …')})` : span.src;
  return new UserError(`"${span.src}" printed raw would change the YAML around it (the parser does not read it back as one scalar equal to the value); use {{quote ${q}}}`, {
    file: span.file,
    line: span.line,
  });
}
