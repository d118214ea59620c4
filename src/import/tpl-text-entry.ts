import type { GoTextTranslator } from '../core/templates.js';

// What the entry points inject as RenderSettings.goText: the translator loads on the first `tpl` under helm
// semantics, so a render that never needs it (most, and every render in the Argo CD sidecar's cold start)
// never loads the import's parser and translator.
export const goTextTranslator: GoTextTranslator = (text, known) =>
  (require('./tpl-text.js') as typeof import('./tpl-text.js')).translateTplText(text, known);
