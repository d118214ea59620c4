import { cap, type Call, charCount, fail, isMap, Produced } from './base.js';
import { type FloatVerb, formatFloat } from './go-float.js';
import { toText } from '../guards.js';

// Go's fmt verbs for `printf` (and the %v form `toString`, `cat` and `join` use), written from the
// documentation of Go's fmt package and checked against Go by test/sprig: %v %s %q %d %b %o %O %x %X %c %U
// %e %E %f %F %g %G %t %%, width, precision, `*`, and the flags `-+ #0`.
//
// Numbers: strata has one number type. A whole number formats as Go's int (%d %x %b %o %c %q %U %v), any
// number as float64 for %e %f %g (Helm's values are float64, so `printf "%.2f" .Values.x` works there too).
// Where Go would print `%!d(string=abc)`, `%!s(MISSING)` or `%!(EXTRA ...)` into the manifest, strata fails
// with a message naming the verb: that text is never what a chart author wanted.

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  wid?: number;
  prec?: number;
}

const INT_VERBS = new Set(['b', 'c', 'd', 'o', 'O', 'q', 'x', 'X', 'U', 'v']);
const FLOAT_VERBS = new Set(['e', 'E', 'f', 'F', 'g', 'G']);

export function isWhole(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63;
}

/** A number as Go's %v prints it: whole numbers as integers, others as float64's shortest %g. */
export function goNumber(n: number): string {
  return isWhole(n) ? BigInt(n).toString() : formatFloat(n, 'g', -1);
}

/** Go's %v of a value (sprig's `strval` for lists and maps): `[a b]`, `map[k:v]`, `<nil>`. */
export function goValue(v: unknown): string {
  return new Printer(null).value(v, 'v', { plus: false, minus: false, sharp: false, space: false, zero: false }, 1);
}

/** strconv.Quote (or QuoteToASCII): printable characters kept, others escaped Go's way. */
export function goQuote(s: string, ascii = false): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (!ascii && c > 0x7f && isPrint(ch)) out += ch;
    else out += escapeRune(c);
  }
  return out + '"';
}

function isPrint(ch: string): boolean {
  return (
    /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch) &&
    !(ch.length === 1 && ch.charCodeAt(0) >= 0xd800 && ch.charCodeAt(0) <= 0xdfff)
  );
}

function escapeRune(c: number): string {
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };
  if (named[c]) return named[c];
  if (c < 0x20 || c === 0x7f) return '\\x' + c.toString(16).padStart(2, '0');
  if (c >= 0xd800 && c <= 0xdfff) return '\\ufffd';
  if (c < 0x10000) return '\\u' + c.toString(16).padStart(4, '0');
  return '\\U' + c.toString(16).padStart(8, '0');
}

function quoteRune(c: number, ascii: boolean): string {
  const ch = String.fromCodePoint(c);
  if (c === 0x27 || c === 0x5c) return `'\\${ch}'`;
  if ((c >= 0x20 && c < 0x7f) || (!ascii && c > 0x7f && isPrint(ch))) return `'${ch}'`;
  return `'${escapeRune(c)}'`;
}

function canBackquote(s: string): boolean {
  return !/[`\u0000-\u0008\u000a-\u001f\u007f\ufeff]/.test(s);
}

class Printer {
  /** Padding added so far: widths apply to each element of a list, so one verb can pad many times. */
  private padded = 0;
  constructor(private readonly c: Call | null) {}

  private bad(verb: string, v: unknown): never {
    const what =
      v === null
        ? 'null'
        : Array.isArray(v)
          ? 'list'
          : typeof v === 'number'
            ? isWhole(v)
              ? 'whole number'
              : 'number'
            : typeof v === 'boolean'
              ? 'boolean'
              : 'text';
    if (!this.c) throw new Error(`%${verb} of ${what}`);
    return fail(this.c, `%${verb} cannot format a ${what} (Go would print %!${verb}(...) into the manifest)`);
  }

  private pad(s: string, f: Flags): string {
    if (f.wid === undefined || f.wid === 0) return s;
    const n = f.wid - charCount(s);
    if (n <= 0) return s;
    this.padded += n;
    if (this.c) cap(this.c, this.padded, 'the padding');
    const padding = (f.zero ? '0' : ' ').repeat(n);
    return f.minus ? s + padding : padding + s;
  }

  /** Format one argument with a verb (printArg / printValue in Go's fmt). */
  value(v: unknown, verb: string, f: Flags, depth: number): string {
    if (v instanceof Produced) v = v.text;
    if (v === null || v === undefined) {
      if (verb === 'v' || depth > 0) return this.pad('<nil>', f);
      return this.bad(verb, null);
    }
    if (typeof v === 'boolean') {
      if (verb === 't' || verb === 'v') return this.pad(String(v), f);
      return this.bad(verb, v);
    }
    if (typeof v === 'number') {
      if (FLOAT_VERBS.has(verb)) return this.float(v, verb, f);
      if (isWhole(v) && INT_VERBS.has(verb)) return this.integer(v, verb, f);
      if (verb === 'v') return this.float(v, 'g', f, true);
      return this.bad(verb, v);
    }
    if (typeof v === 'string') return this.string(v, verb, f);
    if (Array.isArray(v)) return '[' + this.each(v.map((x) => () => this.value(x, verb, f, depth + 1))) + ']';
    if (isMap(v)) {
      const keys = Object.keys(v).sort();
      return (
        'map[' +
        this.each(
          keys.map((k) => () => this.value(k, verb, f, depth + 1) + ':' + this.value(v[k], verb, f, depth + 1)),
        ) +
        ']'
      );
    }
    // Objects with their own text (a semver version): Go calls their String method for these verbs.
    if (['v', 's', 'q', 'x', 'X'].includes(verb)) return this.string(toText(v), verb, f);
    return this.bad(verb, v);
  }

  /** Elements of a list or map, space-separated; widths and precisions repeat per element, so the total is capped. */
  private each(parts: (() => string)[]): string {
    let total = 0;
    const out: string[] = [];
    for (const part of parts) {
      const text = part();
      total += text.length + 1;
      if (this.c) cap(this.c, total);
      out.push(text);
    }
    return out.join(' ');
  }

  private string(s: string, verb: string, f: Flags): string {
    const truncated = f.prec !== undefined ? Array.from(s).slice(0, f.prec).join('') : s;
    if (verb === 'v' || verb === 's') return this.pad(truncated, f);
    if (verb === 'q') {
      if (f.sharp && canBackquote(truncated)) return this.pad('`' + truncated + '`', f);
      return this.pad(goQuote(truncated, f.plus), f);
    }
    if (verb === 'x' || verb === 'X') {
      let bytes = [...Buffer.from(s, 'utf8')];
      if (f.prec !== undefined) bytes = bytes.slice(0, f.prec);
      const hex = (b: number) => b.toString(16).padStart(2, '0')[verb === 'X' ? 'toUpperCase' : 'toLowerCase']();
      const prefix = verb === 'X' ? '0X' : '0x';
      if (bytes.length === 0) return f.wid !== undefined ? (f.zero ? '0' : ' ').repeat(f.wid) : '';
      let body: string;
      if (f.space) body = bytes.map((b) => (f.sharp ? prefix : '') + hex(b)).join(' ');
      else body = (f.sharp ? prefix : '') + bytes.map(hex).join('');
      return this.pad(body, f);
    }
    return this.bad(verb, s);
  }

  private integer(n: number, verb: string, f: Flags): string {
    if (verb === 'c')
      return this.pad(String.fromCodePoint(n >= 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? n : 0xfffd), f);
    if (verb === 'q')
      return this.pad(quoteRune(n >= 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? n : 0xfffd, f.plus), f);
    if (verb === 'U') {
      let s =
        'U+' +
        Math.abs(n)
          .toString(16)
          .toUpperCase()
          .padStart(f.prec ?? 4, '0');
      if (n < 0) s = 'U+' + BigInt.asUintN(64, BigInt(n)).toString(16).toUpperCase();
      if (f.sharp && n >= 0 && n <= 0x10ffff && isPrint(String.fromCodePoint(n))) s += ` '${String.fromCodePoint(n)}'`;
      return this.pad(s, { ...f, zero: false });
    }
    const base = verb === 'b' ? 2 : verb === 'o' || verb === 'O' ? 8 : verb === 'x' || verb === 'X' ? 16 : 10;
    const negative = n < 0;
    let digits = BigInt(Math.abs(n)).toString(base);
    if (verb === 'X') digits = digits.toUpperCase();
    let prec = 0;
    if (f.prec !== undefined) {
      prec = f.prec;
      if (prec === 0 && n === 0) return f.wid !== undefined ? ' '.repeat(f.wid) : '';
    } else if (f.zero && f.wid !== undefined) {
      prec = f.wid;
      if (negative || f.plus || f.space) prec--;
    }
    if (digits.length < prec) {
      this.padded += prec - digits.length;
      if (this.c) cap(this.c, this.padded, 'the padding');
      digits = '0'.repeat(prec - digits.length) + digits;
    }
    if (f.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
      else if (base === 16) digits = (verb === 'X' ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    const sign = negative ? '-' : f.plus ? '+' : f.space ? ' ' : '';
    return this.pad(sign + digits, { ...f, zero: false });
  }

  private float(x: number, verb: string, f: Flags, isV = false): string {
    const v = (verb === 'F' ? 'f' : verb) as FloatVerb;
    const prec = f.prec !== undefined ? f.prec : isV || v === 'g' || v === 'G' ? -1 : 6;
    let num = formatFloat(x, v, prec);
    let sign = num[0] === '-' ? '-' : '+';
    if (sign === '-') num = num.slice(1);
    if (f.space && sign === '+' && !f.plus) sign = ' ';
    if (num === 'NaN' || num === '+Inf' || num === '-Inf') {
      const body =
        num === 'NaN'
          ? f.space || f.plus
            ? sign + num
            : num
          : num[0] === '+'
            ? f.plus
              ? '+Inf'
              : f.space
                ? ' Inf'
                : 'Inf'
            : '-Inf';
      return this.pad(body, { ...f, zero: false });
    }
    if (f.sharp) {
      let digits = v === 'g' || v === 'G' ? (prec === -1 ? 6 : prec) : 0;
      let tail = '';
      const e = num.search(/[eE]/);
      if (e >= 0) {
        tail = num.slice(e);
        num = num.slice(0, e);
      }
      let sawNonzero = false;
      for (const ch of num) {
        if (ch === '.') continue;
        sawNonzero = sawNonzero || ch !== '0';
        if (sawNonzero) digits--;
      }
      if (!num.includes('.')) {
        if (num === '0') digits--;
        num += '.';
      }
      if (digits > 0) num += '0'.repeat(digits);
      num += tail;
    }
    if (f.plus || sign !== '+') {
      if (f.zero && f.wid !== undefined && f.wid > num.length + 1)
        return sign + '0'.repeat(f.wid - num.length - 1) + num;
      return this.pad(sign + num, f);
    }
    return this.pad(num, f);
  }

  /** Go's doPrintf. */
  run(format: string, args: unknown[]): string {
    const c = this.c!;
    let argNum = 0;
    let out = '';
    const limit = c.host.limits().helperBytes;
    let i = 0;
    /** Digits at i (a width or precision), consumed; undefined when there are none. */
    const number = (): number | undefined => {
      const start = i;
      let n = 0;
      while (i < format.length && format[i] >= '0' && format[i] <= '9') {
        n = n * 10 + Number(format[i]);
        if (n > limit) cap(c, n, 'a width or precision');
        i++;
      }
      return i === start ? undefined : n;
    };
    while (i < format.length) {
      const pct = format.indexOf('%', i);
      if (pct < 0) {
        out += format.slice(i);
        break;
      }
      out += format.slice(i, pct);
      i = pct + 1;
      const f: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false };
      for (; i < format.length; i++) {
        const ch = format[i];
        if (ch === '#') f.sharp = true;
        else if (ch === '0') f.zero = !f.minus;
        else if (ch === '+') f.plus = true;
        else if (ch === '-') {
          f.minus = true;
          f.zero = false;
        } else if (ch === ' ') f.space = true;
        else break;
      }
      if (format[i] === '[') fail(c, 'explicit argument indexes (%[n]d) are not supported');
      if (format[i] === '*') {
        i++;
        const w = args[argNum++];
        if (typeof w !== 'number' || !Number.isInteger(w)) fail(c, 'the width given by * must be a whole number');
        if (Math.abs(w) > limit) cap(c, Math.abs(w), 'a width');
        f.wid = Math.abs(w);
        if (w < 0) {
          f.minus = true;
          f.zero = false;
        }
      } else f.wid = number();
      if (format[i] === '.') {
        i++;
        if (format[i] === '*') {
          i++;
          const p = args[argNum++];
          if (typeof p !== 'number' || !Number.isInteger(p)) fail(c, 'the precision given by * must be a whole number');
          if (p > limit) cap(c, p, 'a precision');
          if (p >= 0) f.prec = p;
        } else f.prec = number() ?? 0;
      }
      if (i >= format.length) fail(c, 'the format ends in the middle of a verb (%!(NOVERB))');
      const verb = String.fromCodePoint(format.codePointAt(i)!);
      i += verb.length;
      if (verb === '%') {
        out += '%';
        continue;
      }
      if (argNum >= args.length) fail(c, `%${verb} has no argument left (Go would print %!${verb}(MISSING))`);
      const arg = args[argNum++];
      if (verb === 'T' || verb === 'p' || verb === 'w' || (verb === 'v' && f.sharp))
        fail(c, `%${f.sharp ? '#' : ''}${verb} is not supported`);
      if (!/^[vtsqdbcoOxXUeEfFgG]$/.test(verb)) fail(c, `%${verb} is not a verb Go's fmt knows`);
      out += this.value(arg, verb, f, 0);
    }
    if (argNum < args.length)
      fail(
        c,
        `${args.length - argNum} argument${args.length - argNum === 1 ? '' : 's'} left over (Go would print %!(EXTRA ...))`,
      );
    return out;
  }
}

export function printf(c: Call, format: string, args: unknown[]): string {
  return new Printer(c).run(format, args);
}
