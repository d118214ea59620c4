import { quoted } from '../serialize.js';
import {
  cap,
  type Call,
  chars,
  def,
  fail,
  type HelperTable,
  int,
  isMap,
  kindName,
  need,
  newMap,
  Produced,
  put,
  text,
} from './base.js';
import { camelCase, isSpace, swapCase, title, untitle, wordsJoined } from './case.js';
import { expandedSize } from './meter.js';
import { goValue, printf } from './printf.js';

// String helpers with sprig's names, argument order and results (Masterminds/sprig v3 functions.go and
// strings.go). Differences, all listed in docs/helpers.md: lengths and offsets count characters, not bytes
// (the same for ASCII); `quote` keeps strata's YAML-safe escaping; `squote` doubles embedded quotes (sprig
// would print broken YAML); a list or map where text is expected is an error, not Go's `[a b]`.

/**
 * An argument that will be written out whole (Go's %v of a list or map): refused before writing when it would
 * exceed the helper limit, shared references counted each time (meter.ts).
 */
function whole(c: Call, v: unknown, i: number): unknown {
  const x = need(c, v, i);
  if (x !== null && typeof x === 'object') expandedSize(c, x);
  return x;
}

/** sprig's strval: text as Go's %v prints it; lists and maps in Go's form; null as `<nil>`. */
export function strval(c: Call, v: unknown, i: number): string {
  const x = whole(c, v, i);
  if (x === null) return '<nil>';
  if (typeof x === 'string') return x;
  return goValue(x);
}

/** sprig's strslice: a list's non-null elements as text; a single value as a one-element list. */
export function strslice(c: Call, v: unknown, i: number): string[] {
  const x = whole(c, v, i);
  if (x === null) return [];
  if (Array.isArray(x))
    return x.filter((e) => e !== null && e !== undefined).map((e) => (typeof e === 'string' ? e : goValue(e)));
  return [typeof x === 'string' ? x : goValue(x)];
}

/** Text that is not a list or map (quote, squote). */
function scalar(c: Call, v: unknown, i: number): string {
  const x = need(c, v, i);
  if (Array.isArray(x) || isMap(x))
    fail(c, `argument ${i + 1} is a ${kindName(x)}, expected text (use toYaml or toJson)`);
  return strval(c, x, i);
}

function goSprint(args: unknown[], ln: boolean): string {
  let out = '';
  args.forEach((a, i) => {
    const isText = (x: unknown) => typeof x === 'string' || x instanceof Produced;
    if (i > 0 && (ln || (!isText(a) && !isText(args[i - 1])))) out += ' ';
    out += typeof a === 'string' ? a : goValue(a);
  });
  return ln ? out + '\n' : out;
}

function indentText(c: Call, n: number, s: string): string {
  if (n < 0) fail(c, 'the indent must not be negative');
  const lines = s.split('\n').length;
  cap(c, n * lines);
  const pad = ' '.repeat(n);
  return pad + s.replace(/\n/g, '\n' + pad);
}

/** Go's strings.Trim with a cutset. */
function trimSet(s: string, cutset: string): string {
  const set = new Set(chars(cutset));
  const cs = chars(s);
  let a = 0;
  let b = cs.length;
  while (a < b && set.has(cs[a])) a++;
  while (b > a && set.has(cs[b - 1])) b--;
  return cs.slice(a, b).join('');
}

function goTrimSpace(s: string): string {
  const cs = chars(s);
  let a = 0;
  let b = cs.length;
  while (a < b && isSpace(cs[a])) a++;
  while (b > a && isSpace(cs[b - 1])) b--;
  return cs.slice(a, b).join('');
}

/** goutils AbbreviateFull, on characters. */
function abbreviate(c: Call, s: string, offset: number, max: number): string {
  const cs = chars(s);
  if (s === '') return '';
  if (max < 4) fail(c, 'the width must be at least 4');
  if (cs.length <= max) return s;
  if (offset > cs.length) offset = cs.length;
  if (cs.length - offset < max - 3) offset = cs.length - (max - 3);
  if (offset <= 4) return cs.slice(0, max - 3).join('') + '...';
  if (max < 7) fail(c, 'the width must be at least 7 when abbreviating both ends');
  if (offset + max - 3 < cs.length) return '...' + abbreviate(c, cs.slice(offset).join(''), 0, max - 3);
  return '...' + cs.slice(cs.length - (max - 3)).join('');
}

/** goutils WrapCustom, on characters. */
function wrapText(c: Call, s: string, width: number, sep: string, long: boolean): string {
  if (s === '') return '';
  if (width < 1) width = 1;
  const cs = chars(s);
  cap(c, Math.ceil(cs.length / width) * sep.length);
  let out = '';
  let offset = 0;
  while (cs.length - offset > width) {
    if (cs[offset] === ' ') {
      offset++;
      continue;
    }
    const window = cs.slice(offset, offset + width + 1);
    const space = window.lastIndexOf(' ');
    if (space >= 0) {
      out += cs.slice(offset, offset + space).join('') + sep;
      offset += space + 1;
    } else if (long) {
      out += cs.slice(offset, offset + width).join('') + sep;
      offset += width;
    } else {
      const next = cs.indexOf(' ', offset + width);
      if (next < 0) {
        out += cs.slice(offset).join('');
        offset = cs.length;
      } else {
        out += cs.slice(offset, next).join('') + sep;
        offset = next + 1;
      }
    }
  }
  return out + cs.slice(offset).join('');
}

function splitGo(c: Call, s: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  let parts = sep === '' ? chars(s) : s.split(sep);
  // Each element costs far more than its characters: a list of millions of one-character strings is refused.
  cap(c, parts.length * 8, 'the list');
  if (n > 0 && parts.length > n)
    parts = [...parts.slice(0, n - 1), sep === '' ? parts.slice(n - 1).join('') : parts.slice(n - 1).join(sep)];
  return parts;
}

function indexed(parts: string[]): Record<string, unknown> {
  const m = newMap();
  parts.forEach((p, i) => put(m, `_${i}`, p));
  return m;
}

/** sprig's `quote`/`squote`: every argument but null, as text, quoted by `q`, joined with spaces. */
function quoteEach(args: readonly unknown[], c: Call, q: (s: string, i: number) => string): Produced {
  const out: string[] = [];
  args.forEach((a, i) => {
    if (a !== null) out.push(q(scalar(c, a, i), i));
  });
  return new Produced(out.join(' '));
}

export const STRING_HELPERS: HelperTable = {
  printf: def(1, Infinity, ([f, ...rest], c) =>
    printf(
      c,
      text(c, f, 0),
      rest.map((a, i) => whole(c, a, i + 1)),
    ),
  ),
  upper: def(1, 1, ([s], c) => text(c, s, 0).toUpperCase()),
  lower: def(1, 1, ([s], c) => text(c, s, 0).toLowerCase()),
  title: def(1, 1, ([s], c) => title(text(c, s, 0))),
  untitle: def(1, 1, ([s], c) => untitle(text(c, s, 0))),
  swapcase: def(1, 1, ([s], c) => swapCase(text(c, s, 0))),
  snakecase: def(1, 1, ([s], c) => wordsJoined(text(c, s, 0), '_')),
  kebabcase: def(1, 1, ([s], c) => wordsJoined(text(c, s, 0), '-')),
  camelcase: def(1, 1, ([s], c) => camelCase(text(c, s, 0))),
  trim: def(1, 1, ([s], c) => goTrimSpace(text(c, s, 0))),
  trimAll: def(2, 2, ([set, s], c) => trimSet(text(c, s, 1), text(c, set, 0))),
  trimall: def(2, 2, ([set, s], c) => trimSet(text(c, s, 1), text(c, set, 0))),
  trimPrefix: def(2, 2, ([p, s], c) => {
    const t = text(c, s, 1);
    const pre = text(c, p, 0);
    return t.startsWith(pre) ? t.slice(pre.length) : t;
  }),
  trimSuffix: def(2, 2, ([p, s], c) => {
    const t = text(c, s, 1);
    const suf = text(c, p, 0);
    return suf !== '' && t.endsWith(suf) ? t.slice(0, t.length - suf.length) : t;
  }),
  replace: def(3, 3, ([from, to, s], c) => {
    const t = text(c, s, 2);
    const a = text(c, from, 0);
    const b = text(c, to, 1);
    const pieces = a === '' ? ['', ...chars(t), ''] : t.split(a);
    cap(c, (pieces.length - 1) * b.length);
    if (a === '') return pieces.length === 2 ? b : b + chars(t).join(b) + b;
    return pieces.join(b);
  }),
  contains: def(2, 2, ([sub, s], c) => text(c, s, 1).includes(text(c, sub, 0))),
  hasPrefix: def(2, 2, ([p, s], c) => text(c, s, 1).startsWith(text(c, p, 0))),
  hasSuffix: def(2, 2, ([p, s], c) => text(c, s, 1).endsWith(text(c, p, 0))),
  repeat: def(2, 2, ([n, s], c) => {
    const count = int(c, n, 0);
    const t = text(c, s, 1);
    if (count < 0) fail(c, 'the count must not be negative');
    cap(c, count * t.length);
    return t.repeat(count);
  }),
  substr: def(3, 3, ([a, b, s], c) => {
    const start = int(c, a, 0);
    const end = int(c, b, 1);
    const cs = chars(text(c, s, 2));
    const n = cs.length;
    // sprig: a negative start means "from 0", a negative or too large end means "to the end"; Go panics on
    // the other out-of-range cases, strata says which.
    if (start < 0) {
      if (end < 0 || end > n) fail(c, 'the end is out of range');
      return cs.slice(0, end).join('');
    }
    if (end < 0 || end > n) {
      if (start > n) fail(c, 'the start is out of range');
      return cs.slice(start).join('');
    }
    if (start > end) fail(c, 'the start is after the end');
    return cs.slice(start, end).join('');
  }),
  trunc: def(2, 2, ([n, s], c) => {
    const len = int(c, n, 0);
    const cs = chars(text(c, s, 1));
    if (len < 0 && cs.length + len > 0) return cs.slice(cs.length + len).join('');
    if (len >= 0 && cs.length > len) return cs.slice(0, len).join('');
    return cs.join('');
  }),
  nospace: def(1, 1, ([s], c) =>
    chars(text(c, s, 0))
      .filter((ch) => !isSpace(ch))
      .join(''),
  ),
  abbrev: def(2, 2, ([w, s], c) => {
    const width = int(c, w, 0);
    const t = text(c, s, 1);
    return width < 4 ? t : abbreviate(c, t, 0, width);
  }),
  abbrevboth: def(3, 3, ([l, r, s], c) => {
    const left = int(c, l, 0);
    const right = int(c, r, 1);
    const t = text(c, s, 2);
    return right < 4 || (left > 0 && right < 7) ? t : abbreviate(c, t, left, right);
  }),
  initials: def(1, 1, ([s], c) => {
    let gap = true;
    let out = '';
    for (const ch of text(c, s, 0)) {
      if (isSpace(ch)) gap = true;
      else if (gap) {
        out += ch;
        gap = false;
      }
    }
    return out;
  }),
  quote: def(1, Infinity, (args, c) => quoteEach(args, c, (s) => quoted(s))),
  squote: def(1, Infinity, (args, c) =>
    quoteEach(args, c, (s, i) => {
      // A YAML single-quoted scalar folds line breaks and cannot escape: such text needs `quote`.
      if (/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(s))
        fail(
          c,
          `argument ${i + 1} holds a line break or control character, which single quotes cannot carry; use quote`,
        );
      return `'${s.replace(/'/g, "''")}'`;
    }),
  ),
  cat: def(0, Infinity, (args, c) =>
    args
      .map((a, i) => whole(c, a, i))
      .filter((a) => a !== null)
      .map((a) => goValue(a))
      .join(' '),
  ),
  indent: def(2, 2, ([n, s], c) => new Produced(indentText(c, int(c, n, 0), text(c, s, 1)))),
  nindent: def(2, 2, ([n, s], c) => new Produced('\n' + indentText(c, int(c, n, 0), text(c, s, 1)))),
  wrap: def(2, 2, ([n, s], c) => wrapText(c, text(c, s, 1), int(c, n, 0), '\n', false)),
  wrapWith: def(3, 3, ([n, sep, s], c) => wrapText(c, text(c, s, 2), int(c, n, 0), text(c, sep, 1), true)),
  plural: def(3, 3, ([one, many, n], c) => (int(c, n, 2) === 1 ? text(c, one, 0) : text(c, many, 1))),
  splitList: def(2, 2, ([sep, s], c) => splitGo(c, text(c, s, 1), text(c, sep, 0))),
  split: def(2, 2, ([sep, s], c) => indexed(splitGo(c, text(c, s, 1), text(c, sep, 0)))),
  splitn: def(3, 3, ([sep, n, s], c) => indexed(splitGo(c, text(c, s, 2), text(c, sep, 0), int(c, n, 1)))),
  join: def(2, 2, ([sep, l], c) => {
    const parts = strslice(c, l, 1);
    const s = text(c, sep, 0);
    cap(c, Math.max(parts.length - 1, 0) * s.length);
    return parts.join(s);
  }),
  // Go's print/println (fmt.Sprint/Sprintln): a space between operands when neither is text.
  print: def(0, Infinity, (args, c) =>
    goSprint(
      args.map((a, i) => whole(c, a, i)),
      false,
    ),
  ),
  println: def(0, Infinity, (args, c) =>
    goSprint(
      args.map((a, i) => whole(c, a, i)),
      true,
    ),
  ),
  toString: def(1, 1, ([v], c) => strval(c, v, 0)),
  toStrings: def(1, 1, ([v], c) => strslice(c, v, 0)),
};
