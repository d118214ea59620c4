// `tpl` under `spec.semantics: helm`: a chart value written for Go's text/template (`{{ .Release.Name }}`,
// `{{ include "x" . }}`) is translated into strata template text at render time, with the import's own parser
// and translator, and then compiled exactly like any other tpl text (core/template/engine-helpers.ts, which loads
// this module on the first such `tpl`).

import { UserError } from '../errors.js';
import { GoTemplateError, parseGoTemplate } from './parser.js';
import { TranslationTooLarge, Translator } from './translate.js';

/**
 * The most steps one tpl text's translation may take (translate.ts WorkMeter): real tpl values take a few
 * dozen; a text that doubles its work per line stops here, long before it costs time or memory.
 */
export const TPL_WORK = 200_000;

/**
 * Go template text -> strata template text; a UserError (never quoting the text, nor naming its variables)
 * where that cannot be done. `tick` is the render's clock check, run as the translation works.
 */
export function translateTplText(text: string, known: { partials: ReadonlySet<string> }, tick?: () => void): string {
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
  // Only the partials the set has count as defines; `.Chart.X` reads the imported app's `Chart.X` partial
  // (templates/_strata-chart.hbs), as Chart.yaml is not read at render time.
  const tr = new Translator(
    { name: '', meta: {}, defines: known.partials, templates: new Set(), chartFromPartials: true },
    { max: TPL_WORK, ...(tick ? { tick } : {}) },
  );
  let out: string;
  try {
    out = tr.tplText(parsed.list);
  } catch (e) {
    if (e instanceof TranslationTooLarge) throw new UserError(`tpl: the Go template text: ${e.message}`);
    if (e instanceof RangeError) throw new UserError('tpl: the Go template text is nested too deeply');
    throw e;
  }
  const place = tr.places[0];
  if (place) {
    // A reason may name one of the text's variables: the text is a value, so its names stay out.
    const reason = place.reason.replace(/\$[A-Za-z0-9_]+/g, 'a variable');
    throw new UserError(`tpl: cannot translate the Go template text at its line ${place.line}: ${reason}`);
  }
  return out;
}
