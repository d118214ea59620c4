// Helm's `_helpers.tpl` habit: a `_*.hbs` file may define several partials with `{{#*inline "name"}}…{{/inline}}`
// at its top level, each usable from every template of the app (set.ts registers them by name).

export interface InlineDefs {
  defs: { name: string; program: hbs.AST.Program }[];
  /** The file without its definitions. */
  rest: hbs.AST.Program;
  /** True when nothing but whitespace is left outside the definitions: the file then defines no partial of its own. */
  onlyDefinitions: boolean;
}

/** The top-level `{{#*inline "name"}}` blocks of a parsed (and rewritten) partial file, or undefined if none. */
export function inlinePartials(ast: hbs.AST.Program): InlineDefs | undefined {
  const defs: InlineDefs['defs'] = [];
  const body: hbs.AST.Statement[] = [];
  for (const st of ast.body) {
    const block = st as hbs.AST.BlockStatement;
    if (st.type === 'DecoratorBlock' && block.path.original === 'inline' && block.params[0]?.type === 'StringLiteral') {
      defs.push({ name: (block.params[0] as hbs.AST.StringLiteral).value, program: block.program });
    } else body.push(st);
  }
  if (defs.length === 0) return undefined;
  const onlyDefinitions = body.every(
    (st) =>
      st.type === 'CommentStatement' ||
      (st.type === 'ContentStatement' && String((st as unknown as { original: string }).original).trim() === ''),
  );
  return { defs, rest: { ...ast, body }, onlyDefinitions };
}
