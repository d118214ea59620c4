// A YAML emitter for JSON-shaped data whose output means the same thing to a YAML 1.1 reader (Argo CD reads
// plugin output with yaml.v2) and to a YAML 1.2 reader at once. Neither library's dumper writes for both: js-yaml
// quotes for its own reader and leaves plain some scalars yaml.v2 takes as numbers (`1_`: yaml.v2 drops `_` before
// parsing, gopkg.in/yaml.v2 resolve.go), and the `yaml` package quotes for one version at a time (its 1.2 default
// leaves `yes`/`on` plain, booleans to yaml.v2; with `version: '1.1'` it leaves `0o17` plain, a number to a 1.2
// reader). Owning the ~130 lines lets us quote for both and keep the output byte-stable. Keys are sorted (like
// Helm and kubectl), except that `apiVersion`, `kind`, `metadata` lead at the top of each object.

import { isPlainMap, toText } from './guards.js';

const TOP_KEYS = ['apiVersion', 'kind', 'metadata'];

// Words YAML 1.1 or 1.2 resolve to booleans or null, plus `<<` (1.1 merge) and `=` (1.1 value key).
const SPECIAL_WORDS =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|<<|=)$/;
// Starts like a number (decimal, hex, octal, binary, sexagesimal) and uses only characters those can contain,
// or starts like a timestamp.
const NUMBER_LIKE = /^[-+]?\.?[0-9][0-9a-fA-F._:xXoO+-]*$|^\d{4}-\d\d?-\d\d?(?:[Tt ]|$)/;
// `.inf`, `.nan`, and anything starting with a dot after an optional sign (`._1`, `.e1`, `+.`): YAML 1.1 readers
// disagree about those (PyYAML and the yaml package read some as floats).
const INF_NAN = /^[-+]?\./;
const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`\s]/;
// Inside a plain scalar these start a comment or a mapping, or are not printable / not allowed.
const UNSAFE_INSIDE = /: |:$| #|\s$|[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

export function needsQuotes(s: string): boolean {
  return (
    s === '' ||
    SPECIAL_WORDS.test(s) ||
    NUMBER_LIKE.test(s) ||
    INF_NAN.test(s) ||
    INDICATOR_START.test(s) ||
    UNSAFE_INSIDE.test(s)
  );
}

/** A YAML double-quoted scalar (also the `quote` helper). JSON's escapes are valid there; also escape what
 * YAML 1.1 treats as line breaks, C1 controls and the BOM. */
export function quoted(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * null, a boolean or a number as YAML writes it (`.nan`, `.inf`); undefined for anything else. Numbers are
 * JavaScript's shortest form here; toYaml under helm semantics passes Go's %v (helpers/yaml-v2.ts).
 */
export function plainScalar(v: unknown, numberText: (n: number) => string = String): string | undefined {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    return numberText(v);
  }
  return undefined;
}

function scalarText(v: unknown): string {
  const plain = plainScalar(v);
  if (plain !== undefined) return plain;
  const s = toText(v);
  return needsQuotes(s) ? quoted(s) : s;
}

/** A literal block (`|`) keeps multi-line text readable (ConfigMaps, scripts) when it can round-trip exactly. */
function literalBlock(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || /^[\s]/.test(s) || /[\r\t\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(s))
    return undefined;
  // Trailing newlines counted by a loop: `/\n+$/` rescans a long run of newlines from every start (quadratic).
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x0a) end--;
  const body = s.slice(0, end);
  const trailing = s.length - end;
  // Two or more trailing newlines would need `|+`, whose last line break is the one after the block: a
  // `toYaml` at the very end of a template has none, and the value would lose a newline. Quote those.
  if (trailing > 1) return undefined;
  const chomp = trailing === 0 ? '-' : '';
  const lines = body.split('\n');
  return `|${chomp}\n` + lines.map((l) => (l === '' ? '' : indent + l)).join('\n');
}

function sortedKeys(obj: Record<string, unknown>, top: boolean): string[] {
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  if (!top) return keys;
  const lead = TOP_KEYS.filter((k) => keys.includes(k));
  return [...lead, ...keys.filter((k) => !TOP_KEYS.includes(k))];
}

function emitNode(v: unknown, indent: string, out: string[], top: boolean): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if ((isPlainMap(item) && Object.keys(item).length > 0) || (Array.isArray(item) && item.length > 0)) {
        const sub: string[] = [];
        emitNode(item, indent + '  ', sub, false);
        out.push(indent + '- ' + sub[0].slice(indent.length + 2), ...sub.slice(1));
      } else {
        out.push(indent + '- ' + inline(item, indent + '  '));
      }
    }
    return;
  }
  const obj = v as Record<string, unknown>;
  for (const k of sortedKeys(obj, top)) {
    const val = obj[k];
    const key = scalarText(k);
    if ((isPlainMap(val) && Object.keys(val).length > 0) || (Array.isArray(val) && val.length > 0)) {
      out.push(`${indent}${key}:`);
      emitNode(val, indent + '  ', out, false);
    } else {
      out.push(`${indent}${key}: ${inline(val, indent + '  ')}`);
    }
  }
}

function inline(v: unknown, childIndent: string): string {
  if (Array.isArray(v)) return '[]';
  if (isPlainMap(v)) return '{}';
  if (typeof v === 'string') return literalBlock(v, childIndent) ?? scalarText(v);
  return scalarText(v);
}

/** One value as YAML text without a trailing newline (the `toYaml` helper). */
export function toYamlText(v: unknown): string {
  if ((isPlainMap(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.length > 0)) {
    const out: string[] = [];
    emitNode(v, '', out, false);
    return out.join('\n');
  }
  return inline(v, '  ');
}

/** A stream of objects, each document introduced by `---`, ending in a newline. */
export function toYamlStream(objects: readonly unknown[]): string {
  const out: string[] = [];
  for (const o of objects) {
    out.push('---');
    // An empty map has no lines of its own: without `{}` the document would read back as null.
    if (isPlainMap(o) && Object.keys(o).filter((k) => o[k] !== undefined).length === 0) out.push('{}');
    else emitNode(o, '', out, true);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** Manifests as a YAML stream, or as one JSON `List` (what kubectl prints). */
export function formatObjects(objects: readonly unknown[], format: string): string {
  if (format === 'json') return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2) + '\n';
  return toYamlStream(objects);
}
