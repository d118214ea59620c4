import { limitHint } from '../limits.js';
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { toYamlText } from '../serialize.js';
import { toYamlV2 } from './yaml-v2.js';
import { PROFILES, readYaml } from '../untrusted-yaml.js';
import { loadYamlText } from '../yaml-load.js';
import { expandedSize } from './meter.js';
import {
  cap,
  type Call,
  def,
  fail,
  type HelperTable,
  isHelm,
  isMap,
  need,
  newMap,
  Produced,
  put,
  text,
} from './base.js';

// Encodings with Helm's and sprig's names. toJson is Go's json.Marshal (keys sorted; <, >, & and U+2028/9
// escaped), toYaml is strata's YAML emitter (docs/helpers.md: the same data as Helm's yaml.v2 output, with
// lists indented under their key and conservative quoting). Where Helm would hand back an error text as data
// (fromYaml's {"Error": ...}, b64dec's "illegal base64 data ..."), strata fails with a message instead.

/** Go's encoding/json text for JSON-shaped data: sorted keys, HTML-safe unless `raw`. */
export function goJson(c: Call, v: unknown, indent: string, raw: boolean): string {
  // Bounded before writing: a value of shared references writes exponentially more than it holds (meter.ts).
  expandedSize(c, v);
  const sorted = (_k: string, x: unknown): unknown => {
    if (x instanceof Produced) return x.text;
    if (isMap(x) && !(x instanceof Produced)) {
      const out = newMap();
      for (const k of Object.keys(x).sort()) put(out, k, x[k]);
      return out;
    }
    if (typeof x === 'number' && !Number.isFinite(x)) fail(c, 'NaN and infinities have no JSON form');
    return x;
  };
  let s: string;
  try {
    s = JSON.stringify(v, sorted, indent || undefined) ?? 'null';
  } catch (e) {
    if (e instanceof UserError) throw e;
    return fail(c, 'the value is nested too deeply to encode');
  }
  // Go writes these as \u escapes where JSON.stringify uses short forms or none.
  return s.replace(raw ? /[\u2028\u2029]|\\[bf]/g : /[<>&\u2028\u2029]|\\[bf]/g, (ch) =>
    ch === '\\b' ? '\\u0008' : ch === '\\f' ? '\\u000c' : '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

function parseJson(c: Call, s: string): unknown {
  cap(c, s.length, 'the input');
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    return fail(c, 'the text is not valid JSON');
  }
  // The same nesting bound as values files (core/limits.ts nestingDepth), checked without recursion.
  const max = c.host.limits().nestingDepth;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (d > max) fail(c, `the value nests deeper than ${max} levels (${limitHint('nestingDepth')})`);
    if (x !== null && typeof x === 'object') for (const y of Object.values(x)) stack.push([y, d + 1]);
  }
  return v;
}

/** A text read as a values file would be (untrusted-yaml.ts, profile `values`); `map`: a map at the top (fromYaml). */
function parseYaml(c: Call, s: string, map: boolean): unknown {
  cap(c, s.length, 'the input');
  try {
    return map ? (loadYamlText(s, c.name).value ?? {}) : readYaml(s, c.name, PROFILES.values)[0];
  } catch (e) {
    const msg = e instanceof UserError ? e.message : 'invalid YAML';
    const line = e instanceof UserError && e.where?.line ? ` (line ${e.where.line} of the text)` : '';
    return fail(c, `${msg}${line}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function decodedText(c: Call, bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return fail(c, 'the decoded bytes are not UTF-8 text');
  }
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function b32enc(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 5) {
    const chunk = [...bytes.subarray(i, i + 5)];
    const n = chunk.length;
    while (chunk.length < 5) chunk.push(0);
    let bits = 0n;
    for (const b of chunk) bits = (bits << 8n) | BigInt(b);
    let group = '';
    for (let j = 7; j >= 0; j--) group += B32[Number((bits >> BigInt(j * 5)) & 31n)];
    const keep = [0, 2, 4, 5, 7, 8][n];
    out += group.slice(0, keep) + '='.repeat(8 - keep);
  }
  return out;
}

function b32dec(c: Call, s: string): Buffer {
  const t = s.replace(/[\r\n]/g, '');
  if (t.length % 8 !== 0 || !/^[A-Z2-7]*=*$/.test(t)) fail(c, 'the text is not base32');
  const out: number[] = [];
  for (let i = 0; i < t.length; i += 8) {
    const group = t.slice(i, i + 8);
    const data = group.replace(/=+$/, '');
    const n = { 8: 5, 7: 4, 5: 3, 4: 2, 2: 1 }[data.length];
    if (n === undefined) fail(c, 'the text is not base32');
    let bits = 0n;
    for (let j = 0; j < 8; j++) bits = (bits << 5n) | BigInt(j < data.length ? B32.indexOf(data[j]) : 0);
    for (let j = 0; j < n; j++) out.push(Number((bits >> BigInt((4 - j) * 8)) & 255n));
  }
  return Buffer.from(out);
}

function adler32(bytes: Buffer): number {
  let a = 1;
  let b = 0;
  for (const x of bytes) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return b * 65536 + a;
}

const hash = (algo: string) => (args: unknown[], c: Call) =>
  createHash(algo)
    .update(text(c, args[0], 0), 'utf8')
    .digest('hex');

export const ENCODING_HELPERS: HelperTable = {
  toYaml: def(1, 1, ([v], c) => {
    const x = need(c, v, 0);
    expandedSize(c, x);
    // Under helm semantics, Helm's own layout (yaml.v2): the text may be hashed or stored in a ConfigMap.
    return new Produced(isHelm(c) ? toYamlV2(x) : toYamlText(x));
  }),
  fromYaml: def(1, 1, ([s], c) => parseYaml(c, text(c, s, 0), true)),
  // Read as the document it is (a `---` starts it, lines are the text's own), not wrapped under a key.
  fromYamlArray: def(1, 1, ([s], c) => {
    const l = parseYaml(c, text(c, s, 0), false) ?? [];
    if (!Array.isArray(l)) fail(c, 'the text is not a YAML list');
    return l as unknown[];
  }),
  toJson: def(1, 1, ([v], c) => goJson(c, need(c, v, 0), '', false)),
  mustToJson: def(1, 1, ([v], c) => goJson(c, need(c, v, 0), '', false)),
  toPrettyJson: def(1, 1, ([v], c) => goJson(c, need(c, v, 0), '  ', false)),
  toRawJson: def(1, 1, ([v], c) => goJson(c, need(c, v, 0), '', true)),
  fromJson: def(1, 1, ([s], c) => parseJson(c, text(c, s, 0))),
  fromJsonArray: def(1, 1, ([s], c) => {
    const v = parseJson(c, text(c, s, 0));
    if (!Array.isArray(v)) fail(c, 'the text is not a JSON list');
    return v as unknown[];
  }),
  b64enc: def(1, 1, ([s], c) => Buffer.from(text(c, s, 0), 'utf8').toString('base64')),
  b64dec: def(1, 1, ([s], c) => {
    const t = text(c, s, 0).replace(/[\r\n]/g, '');
    if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t))
      fail(c, 'the text is not base64 (standard alphabet, padded)');
    return decodedText(c, Buffer.from(t, 'base64'));
  }),
  b32enc: def(1, 1, ([s], c) => b32enc(Buffer.from(text(c, s, 0), 'utf8'))),
  b32dec: def(1, 1, ([s], c) => decodedText(c, b32dec(c, text(c, s, 0)))),
  sha256sum: def(1, 1, hash('sha256')),
  sha256: def(1, 1, hash('sha256')),
  sha1sum: def(1, 1, hash('sha1')),
  sha512sum: def(1, 1, hash('sha512')),
  adler32sum: def(1, 1, ([s], c) => String(adler32(Buffer.from(text(c, s, 0), 'utf8')))),
};
