import { plainScalar } from '../serialize.js';
import { numberText } from './base.js';
import { Produced } from './base.js';

// `toYaml` under `spec.semantics: helm`: the text Helm's toYaml writes (helm pkg/chart/common/util or
// pkg/engine/funcs.go `toYAML` -> sigs.k8s.io/yaml.Marshal -> gopkg.in/yaml.v2 Marshal, trailing newline
// trimmed), so a ConfigMap holding it, or a checksum annotation over it, is byte-equal to Helm's. Written from
// yaml.v2's rules (encode.go, resolve.go, sorter.go, emitterc.go), not ported:
// - keys sorted by yaml.v2's key order (digits compared as numbers, letters after other characters);
// - a sequence under a mapping key is not indented; an empty map or list is `{}` / `[]`;
// - a string is plain unless it would read back as another type in YAML 1.1 (`yes`, `1_000`, `2001-12-14`,
//   `12:30`...), then double-quoted; text the plain style cannot hold (a leading `-`, `: `, ` #`...) is
//   single-quoted; multi-line text is a literal block (`|`, `|-`, `|+`, `|2`) unless it has a space before a
//   line break, then double-quoted with escapes; characters libyaml does not print (tabs, emoji) force the
//   double-quoted style with escapes;
// - plain and quoted scalars fold at a space past column 80 (libyaml's best_width), keys never.
// Keys over 128 characters (written `? key` by libyaml) are written as simple keys here.

const WIDTH = 80;
const INDENT = 2;

export function toYamlV2(v: unknown): string {
  const out = new Out();
  node(out, v, -1, 'top');
  // yaml.v2 ends the document with a line break, which Helm's toYaml trims: it is never written here.
  return out.text();
}

class Out {
  private parts: string[] = [];
  column = 0;
  /** The last thing written was whitespace (libyaml's `whitespace`: nothing to separate from). */
  whitespace = true;
  indention = true;
  write(s: string): void {
    this.parts.push(s);
    const nl = s.lastIndexOf('\n');
    this.column = nl < 0 ? this.column + [...s].length : [...s.slice(nl + 1)].length;
  }
  newline(): void {
    this.write('\n');
    this.whitespace = true;
    this.indention = true;
  }
  /** libyaml's write_indent: a new line (unless already at the indent on a fresh line), then spaces. */
  indent(n: number): void {
    const at = Math.max(n, 0);
    if (!this.indention || this.column > at || (this.column === at && !this.whitespace)) this.newline();
    if (this.column < at) this.write(' '.repeat(at - this.column));
    this.whitespace = true;
    this.whitespace = true;
    this.indention = true;
  }
  text(): string {
    return this.parts.join('');
  }
}

type Where = 'top' | 'value' | 'item';

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Produced);
}

/**
 * A node whose parent container is at `indent` (-1 at the top), as libyaml's emitter writes it: write_indent
 * (Out.indent) keeps the first entry of a mapping or sequence on the line of a `- ` before it.
 */
function node(out: Out, v: unknown, indent: number, where: Where): void {
  if (Array.isArray(v)) {
    if (v.length === 0) return indicator(out, '[]', true, false, false);
    // A sequence that is a mapping's value is "indentless": its dashes stay at the key's indent.
    const own = indent < 0 ? 0 : where === 'value' && !out.indention ? indent : indent + INDENT;
    for (const item of v) {
      out.indent(own);
      indicator(out, '-', true, false, true);
      node(out, item, own, 'item');
    }
    return;
  }
  if (isMapping(v)) {
    const keys = Object.keys(v).sort(keyLess);
    if (keys.length === 0) return indicator(out, '{}', true, false, false);
    const own = indent < 0 ? 0 : indent + INDENT;
    for (const k of keys) {
      out.indent(own);
      stringScalar(out, k, own + INDENT, true);
      indicator(out, ':', false, false, false);
      node(out, v[k], own, 'value');
    }
    return;
  }
  // A scalar's own indent (continuation lines of a folded or literal scalar) is its container's plus two.
  const own = indent < 0 ? INDENT : indent + INDENT;
  if (typeof v === 'string') return stringScalar(out, v, own, false);
  if (v instanceof Produced) return stringScalar(out, v.text, own, false);
  if (!out.whitespace) out.write(' ');
  out.write(plainText(v));
  out.indention = false;
}

/** libyaml's write_indicator. */
function indicator(out: Out, s: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
  if (needWhitespace && !out.whitespace) out.write(' ');
  out.write(s);
  out.whitespace = isWhitespace;
  out.indention = out.indention && isIndention;
}

function plainText(v: unknown): string {
  // Values are YAML/JSON data: anything else (a bigint from a helper) prints as text.
  return plainScalar(v, numberText) ?? (typeof v === 'bigint' ? v.toString() : 'null');
}

// --- strings: yaml.v2 encode.go stringv + libyaml's analyze_scalar / select_scalar_style ---

type Style = 'plain' | 'single' | 'double' | 'literal';

function stringScalar(out: Out, s: string, indent: number, key: boolean): void {
  const a = analyze(s);
  let style: Style = s.includes('\n') ? 'literal' : resolvesAsString(s) ? 'plain' : 'double';
  if (style === 'plain' && (!a.blockPlain || (s.length === 0 && key))) style = 'single';
  if (style === 'single' && !a.singleQuoted) style = 'double';
  if (style === 'literal' && (!a.block || key)) style = 'double';
  const breaks = !key;
  if (style === 'plain') return plain(out, s, indent, breaks);
  if (style === 'single') return single(out, s, indent, breaks);
  if (style === 'double') return double(out, s, indent, breaks);
  return literal(out, s, indent);
}

const isSpace = (c: string): boolean => c === ' ';
const isBreak = (c: string): boolean => c === '\n' || c === '\r' || c === '\u0085' || c === '\u2028' || c === '\u2029';
const isBlankZ = (c: string | undefined): boolean => c === undefined || c === ' ' || c === '\t' || isBreak(c);

/** libyaml's is_printable (yaml.v2 yamlprivateh.go): no tabs, no C1 controls, nothing above the BMP. */
function isPrintable(c: string): boolean {
  const n = c.codePointAt(0)!;
  return (
    n === 0x0a || (n >= 0x20 && n <= 0x7e) || (n >= 0xa0 && n <= 0xd7ff) || (n >= 0xe000 && n <= 0xfffd && n !== 0xfeff)
  );
}

interface Analysis {
  blockPlain: boolean;
  singleQuoted: boolean;
  block: boolean;
}

function analyze(s: string): Analysis {
  if (s.length === 0) return { blockPlain: false, singleQuoted: true, block: false };
  const cs = [...s];
  let blockIndicators = s.startsWith('---') || s.startsWith('...');
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let lineBreaks = false;
  let special = false;
  let precededByWhitespace = true;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    const followedByWhitespace = isBlankZ(cs[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) blockIndicators = true;
      if ((c === '?' || c === ':') && followedByWhitespace) blockIndicators = true;
      if (c === '-' && followedByWhitespace) blockIndicators = true;
    } else {
      if (c === ':' && followedByWhitespace) blockIndicators = true;
      if (c === '#' && precededByWhitespace) blockIndicators = true;
    }
    if (!isPrintable(c)) special = true;
    if (isBreak(c)) lineBreaks = true;
    if (isSpace(c)) {
      if (i === 0) leadingSpace = true;
      if (i === cs.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      if (i === 0) leadingBreak = true;
      if (i === cs.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousBreak = true;
      previousSpace = false;
    } else {
      previousSpace = previousBreak = false;
    }
    precededByWhitespace = isBlankZ(c);
  }
  let blockPlain = true;
  let singleQuoted = true;
  let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) blockPlain = singleQuoted = false;
  if (spaceBreak || special) blockPlain = singleQuoted = block = false;
  if (lineBreaks) blockPlain = false;
  if (blockIndicators) blockPlain = false;
  return { blockPlain, singleQuoted, block };
}

function plain(out: Out, s: string, indent: number, allowBreaks: boolean): void {
  if (!out.whitespace) out.write(' ');
  out.whitespace = false;
  let spaces = false;
  const cs = [...s];
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    if (isSpace(c)) {
      if (allowBreaks && !spaces && out.column > WIDTH && !isSpace(cs[i + 1] ?? '')) {
        out.indention = false;
        out.indent(indent);
      } else out.write(c);
      spaces = true;
    } else {
      out.write(c);
      out.indention = false;
      spaces = false;
    }
  }
  out.whitespace = false;
}

function single(out: Out, s: string, indent: number, allowBreaks: boolean): void {
  indicator(out, "'", true, false, false);
  let spaces = false;
  const cs = [...s];
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    if (isSpace(c)) {
      if (allowBreaks && !spaces && out.column > WIDTH && i !== 0 && i !== cs.length - 1 && !isSpace(cs[i + 1])) {
        out.indent(indent);
      } else out.write(c);
      spaces = true;
    } else {
      out.write(c === "'" ? "''" : c);
      out.indention = false;
      spaces = false;
    }
  }
  indicator(out, "'", false, false, false);
}

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\x0b': 'v',
  '\f': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\u0085': 'N',
  '\u00a0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

function double(out: Out, s: string, indent: number, allowBreaks: boolean): void {
  indicator(out, '"', true, false, false);
  let spaces = false;
  const cs = [...s];
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    if (!isPrintable(c) || c === '\ufeff' || isBreak(c) || c === '"' || c === '\\') {
      const e = ESCAPES[c];
      const n = c.codePointAt(0)!;
      out.write('\\' + (e ?? (n <= 0xff ? 'x' + hex(n, 2) : n <= 0xffff ? 'u' + hex(n, 4) : 'U' + hex(n, 8))));
      spaces = false;
    } else if (isSpace(c)) {
      if (allowBreaks && !spaces && out.column > WIDTH && i !== 0 && i !== cs.length - 1) {
        out.indent(indent);
        if (isSpace(cs[i + 1])) out.write('\\');
      } else out.write(c);
      spaces = true;
    } else {
      out.write(c);
      spaces = false;
    }
  }
  indicator(out, '"', false, false, false);
}

const hex = (n: number, w: number): string => n.toString(16).toUpperCase().padStart(w, '0');

function literal(out: Out, s: string, indent: number): void {
  const cs = [...s];
  let hints = '|';
  if (isSpace(cs[0]) || isBreak(cs[0])) hints += String(INDENT);
  const last = cs[cs.length - 1];
  if (!isBreak(last)) hints += '-';
  else if (cs.length === 1 || isBreak(cs[cs.length - 2])) hints += '+';
  indicator(out, hints, true, false, false);
  out.newline();
  out.whitespace = true;
  let breaks = true;
  for (const c of cs) {
    if (isBreak(c)) {
      out.newline();
      breaks = true;
    } else {
      if (breaks) out.indent(indent);
      out.write(c);
      out.indention = false;
      breaks = false;
    }
  }
}

// --- yaml.v2 resolve.go: what a plain scalar would read back as (YAML 1.1 with Go's number syntax) ---

const YAML11_WORDS = new Set(
  [
    'y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON',
    'n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF',
    '~', 'null', 'Null', 'NULL',
    '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF',
    '<<',
  ], // prettier-ignore
);
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
// Go's strconv.ParseInt/ParseUint with base 0, after yaml.v2 drops underscores.
const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]*|[1-9][0-9]*)$/;
// yaml.v2 timestamp layouts: 2006-1-2, 2006-1-2 15:4:5.999999999, 2006-1-2T15:4:5.999999999Z07:00 (or t).
const TIMESTAMP =
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]{1,9})?(?:Z|[-+][0-9]{2}:[0-9]{2}))|(?: [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]{1,9})?))?$/;

/** The string reads back as a string from a plain scalar (yaml.v2 `resolve` gives !!str, and not base 60). */
export function resolvesAsString(s: string): boolean {
  if (s === '') return false;
  if (YAML11_WORDS.has(s)) return false;
  const c = s[0];
  if ('+-.0123456789'.includes(c)) {
    const p = s.replace(/_/g, '');
    if (GO_INT.test(p) || FLOAT.test(p)) return false;
    if (TIMESTAMP.test(s)) return false;
  }
  return !BASE60.test(s);
}

/**
 * yaml.v2's key order (sorter.go keyList.Less): rune by rune; at the first difference two letters compare
 * as runes, a letter sorts after a non-letter, and runs of digits compare as numbers.
 */
export function keyLess(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i] ? -1 : 1;
    if (al || bl) return bl ? -1 : 1;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + (ar[ai].codePointAt(0)! - 48);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + (br[bi].codePointAt(0)! - 48);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return ar[i] < br[i] ? -1 : 1;
  }
  return ar.length - br.length;
}

const isLetter = (c: string): boolean => /\p{L}/u.test(c);
const isDigit = (c: string): boolean => /\p{Nd}/u.test(c);
