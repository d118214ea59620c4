import type { HelperOptions } from 'handlebars';
import { UserError } from '../errors.js';
import { resolvePath } from '../fs.js';
import { Produced } from '../helpers.js';
import { DEFAULT_RENDER_LIMITS, limitHint } from '../limits.js';
import { decodeUtf8 } from '../yaml-load.js';
import { stripMarkers } from './line-map.js';
import type { Budget } from './budget.js';
import type { Compiled, RenderState } from './types.js';

// Helpers the engine itself provides, because they render templates or read files (helpers.ts holds the pure
// ones): `tpl` (Helm's tpl) and `file` (Helm's .Files.Get), plus `log` routed away from stdout.

type Opts = HelperOptions & { loc?: { start: { line: number } } };

export interface EngineHost {
  /** Compile a string as a strata template (rewritten and checked like a file), cached by text; the compile counts against `budget`. */
  compileString(text: string, where: string, budget?: Budget, keep?: boolean): Compiled;
  /** The partial names of the set (what a translated Go text may `include`). */
  partialNames(): ReadonlySet<string>;
}

function at(o: Opts, s: RenderState | undefined): { file?: string; line?: number } {
  return { ...(s ? { file: s.template } : {}), ...(o.loc ? { line: o.loc.start.line } : {}) };
}

type TplText = typeof import('../go-template/tpl-text.js');
let tplText: TplText | undefined;

/**
 * Under helm semantics a `tpl` text is a chart value written for Go's text/template (`{{ .Release.Name }}`):
 * translated by the import's translator (go-template/tpl-text.ts, loaded on the first such `tpl`, so most
 * renders never load it) before it is compiled. The translation is bounded in steps (TPL_WORK) and checks the
 * render's clock as it works; its output is held to helperBytes, like the input.
 */
function goText(text: string, host: EngineHost, s: RenderState, o: Opts): string {
  const tick = (): void => s.budget?.checkTime(s.template);
  tick();
  tplText ??= require('../go-template/tpl-text.js') as TplText;
  let out: string;
  try {
    out = tplText.translateTplText(text, { partials: host.partialNames() }, tick);
  } catch (e) {
    // The translator's errors name no place in the template: add the tpl call's.
    if (e instanceof UserError && !e.where?.file) throw new UserError(e.message, at(o, s), { cause: e });
    throw e;
  }
  tick();
  const limit = (s.budget?.limits ?? DEFAULT_RENDER_LIMITS).helperBytes;
  if (out.length > limit)
    throw new UserError(
      `tpl: the text translated from Go template syntax is longer than ${limit} bytes (${limitHint('helperBytes')})`,
      at(o, s),
    );
  return out;
}

export function engineHelpers(host: EngineHost): Record<string, (...args: unknown[]) => unknown> {
  return {
    log: (...args: unknown[]) => {
      const o = args.pop() as Opts;
      const s = (o.data as { strata?: RenderState } | undefined)?.strata;
      if (s?.mode === undefined || s.mode === 'plain') s?.log(args.map(String).join(' '));
      return '';
    },

    /** `tpl text ctx`: render a string as a template. Its output is a raw string (checked when printed). */
    tpl: (...args: unknown[]) => {
      const o = args.pop() as Opts;
      const s = (o.data as { strata?: RenderState } | undefined)?.strata;
      if (args.length !== 2) throw new UserError(`tpl takes 2 arguments (text, context), got ${args.length}`, at(o, s));
      const [raw, ctx] = args;
      const text = raw instanceof Produced ? raw.text : raw;
      if (typeof text !== 'string') throw new UserError('tpl: argument 1 must be text', at(o, s));
      const limits = s?.budget?.limits ?? DEFAULT_RENDER_LIMITS;
      if (text.length > limits.helperBytes)
        throw new UserError(
          `tpl: the text is longer than ${limits.helperBytes} bytes (${limitHint('helperBytes')})`,
          at(o, s),
        );
      const where = `${s?.template ?? 'template'} (tpl at line ${o.loc?.start.line ?? '?'})`;
      const source = s?.semantics === 'helm' ? goText(text, host, s, o) : text;
      // The translation is compiled exactly like any tpl text: same prescan, checks, budget and cache (by text).
      const fn = host.compileString(source, where, s?.budget, !s?.secrets);
      s?.budget?.enter(s.template, 'tpl');
      try {
        s?.budget?.open();
        const out = stripMarkers(fn(ctx, { data: o.data as Record<string, unknown> }));
        s?.budget?.close(out.length, s.template);
        return out;
      } finally {
        s?.budget?.leave();
      }
    },

    /**
     * `file "path"`: a file's contents, relative to the app directory (Helm's .Files.Get), read through the
     * render's confined file system and recorded as an input of the render (RenderResult.inputs).
     */
    file: (...args: unknown[]) => {
      const o = args.pop() as Opts;
      const s = (o.data as { strata?: RenderState } | undefined)?.strata;
      if (args.length !== 1)
        throw new UserError(
          `file takes 1 argument (a path relative to the app directory), got ${args.length}`,
          at(o, s),
        );
      const rel = args[0] instanceof Produced ? args[0].text : args[0];
      if (typeof rel !== 'string' || rel === '')
        throw new UserError('file: argument 1 must be a path relative to the app directory', at(o, s));
      if (!s?.fs || s.appDir === undefined) throw new UserError('file: not available in this render', at(o, s));
      // The path may come from values: errors name the template line, not the path.
      let path: string;
      try {
        path = resolvePath(s.appDir, rel);
      } catch {
        throw new UserError('file: the path must be relative and stay inside the repository', at(o, s));
      }
      const segments = path.split('/');
      if (segments.some((x) => x === '.git')) throw new UserError('file: files under .git are not readable', at(o, s));
      if (s.templatesDir !== undefined && (path === s.templatesDir || path.startsWith(s.templatesDir + '/'))) {
        throw new UserError(
          "file: templates are not readable as files (Helm's .Files cannot read templates/ either)",
          at(o, s),
        );
      }
      if (s.fs.stat(path) !== 'file') throw new UserError('file: no such file in the app', at(o, s));
      const limits = s.budget?.limits ?? DEFAULT_RENDER_LIMITS;
      const bytes = s.fs.readFile(path);
      if (bytes.length > limits.fileBytes)
        throw new UserError(
          `file: the file is larger than ${limits.fileBytes} bytes (${limitHint('fileBytes')})`,
          at(o, s),
        );
      s.inputs?.add(path);
      return decodeUtf8(bytes, path);
    },
  };
}
