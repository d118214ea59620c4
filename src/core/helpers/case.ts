// Case conversions with the results of sprig's `snakecase`, `kebabcase`, `camelcase` (huandu/xstrings v1.3,
// convert.go), `title` (Go strings.Title), `untitle` and `swapcase` (Masterminds/goutils wordutils.go).
// Written from the behaviour of those functions and checked against them by test/sprig; strata works on
// code points, as Go does on runes.

const isUpper = (c: string): boolean => /^\p{Lu}$/u.test(c);
const isLower = (c: string): boolean => /^\p{Ll}$/u.test(c);
const isLetter = (c: string): boolean => /^\p{L}$/u.test(c);
const isNumber = (c: string): boolean => /^\p{N}$/u.test(c);
const isPunct = (c: string): boolean => /^\p{P}$/u.test(c);
/** Go's unicode.IsSpace. */
export const isSpace = (c: string): boolean =>
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/.test(c);
const isConnector = (c: string): boolean => c === '-' || c === '_' || isSpace(c);
/** xstrings' isAlphabet: a letter that is not a CJK ideograph. */
const isAlphabet = (c: string): boolean => isLetter(c) && !/^\p{Script=Han}$/u.test(c);
const toUpper = (c: string): string => (c.toUpperCase().length === c.length ? c.toUpperCase() : c);
const toLower = (c: string): string => (c.toLowerCase().length === c.length ? c.toLowerCase() : c);

type WordType = 'invalid' | 'number' | 'upper' | 'alpha' | 'connector' | 'punct' | 'other';

function nextWord(r: string[], start: number): [WordType, string, number] {
  if (start >= r.length) return ['invalid', '', start];
  const n = r.length;
  const c = r[start];
  let i = start + 1;
  let wt: WordType;
  if (isConnector(c)) {
    wt = 'connector';
    while (i < n && isConnector(r[i])) i++;
  } else if (isPunct(c)) {
    wt = 'punct';
    while (i < n && isPunct(r[i])) i++;
  } else if (isUpper(c)) {
    wt = 'upper';
    if (i < n) {
      if (isUpper(r[i])) {
        i++;
        while (i < n && isUpper(r[i])) i++;
        // "HTTPServer": the last capital starts the next word.
        if (i < n && isAlphabet(r[i])) i--;
      } else if (isAlphabet(r[i])) {
        i++;
        while (i < n && isAlphabet(r[i]) && !isUpper(r[i])) i++;
      }
    }
  } else if (isAlphabet(c)) {
    wt = 'alpha';
    while (i < n && isAlphabet(r[i]) && !isUpper(r[i])) i++;
  } else if (isNumber(c)) {
    wt = 'number';
    while (i < n && isNumber(r[i])) i++;
  } else {
    wt = 'other';
    while (i < n && !(isConnector(r[i]) || isAlphabet(r[i]) || isNumber(r[i]) || isPunct(r[i]))) i++;
  }
  return [wt, r.slice(start, i).join(''), i];
}

function lowered(wt: WordType, word: string, connector: string): string {
  if (wt !== 'upper' && wt !== 'connector') return word;
  let out = '';
  for (const ch of word) out += isConnector(ch) ? connector : isUpper(ch) ? toLower(ch) : ch;
  return out;
}

/** snakecase / kebabcase: words split at case changes, numbers and connectors, joined by `connector`. */
export function wordsJoined(s: string, connector: string): string {
  if (s === '') return '';
  const r = Array.from(s);
  const n = r.length;
  let out = '';
  let [wt, word, pos] = nextWord(r, 0);
  const advance = (): void => {
    [wt, word, pos] = nextWord(r, pos);
  };
  // The word type changes in advance(); read it through a call so TypeScript does not keep a stale narrowing.
  const type = (): WordType => wt;
  while (pos < n) {
    if (type() !== 'connector') out += lowered(wt, word, connector);
    const prev = wt;
    let last = word;
    advance();
    if (prev === 'number') {
      while (type() === 'alpha' || type() === 'number') {
        out += lowered(wt, word, connector);
        advance();
      }
      if (type() !== 'invalid' && type() !== 'punct' && type() !== 'connector') out += connector;
    } else if (prev === 'connector') {
      out += lowered(prev, last, connector);
    } else if (prev !== 'punct') {
      if (type() !== 'number') {
        if (type() !== 'connector' && type() !== 'punct') out += connector;
        continue;
      }
      if (pos >= n) continue;
      last = word;
      advance();
      const after = type();
      if (after !== 'alpha') {
        out += lowered('number', last, connector);
        if (after !== 'connector' && after !== 'punct') out += connector;
        continue;
      }
      out += connector + lowered('number', last, connector);
      while (type() === 'alpha' || type() === 'number') {
        out += lowered(wt, word, connector);
        advance();
      }
      if (type() !== 'invalid' && type() !== 'connector' && type() !== 'punct') out += connector;
    }
  }
  return out + lowered(wt, word, connector);
}

/** camelcase: connectors removed, the letter after each one upper-cased, the first too, the rest lowered. */
export function camelCase(s: string): string {
  if (s === '') return '';
  const r = Array.from(s);
  let out = '';
  let i = 0;
  let r0 = '';
  while (i < r.length) {
    r0 = r[i++]!;
    if (!isConnector(r0)) {
      r0 = toUpper(r0);
      break;
    }
    out += r0;
  }
  if (i >= r.length) return out + r0;
  while (i < r.length) {
    const r1 = r0;
    r0 = r[i++]!;
    if (isConnector(r0) && isConnector(r1)) {
      out += r1;
      continue;
    }
    if (isConnector(r1)) r0 = toUpper(r0);
    else {
      r0 = toLower(r0);
      out += r1;
    }
  }
  return out + r0;
}

/** Go's strings.Title: the first letter of each word upper-cased. */
export function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += titleSeparator(prev) ? toUpper(ch) : ch;
    prev = ch;
  }
  return out;
}

function titleSeparator(c: string): boolean {
  if (c.codePointAt(0)! <= 0x7f) return !/[0-9A-Za-z_]/.test(c);
  if (isLetter(c) || /^\p{Nd}$/u.test(c)) return false;
  return isSpace(c);
}

/** goutils Uncapitalize: the first letter after each white space lower-cased. */
export function untitle(s: string): string {
  let next = true;
  let out = '';
  for (const ch of s) {
    if (isSpace(ch)) {
      next = true;
      out += ch;
    } else if (next) {
      out += toLower(ch);
      next = false;
    } else out += ch;
  }
  return out;
}

/** goutils SwapCase: upper to lower, lower to upper, except a word's first lower letter, which becomes title case. */
export function swapCase(s: string): string {
  // goutils title-cases a word's first lower letter and upper-cases the others: the same for our letters.
  let out = '';
  for (const ch of s) out += isUpper(ch) || /^\p{Lt}$/u.test(ch) ? toLower(ch) : isLower(ch) ? toUpper(ch) : ch;
  return out;
}
