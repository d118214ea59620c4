import yaml from 'js-yaml';
import { childPath } from './paths.js';

// The js-yaml schema strata reads YAML with: YAML 1.2 core types plus `<<` merge keys, and markers for the
// plain scalars we refuse rather than guess (checked by the walk that follows every load):
// - ambiguous: YAML 1.1 (Helm, Argo CD's yaml.v2) and 1.2 read them differently: `enabled: no` is `false` to
//   Helm and the truthy string "no" to a 1.2 reader; `0755` is 493 or 755; a date is a timestamp or a string;
// - unsafe integers: beyond 2^53 js-yaml would round them silently.

// As map keys these stay their own text (YAML 1.2 reads `on:` as the key "on"; the output quotes it, so Argo
// CD reads the same). js-yaml stringifies a key object only when its tag is not `[object Object]`, hence the
// toStringTag: without it, `on:` would silently become the key "[object Object]".
export class Ambiguous {
  readonly [Symbol.toStringTag] = 'Ambiguous';
  /** What messages may show of it (see ambiguityOf): never the value. */
  get shape(): string {
    return ambiguityOf(this.text) ?? 'ambiguous';
  }
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export class UnsafeInteger {
  readonly [Symbol.toStringTag] = 'UnsafeInteger';
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const AMBIGUOUS_WORDS: ReadonlySet<string> = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
]);
const DIGITS = /^[0-9]+$/;
const OCTAL_DIGITS = /^[0-7]+$/;
const DIGITS_UNDERSCORES = /^[0-9_]+$/;
const SEXAGESIMAL_PART = /^[0-5]?[0-9]$/;
const DATE_START = /^[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?/;
const LINE_BREAK = /[\n\r\u2028\u2029]/;

/**
 * How a plain scalar is read differently by YAML 1.1 and 1.2, as a shape that names no part of the value
 * (messages reach Argo CD's UI; the value may be a secret): the word itself for the 16 yes/no/on/off words
 * (a fixed vocabulary), `0NNN` for a 1.1 octal, `N_NNN` for a number with `_` separators, `NN:NN` for a
 * sexagesimal, `YYYY-MM-DD` (and ` …` when a time or more follows) for a date or timestamp; undefined when
 * both read it alike. Decided in one pass per shape with single-quantifier regexes: a plain scalar is user
 * text of any length, and a nested quantifier here made a 200 KB scalar of digits and underscores take 25 s.
 */
export function ambiguityOf(text: string): string | undefined {
  if (AMBIGUOUS_WORDS.has(text)) return text;
  const body = text[0] === '-' || text[0] === '+' ? text.slice(1) : text;
  const c = body.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) {
    if (body[0] === '0' && body.length > 1 && OCTAL_DIGITS.test(body.slice(1))) return '0NNN';
    if (body.includes('_') && DIGITS_UNDERSCORES.test(body)) return 'N_NNN';
    if (body.includes(':')) {
      const parts = body.split(':');
      if (DIGITS.test(parts[0]) && parts.slice(1).every((p) => SEXAGESIMAL_PART.test(p))) return 'NN:NN';
    }
  }
  // `\d{4}-\d\d?-\d\d?`, alone or followed by `T`, `t` or a space and anything on the same line.
  const date = DATE_START.exec(text);
  if (date) {
    const rest = text.slice(date[0].length);
    if (rest === '') return 'YYYY-MM-DD';
    if ((rest[0] === 'T' || rest[0] === 't' || rest[0] === ' ') && !LINE_BREAK.test(rest)) return 'YYYY-MM-DD …';
  }
  return undefined;
}

export function isAmbiguous(text: string): boolean {
  return ambiguityOf(text) !== undefined;
}

/**
 * Whether Go's gopkg.in/yaml.v2 (through sigs.k8s.io/yaml, how Argo CD reads Application manifests and
 * `.argocd-source*.yaml`) reads a plain scalar differently from YAML 1.2: it takes the yes/no/on/off words as
 * booleans (resolve.go resolveMap) and parses integers with strconv.ParseInt(base 0) after dropping `_`
 * (`0755` is 493, `1_000` is 1000); a timestamp decoded into interface{} stays its string (decode.go, "for
 * backward compatibility") and it has no sexagesimals, so dates and `NN:NN` read alike.
 */
export function goYamlDiffers(text: string): boolean {
  const shape = ambiguityOf(text);
  return shape !== undefined && shape !== 'NN:NN' && !shape.startsWith('YYYY-MM-DD');
}

const ambiguousType = (differs: (text: string) => boolean): yaml.Type =>
  new yaml.Type('tag:strata.dev,2024:ambiguous', {
    kind: 'scalar',
    resolve: (data: string | null) => data !== null && differs(data),
    construct: (data: string) => new Ambiguous(data),
  });

const unsafeIntType = new yaml.Type('tag:strata.dev,2024:unsafe-int', {
  kind: 'scalar',
  resolve: (data: string | null) =>
    data !== null &&
    /^[-+]?(?:[0-9]{16,}|0x[0-9a-fA-F]{14,})$/.test(data) &&
    !Number.isSafeInteger(Number(data.replace(/^\+/, ''))),
  construct: (data: string) => new UnsafeInteger(data),
});

// js-yaml exports its scalar types at runtime; @types/js-yaml does not declare them.
const t = (yaml as unknown as { types: Record<'null' | 'bool' | 'int' | 'float' | 'merge', yaml.Type> }).types;

/** Implicit types are tried in order: the markers first, so they win over int and float. */
export const STRATA_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [ambiguousType(isAmbiguous), unsafeIntType, t.null, t.bool, t.int, t.float, t.merge],
});

/** For files Argo CD reads with Go's yaml.v2: only what that reader takes differently is marked ambiguous. */
export const GO_YAML_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [ambiguousType(goYamlDiffers), unsafeIntType, t.null, t.bool, t.int, t.float, t.merge],
});

export type ParsedProblem = 'nodes' | 'depth' | 'ambiguous' | 'unsafe-int' | 'key' | 'type';

export interface ParsedLimits {
  /** Most nodes visited, counting every alias expansion (shared references are walked each time). */
  maxNodes: number;
  maxDepth: number;
  /** Keys refused outright. */
  forbiddenKeys: ReadonlySet<string>;
  /** Also refuse integer-valued numbers beyond 2^53 that arrived as floats (`1e20`), not only big integer literals. */
  anyUnsafeNumber?: boolean;
}

/**
 * Walk what js-yaml loaded with STRATA_SCHEMA and report the first thing strata refuses: too many nodes (an
 * alias bomb), too deep, an ambiguous scalar, an integer beyond 2^53, a forbidden key, a non-plain object.
 * `fail` must throw; the callers (values files, rendered output) word the message for their reader; `detail`
 * is safe to print (a limit, a key, a shape, never a value). `budget`
 * may be shared by several documents.
 */
export function checkParsed(
  root: unknown,
  limits: ParsedLimits,
  fail: (problem: ParsedProblem, path: string, detail: string) => never,
  budget = { n: limits.maxNodes },
): void {
  const walk = (v: unknown, path: string, depth: number): void => {
    if (--budget.n < 0) fail('nodes', path, String(limits.maxNodes));
    if (depth > limits.maxDepth) fail('depth', path, String(limits.maxDepth));
    // Details never carry a value (callers print them): a shape for ambiguous scalars, nothing for numbers.
    if (v instanceof Ambiguous) fail('ambiguous', path, v.shape);
    if (v instanceof UnsafeInteger) fail('unsafe-int', path, 'integer');
    if (limits.anyUnsafeNumber && typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v))
      fail('unsafe-int', path, 'integer');
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], childPath(path, i), depth + 1);
    } else if (typeof v === 'object' && v !== null) {
      if (Object.getPrototypeOf(v) !== Object.prototype) fail('type', path, Object.prototype.toString.call(v));
      for (const k of Object.keys(v)) {
        const p = childPath(path, k);
        if (limits.forbiddenKeys.has(k)) fail('key', p, k);
        walk((v as Record<string, unknown>)[k], p, depth + 1);
      }
    }
  };
  walk(root, '', 0);
}
