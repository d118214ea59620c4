import type { HelperOptions } from 'handlebars';
import { UserError } from '../errors.js';
import { Produced } from '../helpers.js';
import type { Value } from '../types.js';
import { hasMarkers, lineMarker, rawMarkers, stripMarkers } from './line-map.js';
import type { RenderState } from './types.js';
import { toText } from '../guards.js';

// The two helpers the rewriter (rewrite.ts) plants in every template: `__emit` checks what a `{{…}}` prints,
// `__path` reads a multi-step path handed to a helper.

interface Where {
  src: string;
  line: number;
  file: string;
}

// A raw string that starts with a letter, digit, `_` or `/`, holds only letters, digits and `._/@=+~%-`, and
// `:` only between two of those, is one plain scalar in any YAML context (block, flow, quoted, key or value,
// comment) and reads back as itself: it skips the parser check (raw-check.ts). This covers names, tags, paths,
// hosts, e-mail addresses and URLs; it is a shortcut for the common case, not the rule, which is decided by
// the parser for everything else. Linear: the classes exclude `:`, so there is one way to match.
export const TRIVIALLY_SAFE = /^[A-Za-z0-9_/][A-Za-z0-9._/@=+~%-]*(?::[A-Za-z0-9._/@=+~%-]+)*$/;

/** The `__emit` helper: checks what a `{{…}}` prints. */
export function emit(value: unknown, options: HelperOptions): string {
  const hash = options.hash as Where;
  const state = (options.data as { strata?: RenderState } | undefined)?.strata;
  state?.budget?.tick(hash.file);
  const text = emitText(value, hash, state);
  if (state?.mode === 'lines') return lineMarker(hash.file, hash.line) + text;
  return text;
}

function emitText(value: unknown, hash: Where, state: RenderState | undefined): string {
  if (value instanceof Produced) {
    state?.budget?.checkSize(value.text.length, hash.file);
    return value.text;
  }
  // Helm renders with missingkey=zero and replaces "<no value>" with "" (helm pkg/engine/engine.go): a missing
  // value prints as empty text under helm semantics.
  if (value === undefined) {
    if (state?.semantics === 'helm') return '';
    throw new UserError(`missing value "${hash.src}"`, { file: hash.file, line: hash.line });
  }
  if (value === null) return '';
  if (typeof value === 'object') {
    throw new UserError(
      `"${hash.src}" is a ${Array.isArray(value) ? 'list' : 'map'}; print it with {{nindent N (toYaml ${hash.src})}} or {{toJson ${hash.src}}}`,
      {
        file: hash.file,
        line: hash.line,
      },
    );
  }
  if (typeof value !== 'string') return toText(value);
  return rawString(value, hash, state);
}

function rawString(value: string, hash: Where, state: RenderState | undefined): string {
  if (value === '' || TRIVIALLY_SAFE.test(value)) return value;
  const instrumented = state?.mode === 'raw' || state?.mode === 'lines';
  // In an instrumented render, text a helper built from marked partial output carries markers: drop them, the
  // result is checked as one raw value. In a plain render, these noncharacters are refused (they would forge).
  if (instrumented && hasMarkers(value)) value = stripMarkers(value);
  const helm = state?.semantics === 'helm';
  if (!helm && /[\r\n]/.test(value)) {
    throw new UserError(
      `"${hash.src}" is a multi-line string; printed raw it could inject YAML: use {{quote ${hash.src}}} or {{nindent N (toYaml ${hash.src})}}`,
      {
        file: hash.file,
        line: hash.line,
      },
    );
  }
  if (hasMarkers(value)) {
    throw new UserError(`"${hash.src}" holds Unicode noncharacters (U+FDD0-U+FDD3); use {{quote ${hash.src}}}`, {
      file: hash.file,
      line: hash.line,
    });
  }
  state?.budget?.checkSize(value.length, hash.file);
  // Helm prints text as is and leaves the result to the YAML parser (a broken document is still an error).
  if (helm) return value;
  if (state) state.needsRawCheck = true;
  if (!instrumented) return value;
  const [open, close] = rawMarkers(hash.file, hash.line, hash.src);
  return open + value + close;
}

/**
 * The `__path` helper: `a.b.c` used as a helper argument. Handlebars' strict mode checks only printed paths
 * and dereferences argument paths blindly (a TypeError when `a` is missing); this reads own properties only
 * and names the whole path when a step before the last is missing. A missing last step is `undefined`, so
 * `{{#if values.ingress.enabled}}` and `default` keep working.
 */
export function lookupPath(head: unknown, ...rest: unknown[]): unknown {
  const options = rest.pop() as HelperOptions;
  const { src, line, file } = options.hash as Where;
  let cur = head;
  for (let i = 0; i < rest.length; i++) {
    if (cur === undefined || cur === null || typeof cur !== 'object') {
      const missing = src
        .split('.')
        .slice(0, src.split('.').length - rest.length + i)
        .join('.');
      throw new UserError(
        `missing value "${src}" ("${missing}" is ${cur === null ? 'null' : cur === undefined ? 'not defined' : 'not a map'})`,
        { file, line },
      );
    }
    const key = String(rest[i]);
    cur = Object.hasOwn(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
  }
  // A value handed to a helper (`{{required "…" values.image.tag}}`) may still end up in the output: record it
  // for tracing rendered text back to the values file that set it.
  const state = (options.data as { strata?: RenderState } | undefined)?.strata;
  const m =
    state && state.mode !== 'raw' && state.mode !== 'lines' && cur !== undefined && cur !== null
      ? /^(?:@root\.)?values\.(.+)$/.exec(src)
      : null;
  if (m) state!.emitted.push({ template: state!.template, valuePath: '.' + m[1], value: cur as Value });
  return cur;
}
