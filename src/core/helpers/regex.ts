import type { RE2JS as RE2JSType } from 're2js';
import { cap, type Call, def, fail, type HelperTable, int, text } from './base.js';
import { work } from './meter.js';

// Regular expressions in Go's RE2 syntax, through re2js (a port of RE2: linear time, no backtracking, so a
// pattern from a values file cannot hang the render). Matching, replacing and splitting follow Go's regexp
// package (FindAllString, ReplaceAllString with Go's `$1`/`${name}` expansion, Split), written from its
// documentation and checked against Go by test/sprig. Unlike sprig's regexMatch, a bad pattern is an error,
// never a silent false. Patterns and inputs are capped by the helper limit.

type Re = RE2JSType;
let engine: typeof RE2JSType | undefined;
const compiled = new Map<string, Re>();

function compile(c: Call, pattern: string): Re {
  cap(c, pattern.length, 'the pattern');
  const hit = compiled.get(pattern);
  if (hit) return hit;
  // Loaded on first use: most renders never need a regex, and start-up time matters inside Argo CD.
  engine ??= (require('re2js') as { RE2JS: typeof RE2JSType }).RE2JS;
  let re: Re;
  try {
    re = engine.compile(pattern);
  } catch (e) {
    const reason = String((e as Error).message ?? e).replace(/: `.*$/s, '');
    return fail(c, `argument 1 is not a valid RE2 pattern (${reason})`);
  }
  if (compiled.size > 256) compiled.clear();
  compiled.set(pattern, re);
  return re;
}

interface Match {
  start: number;
  end: number;
  groups: (string | null)[];
}

const width = (s: string, i: number): number => (i < s.length && s.codePointAt(i)! > 0xffff ? 2 : 1);

type Matcher = ReturnType<Re['matcher']>;

/** The first match at or after pos; `m` is one matcher per subject (find(pos) resets it, keeping the context). */
function matchAt(m: Matcher, pos: number, withGroups = false): Match | undefined {
  if (!m.find(pos)) return undefined;
  const groups: (string | null)[] = [m.group(0)];
  if (withGroups) for (let g = 1; g <= m.groupCount(); g++) groups.push(m.group(g));
  return { start: m.start(), end: m.end(), groups };
}

// Each match costs microseconds and dozens of bytes: the number of matches one call may go through is capped
// (helperBytes / 64, 65536 by default), so a pattern matching every character of a large text stays fast.
const MATCH_COST = 64;

/** Go's allMatches: successive non-overlapping matches; an empty match right after a match is skipped. */
function allMatches(c: Call, re: Re, s: string, n: number): Match[] {
  const out: Match[] = [];
  if (n < 0) n = s.length + 1;
  let pos = 0;
  let prevEnd = -1;
  const matcher = re.matcher(s);
  while (out.length < n && pos <= s.length) {
    const m = matchAt(matcher, pos);
    if (!m) break;
    let accept = true;
    if (m.end === pos) {
      if (m.start === prevEnd) accept = false;
      pos += pos < s.length ? width(s, pos) : 1;
    } else pos = m.end;
    prevEnd = m.end;
    if (accept) out.push(m);
    cap(c, out.length * MATCH_COST, 'the number of matches');
  }
  return out;
}

/** Go's Regexp.Expand template syntax: $1, ${1}, $name, ${name}, $$. */
function expand(re: Re, template: string, m: Match): string {
  const names = re.namedGroups();
  let out = '';
  let i = 0;
  while (i < template.length) {
    const d = template.indexOf('$', i);
    if (d < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, d);
    i = d + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const brace = template[i] === '{';
    const nameMatch = /^[\p{L}\p{Nd}_]+/u.exec(template.slice(brace ? i + 1 : i));
    if (!nameMatch || (brace && template[i + 1 + nameMatch[0].length] !== '}')) {
      out += '$';
      continue;
    }
    const name = nameMatch[0];
    i += (brace ? 2 : 0) + name.length;
    let g: number | undefined;
    if (/^[0-9]+$/.test(name) && !(name.length > 1 && name[0] === '0') && name.length < 9) g = Number(name);
    else if (!/^[0-9]+$/.test(name)) g = names[name];
    if (g !== undefined && g < m.groups.length) out += m.groups[g] ?? '';
  }
  return out;
}

/** Go's replaceAll loop: an empty match right after a match is not replaced. */
function replaceAll(c: Call, re: Re, s: string, repl: (m: Match) => string): string {
  let out = '';
  let lastEnd = 0;
  let pos = 0;
  const matcher = re.matcher(s);
  let count = 0;
  while (pos <= s.length) {
    const m = matchAt(matcher, pos, true);
    if (!m) break;
    cap(c, ++count * MATCH_COST, 'the number of matches');
    out += s.slice(lastEnd, m.start);
    if (m.end > lastEnd || m.start === 0) out += repl(m);
    // What the replacements add beyond the subject is what the limit bounds.
    cap(c, out.length - m.end);
    lastEnd = m.end;
    const w = pos < s.length ? width(s, pos) : 0;
    if (pos + w > m.end) pos += w;
    else if (pos + 1 > m.end) pos++;
    else pos = m.end;
  }
  return out + s.slice(lastEnd);
}

function input(c: Call, v: unknown, i: number): string {
  const s = text(c, v, i);
  cap(c, s.length, 'the input');
  // Linear in the subject (re2js), and charged: many calls over large subjects end at the render deadline.
  work(c, s.length / 16);
  return s;
}

export function regexQuoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

const find = (c: Call, p: unknown, s: unknown, n: unknown): string[] | null => {
  const count = int(c, n, 2);
  if (count === 0) return null;
  const found = allMatches(c, compile(c, text(c, p, 0)), input(c, s, 1), count).map((m) => m.groups[0]!);
  return found.length ? found : null;
};

const split = (c: Call, p: unknown, s: unknown, n: unknown): string[] | null => {
  const count = int(c, n, 2);
  const re = compile(c, text(c, p, 0));
  const str = input(c, s, 1);
  if (count === 0) return null;
  if (re.pattern() !== '' && str === '') return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of allMatches(c, re, str, count)) {
    if (count > 0 && out.length === count - 1) break;
    end = m.start;
    if (m.end !== 0) out.push(str.slice(beg, end));
    beg = m.end;
  }
  if (end !== str.length) out.push(str.slice(beg));
  return out;
};

export const REGEX_HELPERS: HelperTable = {
  regexMatch: def(2, 2, ([p, s], c) => compile(c, text(c, p, 0)).test(input(c, s, 1))),
  mustRegexMatch: def(2, 2, ([p, s], c) => compile(c, text(c, p, 0)).test(input(c, s, 1))),
  regexFind: def(2, 2, ([p, s], c) => matchAt(compile(c, text(c, p, 0)).matcher(input(c, s, 1)), 0)?.groups[0] ?? ''),
  mustRegexFind: def(
    2,
    2,
    ([p, s], c) => matchAt(compile(c, text(c, p, 0)).matcher(input(c, s, 1)), 0)?.groups[0] ?? '',
  ),
  regexFindAll: def(3, 3, ([p, s, n], c) => find(c, p, s, n)),
  mustRegexFindAll: def(3, 3, ([p, s, n], c) => find(c, p, s, n)),
  regexReplaceAll: def(3, 3, ([p, s, r], c) => {
    const re = compile(c, text(c, p, 0));
    const tpl = text(c, r, 2);
    return replaceAll(c, re, input(c, s, 1), (m) => expand(re, tpl, m));
  }),
  mustRegexReplaceAll: def(3, 3, ([p, s, r], c) => {
    const re = compile(c, text(c, p, 0));
    const tpl = text(c, r, 2);
    return replaceAll(c, re, input(c, s, 1), (m) => expand(re, tpl, m));
  }),
  regexReplaceAllLiteral: def(3, 3, ([p, s, r], c) => {
    const lit = text(c, r, 2);
    return replaceAll(c, compile(c, text(c, p, 0)), input(c, s, 1), () => lit);
  }),
  mustRegexReplaceAllLiteral: def(3, 3, ([p, s, r], c) => {
    const lit = text(c, r, 2);
    return replaceAll(c, compile(c, text(c, p, 0)), input(c, s, 1), () => lit);
  }),
  regexSplit: def(3, 3, ([p, s, n], c) => split(c, p, s, n)),
  mustRegexSplit: def(3, 3, ([p, s, n], c) => split(c, p, s, n)),
  regexQuoteMeta: def(1, 1, ([s], c) => regexQuoteMeta(text(c, s, 0))),
};
