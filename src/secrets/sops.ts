import { createDecipheriv, createHash } from 'node:crypto';
import type { RE2JS as RE2JSType } from 're2js';
import { UserError } from '../core/errors.js';
import { isPlainMap } from '../core/guards.js';
import { formatFloat } from '../core/helpers/go-float.js';
import { childPath } from '../core/paths.js';
import type { Value, Values } from '../core/types.js';
import { AgeError, ageDecrypt, type AgeIdentity } from './age.js';

// SOPS files (https://github.com/getsops/sops), decrypted in process: the data key from an age stanza
// (age.ts), then every value that SOPS's rules say is encrypted, with AES-256-GCM and the value's key path as
// additional data, then the MAC over the whole tree checked. Written from sops' own code, which is the format's
// only specification: sops.go (Tree.Decrypt, shouldBeEncrypted, walkBranch, ToBytes), aes/cipher.go (the
// `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` value and its types), cmd/sops/common/common.go (the MAC is
// encrypted with the `lastmodified` time as additional data) and stores/stores.go (the metadata fields).

/** The decrypted tree, and the strata value paths (core/paths.ts) of every value that was encrypted. */
export interface DecryptedSops {
  value: Values;
  secretPaths: Set<string>;
}

/** Where the age identities come from, resolved only when an encrypted file is met (keys.ts). */
export interface AgeKeys {
  identities: readonly AgeIdentity[];
  /** Where they were read, for messages: `SOPS_AGE_KEY_FILE (/path)`, `STRATA_AGE_KEYS_DIR/team-a.txt`. */
  source: string;
  /** Set when no key could be given at all: the reason, for the message (a project without a key file). */
  missing?: string;
}

// sops' MACOnlyEncryptedInitialization: SHA-256("sops"), written first into the hash when mac_only_encrypted.
const MAC_ONLY_ENCRYPTED_INIT = createHash('sha256').update('sops').digest();
// Strict form of aes/cipher.go's `encre`: base64 fields, a type word.
const ENC =
  /^ENC\[AES256_GCM,data:([A-Za-z0-9+/]*={0,2}),iv:([A-Za-z0-9+/]+={0,2}),tag:([A-Za-z0-9+/]+={0,2}),type:([a-z]+)\]$/;
const OTHER_KEY_TYPES = ['pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'hckms'] as const;
const SUPPORTED = 'strata decrypts SOPS files encrypted to age X25519 recipients only';

export { isSopsTree } from '../core/layers.js';

interface Meta {
  unencryptedSuffix: string;
  encryptedSuffix: string;
  unencryptedRegex?: RE2JSType;
  encryptedRegex?: RE2JSType;
  macOnlyEncrypted: boolean;
}

let re2: typeof RE2JSType | undefined;
function regexOf(pattern: unknown, field: string, file: string): RE2JSType | undefined {
  if (pattern === undefined || pattern === null || pattern === '') return undefined;
  if (typeof pattern !== 'string') throw new UserError(`sops.${field} is not a string`, { file });
  re2 ??= (require('re2js') as { RE2JS: typeof RE2JSType }).RE2JS;
  try {
    return re2.compile(pattern);
  } catch {
    throw new UserError(`sops.${field} is not a valid RE2 regular expression`, { file });
  }
}

function str(meta: Values, field: string, file: string): string {
  const v = meta[field];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new UserError(`sops.${field} is not a string`, { file });
  return v;
}

function readMeta(meta: Values, file: string): Meta {
  for (const f of ['encrypted_comment_regex', 'unencrypted_comment_regex']) {
    if (meta[f] !== undefined && meta[f] !== null && meta[f] !== '') {
      throw new UserError(
        `SOPS file uses sops.${f}, which strata does not support (it ignores comments); use encrypted_regex or a suffix instead`,
        { file },
      );
    }
  }
  const out: Meta = {
    unencryptedSuffix: str(meta, 'unencrypted_suffix', file),
    encryptedSuffix: str(meta, 'encrypted_suffix', file),
    macOnlyEncrypted: meta.mac_only_encrypted === true,
  };
  const u = regexOf(meta.unencrypted_regex, 'unencrypted_regex', file);
  const e = regexOf(meta.encrypted_regex, 'encrypted_regex', file);
  if (u) out.unencryptedRegex = u;
  if (e) out.encryptedRegex = e;
  return out;
}

/** sops.go shouldBeEncrypted, for values (comments are never walked here). */
function shouldBeEncrypted(path: readonly string[], m: Meta): boolean {
  let encrypted = true;
  if (m.unencryptedSuffix && path.some((k) => k.endsWith(m.unencryptedSuffix))) encrypted = false;
  if (m.encryptedSuffix) encrypted = path.some((k) => k.endsWith(m.encryptedSuffix));
  if (m.unencryptedRegex && path.some((k) => m.unencryptedRegex!.matcher(k).find())) encrypted = false;
  if (m.encryptedRegex) encrypted = path.some((k) => m.encryptedRegex!.matcher(k).find());
  return encrypted;
}

/** The age recipients of the file: top-level `age`, or the single key group's (Shamir over several groups is not supported). */
function ageEntries(meta: Values, file: string): { recipient: string; enc: string }[] {
  let source: Value = meta.age ?? null;
  const groups = meta.key_groups;
  if (Array.isArray(groups) && groups.length > 0) {
    if (groups.length > 1)
      throw new UserError(
        `SOPS file uses ${groups.length} key groups (Shamir secret sharing); ${SUPPORTED}, in one group`,
        { file },
      );
    const g = groups[0];
    source = isPlainMap(g) ? (g.age ?? null) : null;
  }
  if (source === null) return [];
  if (!Array.isArray(source)) throw new UserError('sops.age is not a list', { file });
  return source.map((e, i) => {
    if (!isPlainMap(e) || typeof e.recipient !== 'string' || typeof e.enc !== 'string') {
      throw new UserError(`sops.age[${i}] needs a recipient and an enc string`, { file });
    }
    return { recipient: e.recipient, enc: e.enc };
  });
}

function otherKeyTypes(meta: Values): string[] {
  const groups: Values[] = Array.isArray(meta.key_groups)
    ? meta.key_groups.filter((g): g is Values => isPlainMap(g))
    : [];
  return OTHER_KEY_TYPES.filter((t) => [meta, ...groups].some((m) => Array.isArray(m[t]) && m[t].length > 0));
}

function dataKeyOf(meta: Values, file: string, keys: () => AgeKeys): Buffer {
  const entries = ageEntries(meta, file);
  const others = otherKeyTypes(meta);
  if (entries.length === 0) {
    const what = others.length ? `encrypted to ${others.join(', ')} only` : 'encrypted to no recipient';
    throw new UserError(`SOPS file is ${what}: ${SUPPORTED}`, { file });
  }
  const k = keys();
  const recipients = entries.map((e) => e.recipient).join(', ');
  const alsoOthers = others.length ? ` (its ${others.join(', ')} keys are not supported: ${SUPPORTED})` : '';
  if (k.missing !== undefined)
    throw new UserError(`cannot decrypt SOPS file for age recipients ${recipients}: ${k.missing}${alsoOthers}`, {
      file,
    });
  for (const e of entries) {
    let key: Buffer | undefined;
    try {
      key = ageDecrypt(e.enc, k.identities);
    } catch (err) {
      if (err instanceof AgeError)
        throw new UserError(
          `SOPS data key for age recipient ${e.recipient} is malformed or was changed: ${err.message}`,
          { file },
        );
      throw err;
    }
    if (key) {
      if (key.length !== 32)
        throw new UserError(`SOPS data key for age recipient ${e.recipient} is not 32 bytes`, { file });
      return key;
    }
  }
  throw new UserError(
    `no age key for any recipient of this SOPS file (recipients: ${recipients}; keys tried: ${k.identities.length} from ${k.source})${alsoOthers}`,
    { file },
  );
}

interface Sealed {
  data: Buffer;
  iv: Buffer;
  tag: Buffer;
  type: string;
}

function parseEnc(v: string): Sealed | undefined {
  const m = ENC.exec(v);
  if (!m) return undefined;
  return {
    data: Buffer.from(m[1], 'base64'),
    iv: Buffer.from(m[2], 'base64'),
    tag: Buffer.from(m[3], 'base64'),
    type: m[4],
  };
}

function open(s: Sealed, key: Buffer, aad: string): Buffer | undefined {
  if (s.tag.length !== 16 || s.iv.length === 0) return undefined;
  const d = createDecipheriv('aes-256-gcm', key, s.iv, { authTagLength: 16 });
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(s.tag);
  try {
    return Buffer.concat([d.update(s.data), d.final()]);
  } catch {
    return undefined;
  }
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A decrypted value by its type tag (aes/cipher.go Decrypt); undefined when the text does not parse as that type. */
function typed(plain: Buffer, type: string): Value | undefined {
  const text = plain.toString('utf8');
  switch (type) {
    case 'str':
    case 'bytes':
    case 'time':
      // strata has no byte strings or timestamps in values: both are text, as a plaintext values file gives them.
      return text;
    case 'int': {
      if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case 'float': {
      if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(text)) return undefined;
      const n = Number(text);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'bool':
      return GO_TRUE.has(text) ? true : GO_FALSE.has(text) ? false : undefined;
    default:
      return undefined;
  }
}

/** sops.go ToBytes: what the MAC hashes for a value. */
function macBytes(v: Value, raw?: Buffer): Buffer {
  if (raw) return raw;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (typeof v === 'boolean') return Buffer.from(v ? 'True' : 'False');
  if (typeof v === 'number')
    return Buffer.from(Number.isInteger(v) && !Object.is(v, -0) ? String(v) : formatFloat(v, 'f', -1));
  return Buffer.alloc(0);
}

/** `lastmodified` as Go's time.Format(time.RFC3339) prints it: whole seconds, `Z` or the offset. */
function rfc3339(v: Value | undefined, file: string): string {
  if (typeof v !== 'string') throw new UserError('sops.lastmodified is missing or not a string', { file });
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(v);
  if (!m) throw new UserError('sops.lastmodified is not an RFC 3339 time', { file });
  return m[1] + (m[2] === '+00:00' || m[2] === '-00:00' ? 'Z' : m[2]);
}

/**
 * Decrypt a SOPS tree (isSopsTree) with the age identities `keys()` gives (called once, only here). Returns a
 * new tree without the `sops` map. Every failure is one UserError naming the file, and a value path where it
 * helps, never a value.
 */
export function decryptSops(tree: Values, file: string, keys: () => AgeKeys): DecryptedSops {
  const meta = tree.sops as Values;
  const m = readMeta(meta, file);
  const macText = meta.mac;
  if (typeof macText !== 'string' || macText === '')
    throw new UserError('SOPS file has no MAC (sops.mac): strata refuses unauthenticated files', { file });
  const lastModified = rfc3339(meta.lastmodified, file);
  const key = dataKeyOf(meta, file, keys);

  const hash = createHash('sha512');
  if (m.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const secretPaths = new Set<string>();

  // sops walks keys in file order; a JavaScript object lists integer-like keys first. The MAC is over
  // the order, so such a file fails the MAC check rather than decrypting wrongly (docs/secrets.md).
  const walk = (v: Value, sopsPath: string[], path: string): Value => {
    if (v === null) return null; // sops neither decrypts nor hashes a null
    if (Array.isArray(v)) return v.map((x, i) => walk(x, sopsPath, childPath(path, i)));
    if (isPlainMap(v)) {
      const out: Values = {};
      for (const k of Object.keys(v)) {
        if (path === '' && k === 'sops') continue;
        out[k] = walk(v[k], [...sopsPath, k], childPath(path, k));
      }
      return out;
    }
    const encrypted = shouldBeEncrypted(sopsPath, m);
    let plain: Value = v;
    let raw: Buffer | undefined;
    if (encrypted) {
      if (typeof v !== 'string')
        throw new UserError('value should be SOPS-encrypted but is not a string', { file, path: path || '.' });
      if (v !== '') {
        const sealed = parseEnc(v);
        if (!sealed)
          throw new UserError('value should be SOPS-encrypted but is not an ENC[AES256_GCM,…] value', {
            file,
            path: path || '.',
          });
        const opened = open(sealed, key, sopsPath.join(':') + ':');
        if (!opened)
          throw new UserError(
            'SOPS value does not decrypt with its key path (it was edited, or moved from another key or file)',
            { file, path: path || '.' },
          );
        const t = typed(opened, sealed.type);
        if (t === undefined)
          throw new UserError(
            `SOPS value of type ${JSON.stringify(sealed.type)} does not hold a valid ${sealed.type} strata can use`,
            { file, path: path || '.' },
          );
        plain = t;
        // ToBytes of bytes and times is the text sops encrypted; of the other types, their Go formatting.
        if (sealed.type === 'bytes' || sealed.type === 'time') raw = opened;
      }
      secretPaths.add(path || '.');
    }
    if (!m.macOnlyEncrypted || encrypted) hash.update(macBytes(plain, raw));
    return plain;
  };
  const value = walk(tree, [], '') as Values;

  const macSealed = parseEnc(macText);
  const macPlain = macSealed ? open(macSealed, key, lastModified) : undefined;
  if (!macPlain) throw new UserError('SOPS MAC does not decrypt (sops.mac or sops.lastmodified was changed)', { file });
  const computed = hash.digest('hex').toUpperCase();
  if (macPlain.toString('latin1') !== computed) {
    throw new UserError(
      'SOPS MAC mismatch: the file was changed outside sops (a value edited, added, removed or reordered by hand)',
      { file },
    );
  }
  return { value, secretPaths };
}
