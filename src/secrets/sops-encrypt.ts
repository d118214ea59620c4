import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { Document, isScalar } from 'yaml';
import { isPlainMap } from '../core/guards.js';
import { formatFloat } from '../core/helpers/go-float.js';
import type { Value, Values } from '../core/types.js';
import { ageEncrypt, recipientKey } from './age.js';

// Writing a SOPS file, the mirror of sops.ts, following the same sops sources (sops.go Tree.Encrypt,
// aes/cipher.go Encrypt, cmd/sops/common/common.go). strata never encrypts when it renders: this exists for
// the tests (files sops' rules can produce but no public fixture has: mac_only_encrypted, encrypted_suffix,
// unencrypted_regex, bool and float values) and to write the plate example with its test key, because `sops`
// itself is not installable on the machine that built it. Compatibility with sops is proven by the fixtures
// sops made (test/fixtures/sops), not by this file.

export interface SopsEncryptOptions {
  recipients: readonly string[];
  /** The `lastmodified` time (RFC 3339, whole seconds): given, so output depends on no clock. */
  lastModified: string;
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  encryptedRegex?: string;
  unencryptedRegex?: string;
  macOnlyEncrypted?: boolean;
  /** Output format; YAML by default. */
  format?: 'yaml' | 'json';
}

const MAC_ONLY_ENCRYPTED_INIT = createHash('sha256').update('sops').digest();

function seal(plain: Buffer, key: Buffer, aad: string, type: string): string {
  const iv = randomBytes(32);
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  c.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([c.update(plain), c.final()]);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${c.getAuthTag().toString('base64')},type:${type}]`;
}

function goText(v: string | number | boolean): { text: string; mac: string; type: string } {
  if (typeof v === 'string') return { text: v, mac: v, type: 'str' };
  if (typeof v === 'boolean') return { text: String(v), mac: v ? 'True' : 'False', type: 'bool' };
  if (Number.isInteger(v)) return { text: String(v), mac: String(v), type: 'int' };
  const f = formatFloat(v, 'f', -1);
  return { text: f, mac: f, type: 'float' };
}

export function encryptSops(plain: Values, opts: SopsEncryptOptions): string {
  // The RE2 patterns are the caller's own (tests, the example): JavaScript's RegExp reads them the same way here.
  const enc = opts.encryptedRegex ? new RegExp(opts.encryptedRegex) : undefined;
  const unenc = opts.unencryptedRegex ? new RegExp(opts.unencryptedRegex) : undefined;
  const should = (path: readonly string[]): boolean => {
    let e = true;
    if (opts.unencryptedSuffix && path.some((k) => k.endsWith(opts.unencryptedSuffix!))) e = false;
    if (opts.encryptedSuffix) e = path.some((k) => k.endsWith(opts.encryptedSuffix!));
    if (unenc && path.some((k) => unenc.test(k))) e = false;
    if (enc) e = path.some((k) => enc.test(k));
    return e;
  };
  const key = randomBytes(32);
  const hash = createHash('sha512');
  if (opts.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const walk = (v: Value, path: string[]): Value => {
    if (v === null) return null;
    if (Array.isArray(v)) return v.map((x) => walk(x, path));
    if (isPlainMap(v)) {
      const out: Values = {};
      for (const k of Object.keys(v)) out[k] = walk(v[k], [...path, k]);
      return out;
    }
    const g = goText(v);
    const e = should(path);
    if (!opts.macOnlyEncrypted || e) hash.update(g.mac);
    if (!e) return v;
    return g.text === '' ? '' : seal(Buffer.from(g.text, 'utf8'), key, path.join(':') + ':', g.type);
  };
  const tree = walk(plain, []) as Values;
  const mac = seal(Buffer.from(hash.digest('hex').toUpperCase(), 'latin1'), key, opts.lastModified, 'str');
  const sops: Values = {
    age: opts.recipients.map((r) => {
      const pub = recipientKey(r);
      if (!pub) throw new Error(`not an age recipient: ${r}`);
      return { recipient: r, enc: ageEncrypt(key, [pub]) };
    }),
    lastmodified: opts.lastModified,
    mac,
    ...(opts.unencryptedSuffix ? { unencrypted_suffix: opts.unencryptedSuffix } : {}),
    ...(opts.encryptedSuffix ? { encrypted_suffix: opts.encryptedSuffix } : {}),
    ...(opts.encryptedRegex ? { encrypted_regex: opts.encryptedRegex } : {}),
    ...(opts.unencryptedRegex ? { unencrypted_regex: opts.unencryptedRegex } : {}),
    ...(opts.macOnlyEncrypted ? { mac_only_encrypted: true } : {}),
    version: '3.10.2',
  };
  const doc = { ...tree, sops };
  if (opts.format === 'json') return JSON.stringify(doc, null, '\t') + '\n';
  // sops quotes the time, which a YAML 1.1 reader would otherwise take for a timestamp.
  const d = new Document(doc);
  const lm = d.getIn(['sops', 'lastmodified'], true);
  if (isScalar(lm)) lm.type = 'QUOTE_DOUBLE';
  return d.toString({ lineWidth: 0 });
}
