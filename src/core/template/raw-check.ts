import { isDeepStrictEqual } from 'node:util';
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

/**
 * The first raw span that does not read back as itself inside one scalar (or a comment), nor, for JSON a
 * helper printed, as exactly one complete node equal to the data it encodes; if any.
 */
export function firstUnsafeSpan(text: string, spans: readonly RawSpan[]): RawSpan | undefined {
  if (spans.length === 0) return undefined;
  const tokens = scalarTokens(text);
  let nodes: Map<string, unknown> | undefined;
  let t = 0;
  for (const span of spans) {
    while (t < tokens.length && tokens[t].end < span.end) t++;
    const tok = tokens[t];
    // Tokens never overlap, so the only candidate is the first one ending at or after the span.
    if (tok && tok.start <= span.start && readsBack(text.slice(span.start, span.end), tok.kind)) continue;
    if (!JSON_HELPERS.has(span.src.split(' ')[0])) return span;
    nodes ??= completeNodes(text);
    if (!readsBackAsJson(text.slice(span.start, span.end), nodes.get(`${span.start}:${span.end}`))) return span;
  }
  return undefined;
}

// `data: {{toJson values.m}}` (a Helm idiom) prints a flow mapping: not one scalar, yet safe when the parser
// reads the printed text as exactly one node, spanning exactly what was printed, whose data is what the JSON
// encodes. The structure around it cannot change (a node boundary is where the span starts and ends), and
// nothing YAML adds to JSON (a tag, an anchor, a merge key, a comment) can be in it unnoticed: the equality
// would fail. Only for the helpers whose output is JSON by construction (core/helpers/encoding.ts); a string
// value that merely looks like JSON is still held to the one-scalar rule (its quotes would vanish).
const JSON_HELPERS: ReadonlySet<string> = new Set(['toJson', 'toRawJson']);

/** Every node of the stream by `start:end` of its source text; empty when the stream has any error. */
function completeNodes(text: string): Map<string, unknown> {
  const { parseAllDocuments, visit, isNode } = require('yaml') as typeof import('yaml');
  const out = new Map<string, unknown>();
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return out; // an empty stream
  for (const doc of docs) {
    if (doc.errors.length) return new Map();
    visit(doc, (_key, node) => {
      if (isNode(node) && node.range)
        out.set(`${node.range[0]}:${node.range[1]}`, node.toJS(doc, { maxAliasCount: 0 }));
    });
  }
  return out;
}

function readsBackAsJson(printed: string, node: unknown): boolean {
  if (node === undefined) return false;
  let data: unknown;
  try {
    data = JSON.parse(printed);
  } catch {
    return false;
  }
  return isDeepStrictEqual(data, node);
}

/** Inside a token of this kind, does the span's text stay verbatim? */
function readsBack(s: string, kind: Kind): boolean {
  if (kind === 'double') return !/["\\]/.test(s);
  if (kind === 'single') return !s.includes("'");
  return true;
}

export function rawOutputError(span: RawSpan): UserError {
  const q = span.src.includes(' ') ? `(${span.src.replace(/ …$/, ' …')})` : span.src;
  return new UserError(
    `"${span.src}" printed raw would change the YAML around it (the parser does not read it back as one scalar equal to the value); use {{quote ${q}}}`,
    {
      file: span.file,
      line: span.line,
    },
  );
}
