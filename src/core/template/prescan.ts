import { UserError } from '../errors.js';

// A linear pass over a template's text before Handlebars parses it (docs/security.md §2). Handlebars' parser
// and compiler recurse once per level of block nesting (and per `{{else if}}` of a chain, and per nested
// sub-expression) and their work grows faster than the text: 10,000 nested `{{#if}}` in 190 KB took 84 s and
// then overflowed the stack. Their memory grows with the number of mustaches: 150,000 of them in 1.8 MB
// reached a 1 GiB heap. This scan reads each character once and refuses both before the parser starts.

/**
 * Deepest block nesting (blocks, `{{else if}}` chains, parenthesised sub-expressions). Real charts nest a few
 * levels (Helm's own starters: 4; large community charts stay under 15); 100 keeps the parser's and the
 * compiler's recursion (several frames per level) far from the stack limit and its time in milliseconds.
 */
export const MAX_BLOCK_DEPTH = 100;

/**
 * Most mustaches (`{{...}}`) in one template or `tpl` text. The largest templates of big charts hold a few
 * thousand; the compiled program holds several objects per mustache (about 7 KB each, as issue 21 measured it: 150,000
 * reached
 * a 1 GiB heap), so 25,000 bounds one template's compile to well under 200 MB.
 */
export const MAX_MUSTACHES = 25_000;

/**
 * Most sub-expressions (`(f x)` inside a mustache) in one template or `tpl` text: each is a node the parser
 * and the compiler build, like a mustache, and one mustache can hold any number of them (a 1.8 MB mustache of
 * 65,536 nested `ternary`s compiled for 29 s under a 2 s budget). Counted apart from mustaches, at their bound.
 */
export const MAX_SUBEXPRESSIONS = 25_000;

/** Throws a one-line UserError naming `file` (and the line) when the text nests or holds too much. */
export function prescan(text: string, file: string): void {
  let line = 1;
  let depth = 0;
  let mustaches = 0;
  let subexpressions = 0;
  // Per open block: how many `{{else X}}` links its chain has (each one a nested program in the AST).
  const chains: number[] = [];
  const tooDeep = (): never => {
    throw new UserError(
      `blocks nest deeper than ${MAX_BLOCK_DEPTH} levels (blocks, {{else if}} chains and sub-expressions count); flatten the template`,
      { file, line },
    );
  };
  let i = 0;
  const n = text.length;
  while (i < n) {
    const open = text.indexOf('{{', i);
    if (open < 0) break;
    line += count(text, i, open);
    if (open > 0 && text[open - 1] === '\\') {
      // `\{{` is literal text in Handlebars.
      i = open + 2;
      continue;
    }
    if (++mustaches > MAX_MUSTACHES) {
      throw new UserError(
        `the template has more than ${MAX_MUSTACHES} mustaches ({{...}}); split it into partials or smaller templates`,
        { file, line },
      );
    }
    let j = open + 2;
    if (text[j] === '{') j++;
    if (text[j] === '~') j++;
    // Comments end at `--}}` or `}}` and hold no structure.
    if (text[j] === '!') {
      const long = text.startsWith('--', j + 1);
      const end = text.indexOf(long ? '--}}' : '}}', j);
      const stop = end < 0 ? n : end + (long ? 4 : 2);
      line += count(text, open, stop);
      i = stop;
      continue;
    }
    const close = text.indexOf('}}', j);
    const stop = close < 0 ? n : close + 2;
    const sigil = text[j];
    const body = text
      .slice(j + (sigil === '#' || sigil === '/' || sigil === '^' ? 1 : 0), close < 0 ? n : close)
      .trimStart();
    if (sigil === '#') {
      chains.push(0);
      if (++depth > MAX_BLOCK_DEPTH) tooDeep();
    } else if (sigil === '/') {
      depth -= 1 + (chains.pop() ?? 0);
      if (depth < 0) depth = 0;
    } else if (sigil === '^' && body.replace(/~?$/, '').trim() !== '') {
      chains.push(0);
      if (++depth > MAX_BLOCK_DEPTH) tooDeep();
    } else if (/^else\s+\S/.test(body) && chains.length > 0) {
      chains[chains.length - 1]++;
      if (++depth > MAX_BLOCK_DEPTH) tooDeep();
    }
    // Sub-expressions nest the parser too: `(a (b (c ...)))`.
    let paren = 0;
    for (let k = j; k < stop; k++) {
      const ch = text.charCodeAt(k);
      if (ch === 40 /* ( */) {
        if (depth + ++paren > MAX_BLOCK_DEPTH) tooDeep();
        if (++subexpressions > MAX_SUBEXPRESSIONS)
          throw new UserError(
            `the template has more than ${MAX_SUBEXPRESSIONS} sub-expressions ((...) inside {{...}}); split it into partials or smaller templates`,
            { file, line },
          );
      } else if (ch === 41 /* ) */ && paren > 0) paren--;
      else if (ch === 10) line++;
    }
    i = stop;
  }
}

function count(text: string, from: number, to: number): number {
  let lines = 0;
  for (let k = text.indexOf('\n', from); k >= 0 && k < to; k = text.indexOf('\n', k + 1)) lines++;
  return lines;
}
