import type { ReadOnlyFs } from '../fs.js';
import type { Value } from '../types.js';
import type { Budget } from './budget.js';
import type { Semantics } from '../config.js';

// The shapes the template modules share (engine internals; templates.ts re-exports the public ones).

export interface TemplateFile {
  /** Repo-relative path. */
  path: string;
  kind: 'template' | 'partial' | 'static';
  /** Partial name (file name without the leading `_` and the extension). */
  name: string;
}

/** A value a template printed or passed to a helper, for tracing rendered text back to its origin (trace.ts). */
export interface Emitted {
  template: string;
  /** Values path, e.g. `.image.tag` or `.resources`. */
  valuePath: string;
  value: Value;
}

/**
 * Where compiled templates can be kept between processes (the CLI gives a private folder under the temp dir;
 * tests and the server give none). The core only sees this interface.
 */
export interface CompiledStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

/**
 * How a render is instrumented: `raw` wraps every raw-printed string that needs the parser check in markers
 * (raw-check.ts); `lines` also marks the template line of every output line (line-map.ts). Both are second
 * renders on an error or check path only; the normal render is plain.
 */
export type RenderMode = 'plain' | 'raw' | 'lines';

/** What one render of one template carries through Handlebars' `data.strata`. */
export interface RenderState {
  template: string;
  emitted: Emitted[];
  log: (message: string) => void;
  /** Shared by every template of the render: time, output size, depth. Optional for callers of old. */
  budget?: Budget;
  /** Files the `file` helper read (repo-relative), for the revision annotation and caches. */
  inputs?: Set<string>;
  /** The file system and app directory `file` reads from; without them `file` is refused. */
  fs?: ReadOnlyFs;
  appDir?: string;
  /** The templates folder: `file` refuses to read templates (Helm's .Files cannot either). */
  templatesDir?: string;
  mode?: RenderMode;
  /** Set by `__emit` when a raw string is not trivially safe: the render is then checked by the parser. */
  needsRawCheck?: boolean;
  /**
   * The render holds values decrypted from SOPS layers: `tpl` compiles are not kept in the set's cache, which
   * outlives the render (a `tpl` text may carry a secret; docs/secrets.md, "Secrets never show").
   */
  secrets?: boolean;
  /** spec.semantics of the app (core/config.ts); `strata` when absent. */
  semantics?: Semantics;
}

/** A compiled template; `opts` is Handlebars' runtime options (set.ts passes its call setup besides `data`). */
export type Compiled = (ctx: unknown, opts?: { data?: Record<string, unknown> } & Record<string, unknown>) => string;

export interface PathIndex {
  /** `line:column` of a path expression -> its source text (e.g. `values.image.tag`). */
  paths: Map<string, string>;
  /** `line:column` of a helper call -> source text of its parameters. */
  calls: Map<string, string[]>;
}
