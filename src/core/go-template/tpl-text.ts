// `tpl` under `spec.semantics: helm`: a chart value written for Go's text/template (`{{ .Release.Name }}`,
// `{{ include "x" . }}`) is translated into strata template text at render time, with the import's own parser
// and translator, and then compiled exactly like any other tpl text (core/template/engine-helpers.ts, which loads
// this module on the first such `tpl`).

import { UserError } from '../errors.js';
import type { Node, Operand, PipeNode } from './ast.js';
import { GoTemplateError, parseGoTemplate } from './parser.js';
import { Translator } from './translate.js';

/**
 * The most operands a text may stand for once its variables are expanded. The translator replaces each use of
 * `$x := pipeline` by the pipeline itself (Handlebars has no variables), so `$b := list $a $a`, `$c := list $b
 * $b`... doubles the work per line: the text is refused before translating when its expansion passes this.
 * Real tpl values hold a handful of actions.
 */
export const MAX_EXPANDED_OPERANDS = 100_000;

/** Go template text -> strata template text; a UserError (never quoting the text) where that cannot be done. */
export function translateTplText(text: string, known: { partials: ReadonlySet<string> }): string {
  let parsed;
  try {
    parsed = parseGoTemplate(text);
  } catch (e) {
    // The parser's message may quote a token of the text (a value): only the line is named.
    if (e instanceof GoTemplateError)
      throw new UserError(`tpl: the text is not a valid Go template (line ${e.line} of the text)`);
    if (e instanceof RangeError) throw new UserError('tpl: the Go template text is nested too deeply');
    throw e;
  }
  if (parsed.defines.length > 0)
    throw new UserError('tpl: {{define}} inside a tpl text is not supported (define it in a template file)');
  if (expandedOperands(parsed.list) > MAX_EXPANDED_OPERANDS)
    throw new UserError(
      `tpl: the Go template text's variables expand past ${MAX_EXPANDED_OPERANDS} operands when translated (each use of $x repeats its pipeline)`,
    );
  // Only the partials the set has count as defines; `.Chart.X` reads the imported app's `Chart.X` partial
  // (templates/_strata-chart.hbs), as Chart.yaml is not read at render time.
  const tr = new Translator({
    name: '',
    meta: {},
    defines: known.partials,
    templates: new Set(),
    chartFromPartials: true,
  });
  let out: string;
  try {
    out = tr.template('tpl', parsed.list);
  } catch (e) {
    if (e instanceof RangeError) throw new UserError('tpl: the Go template text is nested too deeply');
    throw e;
  }
  const place = tr.places[0];
  if (place)
    throw new UserError(`tpl: cannot translate the Go template text at its line ${place.line}: ${place.reason}`);
  return out;
}

/**
 * An upper bound of the operands the translation writes: every pipe counts its operands, a variable counts
 * what its declaration's pipe counts (the largest declaration of that name, whatever its scope). Iterative
 * over the node tree, so deep nesting costs no stack; linear in the tree.
 */
export function expandedOperands(list: readonly Node[]): number {
  const weight = new Map<string, number>();
  let total = 0;
  const pipeWeight = (pipe: PipeNode): number => {
    let w = 0;
    const stack: Operand[] = pipe.cmds.flatMap((c) => c.args);
    while (stack.length) {
      const op = stack.pop()!;
      if (op.type === 'variable') w += weight.get(op.name) ?? 1;
      else if (op.type === 'pipe') for (const c of op.cmds) stack.push(...c.args);
      else if (op.type === 'chain') stack.push(op.node);
      else w += 1;
      if (w > MAX_EXPANDED_OPERANDS) return Infinity;
    }
    return w;
  };
  const pending: Node[] = [...list].reverse();
  while (pending.length && total <= MAX_EXPANDED_OPERANDS) {
    const n = pending.pop()!;
    const pipe = 'pipe' in n ? n.pipe : undefined;
    if (pipe) {
      const w = pipeWeight(pipe);
      total += w;
      for (const d of pipe.decl) weight.set(d, Math.max(weight.get(d) ?? 0, w));
    }
    const children = [...('list' in n ? n.list : []), ...('elseList' in n && n.elseList ? n.elseList : [])];
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
  }
  return total;
}
