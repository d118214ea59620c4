import { parseRendered, RenderedYamlError } from '../documents.js';
import { UserError } from '../errors.js';
import type { RenderedObject } from '../types.js';
import { decode, type Decoded } from './line-map.js';
import { firstUnsafeSpan, rawOutputError } from './raw-check.js';
import type { TemplateSet } from './set.js';
import type { RenderMode, RenderState } from './types.js';

// One template, from text to objects: render, count the output against the budget, parse, and check raw
// values. The normal path is one render and one parse; a second, instrumented render happens only when a raw
// string needs the parser check (raw-check.ts) or the output does not parse (to name the template line).

export interface RunHooks {
  /** Called with a template's rendered text when it does not parse or fails the raw check (`render --debug`). */
  onBadOutput?: (template: string, text: string) => void;
}

export function renderObjects(
  set: TemplateSet,
  path: string,
  ctx: unknown,
  state: RenderState,
  hooks: RunHooks = {},
): RenderedObject[] {
  state.needsRawCheck = false;
  const text = set.render(path, ctx, state);
  state.budget?.commit(text.length, path);
  let objects: RenderedObject[];
  try {
    objects = parseRendered(text, path);
  } catch (e) {
    if (!(e instanceof RenderedYamlError)) throw e;
    hooks.onBadOutput?.(path, text);
    throw locate(e, set, path, ctx, state);
  }
  if (state.needsRawCheck) {
    const marked = instrumented(set, path, ctx, state, 'raw');
    const span = marked && firstUnsafeSpan(marked.text, marked.spans);
    if (span) {
      hooks.onBadOutput?.(path, text);
      throw rawOutputError(span);
    }
  }
  return objects;
}

function instrumented(
  set: TemplateSet,
  path: string,
  ctx: unknown,
  state: RenderState,
  mode: RenderMode,
): Decoded | undefined {
  const s: RenderState = { ...state, mode, emitted: [], log: () => {}, inputs: new Set(), needsRawCheck: false };
  const target = mode === 'lines' ? set.withLines(state.budget) : set;
  return decode(target.render(path, ctx, s), { file: path, line: 1 });
}

/** Name the template line that wrote the bad output line (and a raw value printed on it, if any). */
function locate(e: RenderedYamlError, set: TemplateSet, path: string, ctx: unknown, state: RenderState): UserError {
  if (e.outputLine === undefined) return e;
  let d: Decoded | undefined;
  try {
    d = instrumented(set, path, ctx, state, 'lines');
  } catch {
    return e;
  }
  if (!d) return e;
  // The parser reports some errors (an unclosed quote or bracket) at the end of the stream: blame the last line
  // that holds text.
  let n = e.outputLine - 1;
  let lineStart = nthLineStart(d.text, n);
  while (n > 0 && d.text.slice(lineStart, lineEnd(d.text, lineStart)).trim() === '')
    lineStart = nthLineStart(d.text, --n);
  const src = d.lines[n];
  if (!src) return e;
  const end = lineEnd(d.text, lineStart);
  const raw = d.spans.find((s) => s.start >= lineStart && s.start <= end);
  const of = src.file === path ? 'the rendered output' : `the output of ${path}`;
  const hint = raw
    ? `; "${raw.src}" is printed raw on that line: use {{quote ${raw.src.includes(' ') ? `(${raw.src})` : raw.src}}}`
    : '';
  return new UserError(
    `rendered output is not valid YAML: ${e.reason} at line ${e.outputLine} of ${of}${hint}`,
    { file: src.file, line: src.line },
    { cause: e },
  );
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl;
}

function nthLineStart(text: string, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    at = nl + 1;
  }
  return at;
}
