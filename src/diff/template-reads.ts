import Handlebars from 'handlebars';

// Whether a template can read files beyond its app's static inputs when it renders: it calls the `file`
// helper (Helm's .Files.Get), or `tpl` (which renders a string from the values as a template, and that
// string may call `file`). Decided on the parsed template, not its text: a comment about
// readOnlyRootFilesystem is not a call. A name is only a helper call as a one-part path (`file`, never
// `values.file` or `this.file`). The list is deliberately wider than what exists today, so a file-reading
// helper added under one of these names is covered without touching this module.

export const FILE_READING_HELPERS: ReadonlySet<string> = new Set([
  'file',
  'tpl',
  'fileGlob',
  'files',
  'glob',
  'readFile',
]);

function walk(node: unknown, found: (name: string) => boolean): boolean {
  if (Array.isArray(node)) return node.some((n) => walk(n, found));
  if (typeof node !== 'object' || node === null) return false;
  const n = node as { type?: unknown; parts?: unknown; original?: unknown; data?: unknown };
  // `this.file`, `./file` and `@file` parse to the same one part but are scoped lookups, never helper calls.
  if (
    n.type === 'PathExpression' &&
    Array.isArray(n.parts) &&
    n.parts.length === 1 &&
    n.original === n.parts[0] &&
    n.data !== true &&
    found(String(n.parts[0]))
  )
    return true;
  for (const [k, v] of Object.entries(node)) if (k !== 'loc' && walk(v, found)) return true;
  return false;
}

/** True when `source` (a template or partial) may read other files at render time; unparsable counts as may. */
export function mayReadFiles(source: string): boolean {
  let ast: unknown;
  try {
    ast = Handlebars.parse(source);
  } catch {
    return true;
  }
  return walk(ast, (name) => FILE_READING_HELPERS.has(name));
}

/** Template files whose text is worth parsing (others are copied as they are). */
export function isTemplateSource(path: string): boolean {
  return path.endsWith('.hbs') || path.endsWith('.tpl');
}
