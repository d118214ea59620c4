// Which template line wrote an output line. A `lines` render (an error path only) carries markers: literal
// text has one at its start and after each newline (rewrite.ts), and every `{{…}}` one before what it prints
// (emit.ts), so a line printed by `nindent 4 (toYaml …)` is blamed on that `{{…}}`. `decode` strips them.

const LINE_OPEN = '\uFDD2';
const LINE_CLOSE = '\uFDD3';
export const RAW_OPEN = '\uFDD0';
export const RAW_CLOSE = '\uFDD1';

export interface SourceLine {
  file: string;
  line: number;
}

/** A raw-printed string's place in the decoded text, and what printed it (`[file, line, src]`). */
export interface RawSpan {
  start: number;
  end: number;
  file: string;
  line: number;
  src: string;
}

export interface Decoded {
  text: string;
  /** Output line (0-based) -> where it came from; only filled when line markers were present. */
  lines: SourceLine[];
  spans: RawSpan[];
  /** False when markers did not pair up (a helper cut or reordered marked text): spans are then incomplete. */
  balanced: boolean;
}

export function lineMarker(file: string, line: number): string {
  return `${LINE_OPEN}${file}\u0000${line}${LINE_CLOSE}`;
}

export function rawMarkers(file: string, line: number, src: string): [string, string] {
  return [`${RAW_OPEN}${JSON.stringify([file, line, src])}${RAW_CLOSE}`, `${RAW_OPEN}${RAW_CLOSE}`];
}

const ANY_MARKER = /[\uFDD0-\uFDD3]/;

export function hasMarkers(s: string): boolean {
  return ANY_MARKER.test(s);
}

/** Remove every marker (used where marked text leaves the engine, e.g. the result of `tpl`). */
export function stripMarkers(s: string): string {
  return hasMarkers(s) ? decode(s, { file: '', line: 0 }).text : s;
}

/** Strip the markers of a `raw` or `lines` render, keeping where raw values landed and where lines came from. */
export function decode(marked: string, first: SourceLine): Decoded {
  let text = '';
  const lines: SourceLine[] = [];
  const spans: RawSpan[] = [];
  const open: { start: number; tag: string }[] = [];
  let balanced = true;
  let cur = first;
  let lineStart = true;
  let i = 0;
  while (i < marked.length) {
    const next = nextMarker(marked, i);
    const chunk = marked.slice(i, next);
    for (let j = 0; j < chunk.length; j++) {
      if (lineStart) {
        lines.push(cur);
        lineStart = false;
      }
      if (chunk.charCodeAt(j) === 10) lineStart = true;
    }
    text += chunk;
    if (next >= marked.length) break;
    const isLine = marked[next] === LINE_OPEN;
    const close = marked.indexOf(isLine ? LINE_CLOSE : RAW_CLOSE, next + 1);
    if (close < 0) {
      balanced = false;
      i = next + 1;
      continue;
    }
    const body = marked.slice(next + 1, close);
    if (isLine) {
      const sep = body.indexOf('\u0000');
      cur = { file: body.slice(0, sep), line: Number(body.slice(sep + 1)) };
    } else if (body !== '') open.push({ start: text.length, tag: body });
    else {
      const o = open.pop();
      if (!o) balanced = false;
      else {
        try {
          const [file, line, src] = JSON.parse(o.tag) as [string, number, string];
          spans.push({ start: o.start, end: text.length, file, line, src });
        } catch {
          balanced = false;
        }
      }
    }
    i = close + 1;
  }
  if (lineStart) lines.push(cur);
  if (open.length) balanced = false;
  spans.sort((a, b) => a.start - b.start);
  return { text, lines, spans, balanced };
}

function nextMarker(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0xfdd0 || c === 0xfdd2) return i;
  }
  return s.length;
}
