import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../src/core/errors.js';
import { isSecretOrigin, loadValues } from '../src/core/layers.js';
import { ageDecrypt, ageEncrypt, identityFromSecret, parseIdentities, recipientKey } from '../src/secrets/age.js';
import { bech32Decode } from '../src/secrets/bech32.js';
import { sopsDecrypt } from '../src/secrets/keys.js';
import { decryptSops } from '../src/secrets/sops.js';
import { encryptSops } from '../src/secrets/sops-encrypt.js';
import { MemoryFs } from '../src/core/fs.js';
import { loadYamlText } from '../src/core/yaml-load.js';
import { REPO } from './helpers.js';

// SOPS decryption against files the real sops wrote (test/fixtures/sops/README.md says where each comes from
// and how its plaintext was checked), then every way a file can be wrong.

const FIX = join(REPO, 'test/fixtures/sops');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');
/** Parsed as strata parses a values layer. */
const yaml = { load: (text: string): never => loadYamlText(text, 'f').value as never };

/** Each fixture's data key, decrypted with Debian's age 1.1.1 (`age -d -i KEY`), not with strata's code. */
const DATA_KEYS: Record<string, string> = {
  'helm-secrets/secrets.age.yaml': '6798cb778841891c459dde148789260418757698787d1fc2fc85bd23e1d98d6e',
  'flux/age.yaml': '558e95c88337865c839703a4e892c03eed324ae6bbcb65c2989558e1a55825bb',
  'flux/file.json': '2b9dd3092b81188cf3dfe1a81fad156d4e9fbed77a543d7e03c50bc55c8a118f',
  'flux/global-secret.yaml': '95c21ac70e00e7cfc9c33cbaf95451176e458a504fe665a77f28ba93ff46b595',
};
const KEY_OF: Record<string, string> = {
  'helm-secrets/secrets.age.yaml': 'helm-secrets/key.txt',
  'flux/age.yaml': 'flux/age.txt',
  'flux/file.json': 'flux/age.txt',
  'flux/global-secret.yaml': 'flux/age-global.txt',
};

/** One value decrypted with node:crypto's AES-256-GCM alone: the independent check of strata's SOPS code. */
function independent(file: string, enc: string, aad: string): string {
  const m = /data:([^,]*),iv:([^,]*),tag:([^,]*),/.exec(enc)!;
  const d = createDecipheriv('aes-256-gcm', Buffer.from(DATA_KEYS[file], 'hex'), Buffer.from(m[2], 'base64'));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(m[3], 'base64'));
  return Buffer.concat([d.update(Buffer.from(m[1], 'base64')), d.final()]).toString('utf8');
}

function keysFor(keyFile: string) {
  return () => ({ identities: parseIdentities(read(keyFile), keyFile), source: keyFile });
}

/** The layer through the core's loader, as a render loads it, with the decrypt hook an entry point gives. */
function load(files: Record<string, string>, layer: string, env: Record<string, string>) {
  return loadValues({
    fs: new MemoryFs(files),
    layers: [layer],
    listRules: [],
    overrides: [],
    decrypt: sopsDecrypt(env, (p) => (p in envFiles ? envFiles[p] : undefined), '/nonexistent-home'),
  });
}
const envFiles: Record<string, string> = {};

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    const text = e.toString();
    assert.equal(text.split('\n').length, 1, `one line: ${text}`);
    return text;
  }
  assert.fail('expected an error');
}

test('the age data key of every real-sops fixture is the one Debian age gives', () => {
  for (const [file, hex] of Object.entries(DATA_KEYS)) {
    const doc = yaml.load(read(file)) as { sops: { age: { enc: string }[] } };
    const key = ageDecrypt(doc.sops.age[0].enc, parseIdentities(read(KEY_OF[file]), 'key'));
    assert.equal(key?.toString('hex'), hex, file);
  }
});

test('files made by sops decrypt to their plaintext (values checked with AES-GCM outside strata)', () => {
  const hs = 'helm-secrets/secrets.age.yaml';
  const hsTree = yaml.load(read(hs)) as Record<string, unknown>;
  const hsValue = decryptSops(yaml.load(read(hs)), hs, keysFor(KEY_OF[hs]));
  assert.equal(hsValue.value.global_secret, independent(hs, String(hsTree.global_secret), 'global_secret:'));
  assert.equal(hsValue.value.global_secret, 'global_age');
  assert.deepEqual(hsValue.value.service, { port: 92 }); // type:int gives a number
  assert.equal(independent(hs, String((hsTree.service as Record<string, string>).port), 'service:port:'), '92');
  assert.match(hsValue.value.key as string, /^-----BEGIN PGP MESSAGE-----\n[\s\S]*-----END PGP MESSAGE-----$/);
  assert.equal(hsValue.value.sops, undefined, 'the metadata is not a value');
  assert.deepEqual([...hsValue.secretPaths].sort(), ['.global_secret', '.key', '.service.port']);

  const fa = 'flux/age.yaml';
  const faTree = yaml.load(read(fa)) as { stringData: { key: string } };
  const faValue = decryptSops(yaml.load(read(fa)), fa, keysFor(KEY_OF[fa]));
  assert.deepEqual(faValue.value, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'age' },
    stringData: { key: 'value' },
  });
  assert.equal(independent(fa, faTree.stringData.key, 'stringData:key:'), 'value');
  assert.deepEqual([...faValue.secretPaths], ['.stringData.key'], 'encrypted_regex: only stringData is secret');

  const fj = 'flux/file.json';
  assert.equal(independent(fj, (JSON.parse(read(fj)) as { data: string }).data, 'data:'), 'value');
  const fg = 'flux/global-secret.yaml';
  assert.equal(
    independent(fg, (yaml.load(read(fg)) as { stringData: { key: string } }).stringData.key, 'stringData:key:'),
    'global-value',
  );
});

test('through the core loader: YAML and JSON layers, origins marked secret, SOPS_AGE_KEY_FILE', () => {
  envFiles['/keys/flux.txt'] = read('flux/age.txt');
  const merged = load(
    { 'a/values.yaml': read('flux/age.yaml'), 'a/file.json': read('flux/file.json') },
    'a/values.yaml',
    { SOPS_AGE_KEY_FILE: '/keys/flux.txt' },
  );
  assert.equal((merged.values.stringData as { key: string }).key, 'value');
  assert.ok(isSecretOrigin(merged.provenance.get('.stringData.key')!.origin));
  assert.ok(!isSecretOrigin(merged.provenance.get('.metadata.name')!.origin));
  assert.deepEqual(JSON.parse(JSON.stringify(merged.provenance.get('.stringData.key')!.origin)), {
    file: 'a/values.yaml',
    line: 6,
    column: 3,
    secret: true,
  });
  const json = load({ 'a/file.json': read('flux/file.json') }, 'a/file.json', { SOPS_AGE_KEY: read('flux/age.txt') });
  assert.deepEqual(json.values, { data: 'value' });
});

test('a SOPS layer without a decrypter fails, naming the file; a plain `sops:` key is just a value', () => {
  const msg = message(() =>
    loadValues({
      fs: new MemoryFs({ 'v.yaml': read('flux/age.yaml') }),
      layers: ['v.yaml'],
      listRules: [],
      overrides: [],
    }),
  );
  assert.match(msg, /^v\.yaml: values file is encrypted with SOPS, and this command was given no keys/);
  const plain = loadValues({
    fs: new MemoryFs({ 'v.yaml': 'sops:\n  enabled: true\n' }),
    layers: ['v.yaml'],
    listRules: [],
    overrides: [],
  });
  assert.deepEqual(plain.values, { sops: { enabled: true } });
});

test('tampering fails with one line naming the file and never a value', () => {
  const fa = read('flux/age.yaml');
  const keys = keysFor('flux/age.txt');
  const dec = (text: string) => message(() => decryptSops(yaml.load(text), 'x/secret.yaml', keys));
  // An unencrypted value edited by hand: only the MAC sees it.
  assert.match(dec(fa.replace('name: age', 'name: agf')), /^x\/secret\.yaml: SOPS MAC mismatch/);
  // An encrypted value moved under another key: its key path no longer authenticates it.
  const hs = read('helm-secrets/secrets.age.yaml');
  const gs = /global_secret: (ENC\[[^\]]*\])/.exec(hs)![1];
  const moved = hs.replace(/^key: ENC\[[^\]]*\]/m, `key: ${gs}`);
  const movedMsg = message(() => decryptSops(yaml.load(moved), 'hs.yaml', keysFor('helm-secrets/key.txt')));
  assert.match(movedMsg, /^hs\.yaml \.key: SOPS value does not decrypt with its key path/);
  assert.doesNotMatch(movedMsg, /global_age|ENC\[/);
  // One bit of a value's ciphertext flipped.
  const flipped = fa.replace('data:mHeXsmQ=', 'data:nHeXsmQ=');
  assert.match(dec(flipped), /\.stringData\.key: SOPS value does not decrypt/);
  // lastmodified changed: the MAC no longer opens.
  assert.match(dec(fa.replace('2024-11-12T13:33:42Z', '2024-11-12T13:33:43Z')), /SOPS MAC does not decrypt/);
  // The MAC removed.
  assert.match(dec(fa.replace(/^ {2}mac: .*$/m, '  mac: ""')), /has no MAC/);
  // A value the rules say is encrypted, left in plaintext.
  assert.match(
    dec(fa.replace(/key: ENC\[[^\]]*\]/, 'key: plain')),
    /\.stringData\.key: value should be SOPS-encrypted/,
  );
});

test('the wrong key names the recipients; unsupported key types say what is supported', () => {
  const wrong = message(() => decryptSops(yaml.load(read('flux/age.yaml')), 's.yaml', keysFor('helm-secrets/key.txt')));
  assert.match(
    wrong,
    /^s\.yaml: no age key for any recipient of this SOPS file \(recipients: age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29; keys tried: 1 from helm-secrets\/key\.txt\)$/,
  );
  const pgpOnly = read('flux/age.yaml')
    .replace(/ {2}age:\n(?: {4}.*\n)+/, '  age: []\n')
    .replace('  pgp: []', '  pgp:\n    - fp: D6174A02027050E59C711075B430C4E58E2BBBA3\n      enc: x');
  assert.match(
    message(() => decryptSops(yaml.load(pgpOnly), 's.yaml', keysFor('flux/age.txt'))),
    /SOPS file is encrypted to pgp only: strata decrypts SOPS files encrypted to age X25519 recipients only/,
  );
  const comments = read('flux/age.yaml').replace(
    '  version: 3.9.0',
    '  encrypted_comment_regex: secret\n  version: 3.9.0',
  );
  assert.match(
    message(() => decryptSops(yaml.load(comments), 's.yaml', keysFor('flux/age.txt'))),
    /encrypted_comment_regex, which strata does not support/,
  );
  const missing = message(() =>
    decryptSops(yaml.load(read('flux/age.yaml')), 's.yaml', () => ({
      identities: [],
      source: 'x',
      missing: 'no age keys: set SOPS_AGE_KEY_FILE',
    })),
  );
  assert.match(missing, /cannot decrypt SOPS file for age recipients age1l44x\S+: no age keys/);
});

test('a copied age stanza or a changed header fails as the age spec requires', () => {
  const doc = yaml.load(read('flux/age.yaml')) as { sops: { age: { enc: string }[] } };
  const ids = parseIdentities(read('flux/age.txt'), 'k');
  const bin = Buffer.from(doc.sops.age[0].enc.replace(/-----[A-Z ]+-----|\n/g, ''), 'base64');
  // Flip one byte of the payload (after the header's MAC line).
  const payloadAt = bin.indexOf('\n---') + 1 + bin.subarray(bin.indexOf('\n---') + 1).indexOf('\n') + 1;
  const tampered = Buffer.from(bin);
  tampered[payloadAt + 20] ^= 1;
  assert.throws(() => ageDecrypt(tampered.toString('latin1'), ids), /payload does not authenticate/);
  const headerChanged = Buffer.from(
    bin.toString('latin1').replace('age-encryption.org/v1\n', 'age-encryption.org/v1\n-> X25519-other a\n\n'),
    'latin1',
  );
  assert.throws(() => ageDecrypt(headerChanged.toString('latin1'), ids), /header MAC does not match/);
  assert.equal(ageDecrypt(bin.toString('latin1'), parseIdentities(read('helm-secrets/key.txt'), 'k')), undefined);
});

test('identities and recipients: bech32 checksums, the recipient derived from the key', () => {
  const id = identityFromSecret(read('helm-secrets/key.txt').trim().split('\n').pop()!)!;
  assert.equal(id.recipient, 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju');
  assert.equal(bech32Decode('age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvtejv'), undefined, 'checksum');
  assert.throws(
    () => parseIdentities('# c\n\nAGE-SECRET-KEY-1QQQQ\n', 'SOPS_AGE_KEY'),
    (e: Error) =>
      e.message ===
      'SOPS_AGE_KEY: line 3 is not a valid age X25519 identity (expected AGE-SECRET-KEY-1 and 58 bech32 characters)',
  );
  assert.deepEqual(parseIdentities('AGE-PLUGIN-YUBIKEY-1QQQ\n', 'k'), [], 'other identity kinds are skipped');
  const e = ageEncrypt(Buffer.from('k'.repeat(32)), [recipientKey(id.recipient)!]);
  assert.equal(ageDecrypt(e, [id])?.toString(), 'k'.repeat(32));
});

test('sops rules strata honours: mac_only_encrypted, encrypted_suffix, unencrypted_regex, types', () => {
  const id = parseIdentities(read('flux/age.txt'), 'k');
  const keys = () => ({ identities: id, source: 'k' });
  const plain = {
    db: { password_enc: 's3cret', port: 5432, ratio: 0.25, on: true, host: 'db', list: ['a', 'b'] },
    empty: '',
    none: null,
  };
  const lm = '2026-01-02T03:04:05Z';
  const rec = [id[0].recipient];
  // mac_only_encrypted: plaintext values may change without breaking the MAC; encrypted ones may not.
  const onlyEnc = encryptSops(plain, {
    recipients: rec,
    lastModified: lm,
    encryptedSuffix: '_enc',
    macOnlyEncrypted: true,
  });
  const r = decryptSops(yaml.load(onlyEnc), 'f', keys);
  assert.deepEqual(r.value, plain);
  assert.deepEqual([...r.secretPaths], ['.db.password_enc']);
  assert.deepEqual(decryptSops(yaml.load(onlyEnc.replace('host: db', 'host: db2')), 'f', keys).value.db, {
    ...plain.db,
    host: 'db2',
  });
  // Without it, the same edit breaks the MAC.
  const all = encryptSops(plain, { recipients: rec, lastModified: lm, encryptedSuffix: '_enc' });
  assert.match(
    message(() => decryptSops(yaml.load(all.replace('host: db', 'host: db2')), 'f', keys)),
    /MAC mismatch/,
  );
  // unencrypted_regex; every type tag; lists share their parent's key path; "" stays "".
  const rx = encryptSops(plain, { recipients: rec, lastModified: lm, unencryptedRegex: '^(host|none)$' });
  const rr = decryptSops(yaml.load(rx), 'f', keys);
  assert.deepEqual(rr.value, plain);
  assert.ok(!rr.secretPaths.has('.db.host') && rr.secretPaths.has('.db.on') && rr.secretPaths.has('.db.list[1]'));
  assert.match(rx, /type:bool\]/);
  assert.match(rx, /type:float\]/);
  // JSON output reads back the same.
  assert.deepEqual(
    decryptSops(
      JSON.parse(encryptSops(plain, { recipients: rec, lastModified: lm, format: 'json' })) as never,
      'f',
      keys,
    ).value,
    plain,
  );
});

test('keys: sops places locally; in the sidecar only STRATA_AGE_KEYS_DIR/<project>.txt', async () => {
  const { resolveAgeKeys } = await import('../src/secrets/keys.js');
  const files: Record<string, string> = {
    '/xdg/sops/age/keys.txt': read('flux/age.txt'),
    '/dir/team-a.txt': read('helm-secrets/key.txt'),
  };
  const reader = (p: string) => files[p];
  const local = resolveAgeKeys({ XDG_CONFIG_HOME: '/xdg' }, reader, '/home/u');
  assert.equal(local.source, '/xdg/sops/age/keys.txt');
  assert.equal(local.identities[0].recipient, 'age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29');
  assert.match(
    resolveAgeKeys({}, reader, '/home/u').missing!,
    /no age keys: set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, or create \/home\/u\/\.config\/sops\/age\/keys\.txt/,
  );
  // The sidecar: sops' variables and default file are ignored, whatever they hold.
  const side = resolveAgeKeys(
    {
      STRATA_AGE_KEYS_DIR: '/dir',
      ARGOCD_APP_PROJECT_NAME: 'team-a',
      SOPS_AGE_KEY: read('flux/age.txt'),
      XDG_CONFIG_HOME: '/xdg',
    },
    reader,
  );
  assert.deepEqual(
    side.identities.map((i) => i.recipient),
    ['age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju'],
  );
  assert.equal(side.source, 'STRATA_AGE_KEYS_DIR/team-a.txt');
  for (const bad of ['..', '../team-a', 'a/b', '', 'Team-A']) {
    assert.match(
      resolveAgeKeys({ STRATA_AGE_KEYS_DIR: '/dir', ARGOCD_APP_PROJECT_NAME: bad }, reader).missing!,
      /not a valid AppProject name/,
      bad,
    );
  }
  assert.throws(
    () => resolveAgeKeys({ SOPS_AGE_KEY_FILE: '/nope' }, reader),
    /SOPS_AGE_KEY_FILE names a file that does not exist/,
  );
});
