import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { bech32Decode, bech32Encode } from './bech32.js';

// age v1 (https://age-encryption.org/v1), the part SOPS uses: a small file (the 32-byte SOPS data key)
// encrypted to X25519 recipients, usually ASCII-armored. Built on node:crypto (X25519, HKDF-SHA-256,
// HMAC-SHA-256, ChaCha20-Poly1305) rather than the `age-encryption` package: that package is ESM-only and its
// decrypt is asynchronous, while strata's render is synchronous from the values loader down (docs/secrets.md).
// Only X25519 stanzas are unwrapped; others (scrypt, ssh-ed25519, ssh-rsa, plugins, post-quantum) are skipped,
// so a file encrypted to them and to nothing else fails as "no key for any recipient".

const VERSION_LINE = 'age-encryption.org/v1';
const X25519_INFO = 'age-encryption.org/v1/X25519';
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const ARMOR_END = '-----END AGE ENCRYPTED FILE-----';
const CHUNK = 64 * 1024;
const TAG = 16;
// DER prefixes of an X25519 key in PKCS #8 and SubjectPublicKeyInfo (RFC 8410): node:crypto takes raw X25519
// keys only inside these wrappers.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

/** One X25519 identity (`AGE-SECRET-KEY-1…`) with its recipient (`age1…`), used to name it in messages. */
export interface AgeIdentity {
  readonly recipient: string;
  readonly publicKey: Buffer;
  readonly privateKey: KeyObject;
}

/** The age error: the message never holds key material or file bytes. */
export class AgeError extends Error {
  override readonly name = 'AgeError';
}

export function identityFromSecret(secret: string): AgeIdentity | undefined {
  const d = bech32Decode(secret);
  if (!d || d.hrp !== 'age-secret-key-' || d.bytes.length !== 32) return undefined;
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, d.bytes]), format: 'der', type: 'pkcs8' });
  const publicKey = (createPublicKey(privateKey).export({ format: 'der', type: 'spki' }) as Buffer).subarray(
    SPKI_X25519.length,
  );
  return { recipient: bech32Encode('age', publicKey), publicKey, privateKey };
}

/**
 * The X25519 identities of an age identity file (age-keygen's format, also SOPS_AGE_KEY): one per line, `#`
 * comments and blank lines skipped. Lines of other identity kinds (plugins, post-quantum) are skipped: they
 * cannot unwrap an X25519 stanza. A malformed `AGE-SECRET-KEY-1` line fails, naming the source and line only.
 */
export function parseIdentities(text: string, source: string): AgeIdentity[] {
  const out: AgeIdentity[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!/^AGE-SECRET-KEY-1/i.test(line)) continue;
    const id = identityFromSecret(line);
    if (!id)
      throw new AgeError(
        `${source}: line ${i + 1} is not a valid age X25519 identity (expected AGE-SECRET-KEY-1 and 58 bech32 characters)`,
      );
    out.push(id);
  }
  return out;
}

/** Bytes of an age file, ASCII-armored (as SOPS stores it) or binary. */
function dearmor(text: string): Buffer {
  const t = text.trim();
  if (!t.startsWith(ARMOR_BEGIN)) return Buffer.from(text, 'latin1');
  if (!t.endsWith(ARMOR_END)) throw new AgeError('armored age data has no end line');
  const body = t.slice(ARMOR_BEGIN.length, t.length - ARMOR_END.length).replace(/\r?\n/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0)
    throw new AgeError('armored age data is not base64');
  return Buffer.from(body, 'base64');
}

/** age's base64: standard alphabet, no padding (the spec requires canonical encodings). */
function b64(s: string): Buffer {
  if (!/^[A-Za-z0-9+/]*$/.test(s) || s.length % 4 === 1) throw new AgeError('age header holds invalid base64');
  const b = Buffer.from(s, 'base64');
  if (b.toString('base64').replace(/=+$/, '') !== s) throw new AgeError('age header holds non-canonical base64');
  return b;
}

interface Stanza {
  type: string;
  args: string[];
  body: Buffer;
}

interface Header {
  stanzas: Stanza[];
  /** The header bytes up to and including `---`: what the header MAC covers. */
  macInput: Buffer;
  mac: Buffer;
  payload: Buffer;
}

function parseHeader(bytes: Buffer): Header {
  let pos = 0;
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) throw new AgeError('age header is cut short');
    const s = bytes.toString('latin1', pos, nl);
    pos = nl + 1;
    return s;
  };
  if (line() !== VERSION_LINE) throw new AgeError(`not an ${VERSION_LINE} file`);
  const stanzas: Stanza[] = [];
  for (;;) {
    const start = pos;
    const l = line();
    if (l.startsWith('--- ')) {
      const macInput = bytes.subarray(0, start + 3);
      return { stanzas, macInput, mac: b64(l.slice(4)), payload: bytes.subarray(pos) };
    }
    if (!l.startsWith('-> ')) throw new AgeError('age header line is neither a stanza nor the MAC line');
    const [type, ...args] = l.slice(3).split(' ');
    if (!type) throw new AgeError('age stanza has no type');
    // The body is wrapped at 64 columns and ends with its first line shorter than that (possibly empty).
    const parts: string[] = [];
    for (;;) {
      const b = line();
      if (b.length > 64) throw new AgeError('age stanza body line is over 64 columns');
      parts.push(b);
      if (b.length < 64) break;
    }
    stanzas.push({ type, args, body: b64(parts.join('')) });
  }
}

function chacha20poly1305Open(key: Buffer, nonce: Buffer, sealed: Buffer): Buffer | undefined {
  if (sealed.length < TAG) return undefined;
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
  } catch {
    return undefined;
  }
}

function hkdf(ikm: Buffer, salt: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

/** The file key from an X25519 stanza, if `id` is its recipient (age spec, "X25519 recipient stanza"). */
function unwrapX25519(s: Stanza, id: AgeIdentity): Buffer | undefined {
  if (s.args.length !== 1 || s.body.length !== 32) throw new AgeError('malformed age X25519 stanza');
  const share = b64(s.args[0]);
  if (share.length !== 32) throw new AgeError('malformed age X25519 stanza');
  let shared: Buffer;
  try {
    shared = diffieHellman({
      privateKey: id.privateKey,
      publicKey: createPublicKey({ key: Buffer.concat([SPKI_X25519, share]), format: 'der', type: 'spki' }),
    });
  } catch {
    return undefined; // a low-order share: node refuses the all-zero secret, as age must
  }
  if (shared.every((b) => b === 0)) return undefined;
  const wrapKey = hkdf(shared, Buffer.concat([share, id.publicKey]), X25519_INFO);
  return chacha20poly1305Open(wrapKey, Buffer.alloc(12), s.body);
}

/**
 * Decrypt an age file with the first identity that opens one of its X25519 stanzas. Undefined when none does
 * (the caller names the recipients); throws AgeError when the file is malformed or was tampered with.
 */
export function ageDecrypt(data: string, identities: readonly AgeIdentity[]): Buffer | undefined {
  const header = parseHeader(dearmor(data));
  let fileKey: Buffer | undefined;
  for (const s of header.stanzas) {
    if (s.type !== 'X25519') continue;
    for (const id of identities) {
      fileKey = unwrapX25519(s, id);
      if (fileKey) break;
    }
    if (fileKey) break;
  }
  if (!fileKey || fileKey.length !== 16) return undefined;
  const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header'))
    .update(header.macInput)
    .digest();
  if (header.mac.length !== 32 || !timingSafeEqual(mac, header.mac))
    throw new AgeError('age header MAC does not match (the header was changed)');
  return decryptPayload(fileKey, header.payload);
}

/** age's STREAM: a 16-byte nonce, then 64 KiB chunks each sealed with a counter nonce, the last one flagged. */
function decryptPayload(fileKey: Buffer, payload: Buffer): Buffer {
  if (payload.length < 16 + TAG) throw new AgeError('age payload is cut short');
  const key = hkdf(fileKey, payload.subarray(0, 16), 'payload');
  const body = payload.subarray(16);
  const out: Buffer[] = [];
  for (let counter = 0, pos = 0; ; counter++) {
    const end = Math.min(pos + CHUNK + TAG, body.length);
    const last = end === body.length;
    const nonce = Buffer.alloc(12);
    nonce.writeUIntBE(counter, 5, 6);
    if (last) nonce[11] = 1;
    const chunk = chacha20poly1305Open(key, nonce, body.subarray(pos, end));
    if (!chunk) throw new AgeError('age payload does not authenticate (it was changed or cut)');
    if (last && chunk.length === 0 && counter > 0) throw new AgeError('age payload ends with an empty chunk');
    out.push(chunk);
    pos = end;
    if (last) return Buffer.concat(out);
  }
}

/**
 * Encrypt `plaintext` to X25519 recipients as an armored age file. strata never needs this to render; it
 * exists for the tests and to produce the example's test-key file (docs/secrets.md says why not `sops`).
 */
export function ageEncrypt(plaintext: Buffer, recipients: readonly Buffer[]): string {
  const fileKey = randomBytes(16);
  const lines = [VERSION_LINE];
  for (const pub of recipients) {
    const eph = randomBytes(32);
    const ephKey = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, eph]), format: 'der', type: 'pkcs8' });
    const share = (createPublicKey(ephKey).export({ format: 'der', type: 'spki' }) as Buffer).subarray(
      SPKI_X25519.length,
    );
    const shared = diffieHellman({
      privateKey: ephKey,
      publicKey: createPublicKey({ key: Buffer.concat([SPKI_X25519, pub]), format: 'der', type: 'spki' }),
    });
    const wrapKey = hkdf(shared, Buffer.concat([share, pub]), X25519_INFO);
    const c = createCipheriv('chacha20-poly1305', wrapKey, Buffer.alloc(12), { authTagLength: TAG });
    const body = Buffer.concat([c.update(fileKey), c.final(), c.getAuthTag()]);
    lines.push(`-> X25519 ${unpadded(share)}`);
    const text = unpadded(body);
    for (let i = 0; i <= text.length; i += 64) lines.push(text.slice(i, i + 64));
  }
  const macInput = Buffer.from(lines.join('\n') + '\n---', 'latin1');
  const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header'))
    .update(macInput)
    .digest();
  if (plaintext.length > CHUNK) throw new Error('ageEncrypt: one chunk only');
  const nonce = randomBytes(16);
  const key = hkdf(fileKey, nonce, 'payload');
  const cn = Buffer.alloc(12);
  cn[11] = 1;
  const c = createCipheriv('chacha20-poly1305', key, cn, { authTagLength: TAG });
  const sealed = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  const bin = Buffer.concat([macInput, Buffer.from(` ${unpadded(mac)}\n`, 'latin1'), nonce, sealed]);
  const b = bin.toString('base64');
  const armored: string[] = [ARMOR_BEGIN];
  for (let i = 0; i < b.length; i += 64) armored.push(b.slice(i, i + 64));
  armored.push(ARMOR_END);
  return armored.join('\n') + '\n';
}

function unpadded(b: Buffer): string {
  return b.toString('base64').replace(/=+$/, '');
}

/** The raw public key of an `age1…` recipient, or undefined. */
export function recipientKey(recipient: string): Buffer | undefined {
  const d = bech32Decode(recipient);
  return d && d.hrp === 'age' && d.bytes.length === 32 ? d.bytes : undefined;
}
