// The template engine's public face (docs/templates.md). The engine lives in src/core/template/, one concern
// per module: files.ts (which files are templates), rewrite.ts (the AST rewrite), emit.ts (checks on what is
// printed), blocks.ts (Helm truthiness, sorted maps), engine-helpers.ts (`tpl`, `file`), inline.ts (shared
// partials), go-syntax.ts and errors.ts (errors that teach), budget.ts (time, size, depth), prescan.ts (nesting
// and size before parsing), raw-check.ts and
// line-map.ts (raw output and bad-output lines), set.ts (compilation), cache.ts (sets by folder), run.ts (one
// template from text to objects).

export type { CompiledStore, Emitted, RenderMode, RenderState, TemplateFile } from './template/types.js';
export { listTemplateFiles } from './template/files.js';
export { TemplateSet } from './template/set.js';
export { TemplateCache } from './template/cache.js';
export { Budget, type RenderDeadline } from './template/budget.js';
export { renderObjects, type RunHooks } from './template/run.js';
