import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { LayerDecrypt } from '../core/layers.js';
import { BoundedReadError, readBounded } from '../io/bounded-read.js';
import { AgeError, parseIdentities, type AgeIdentity } from './age.js';
import { decryptSops, type AgeKeys } from './sops.js';

// Which age identities a render may use. Only entry points call this (the core is given a LayerDecrypt and
// never reads the environment): the CLI and `generate` with their process environment.
//
// - In the Argo CD sidecar, when the operator sets STRATA_AGE_KEYS_DIR and Argo CD names the AppProject
//   (ARGOCD_APP_PROJECT_NAME, a build variable an Application cannot set: its `env` arrives as ARGOCD_ENV_*),
//   the ONLY key file is STRATA_AGE_KEYS_DIR/<project>.txt: a repository of one project cannot decrypt a file
//   encrypted for another, even a copy of it. sops' own variables are ignored there.
// - Otherwise sops' own places (age/keysource.go loadIdentities): SOPS_AGE_KEY (identities as text),
//   SOPS_AGE_KEY_FILE, and the default file $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt.
//   SOPS_AGE_KEY_CMD is not run: strata spawns no process for keys.

/** The largest key file read: an identity is 74 characters; a file of thousands fits. */
const KEY_FILE_BYTES = 1024 * 1024;
// Argo CD AppProject names are Kubernetes object names (DNS-1123 subdomains): this also rules out `..`, `/`.
const PROJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export type Env = Readonly<Record<string, string | undefined>>;

/** How key files are read: the entry point gives a bounded reader (`undefined` when the file does not exist). */
export type ReadKeyFile = (path: string, maxBytes: number) => string | undefined;

/** The entry points' reader: bounded (no FIFO, no device, no huge file), absent files undefined. */
export const readKeyFileFromDisk: ReadKeyFile = (path, maxBytes) => {
  try {
    const bytes = readBounded(path, maxBytes);
    // Key material, read for this command only: the buffer is zeroed once its text is taken.
    const text = bytes.toString('utf8');
    bytes.fill(0);
    return text;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (e instanceof BoundedReadError) throw new UserError(`age key file ${e.message}`, { file: path });
    if (code === 'EACCES') throw new UserError('age key file is not readable (permission denied)', { file: path });
    throw e;
  }
};

function fromFile(read: ReadKeyFile, path: string, label: string): AgeIdentity[] | undefined {
  const text = read(path, KEY_FILE_BYTES);
  if (text === undefined) return undefined;
  return parseIdentities(text, label);
}

/** sops' default key file (age/keysource.go getUserConfigDir; Linux layout, XDG_CONFIG_HOME first). */
export function defaultKeyFile(env: Env, home: string = env.HOME || homedir()): string {
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg ? xdg : join(home, '.config'), 'sops', 'age', 'keys.txt');
}

/** The identities the environment allows, read now. Errors name variables and files, never key text. */
export function resolveAgeKeys(env: Env, read: ReadKeyFile, home?: string): AgeKeys {
  try {
    return resolve(env, read, home);
  } catch (e) {
    if (e instanceof AgeError) throw new UserError(e.message);
    throw e;
  }
}

function resolve(env: Env, read: ReadKeyFile, home?: string): AgeKeys {
  const dir = env.STRATA_AGE_KEYS_DIR;
  const project = env.ARGOCD_APP_PROJECT_NAME;
  if (dir && project !== undefined) {
    if (!PROJECT_NAME.test(project)) {
      return {
        identities: [],
        source: 'STRATA_AGE_KEYS_DIR',
        missing: 'the Argo CD project name is not a valid AppProject name, so no key file is looked up for it',
      };
    }
    const label = `STRATA_AGE_KEYS_DIR/${project}.txt`;
    const ids = fromFile(read, join(dir, `${project}.txt`), label);
    if (ids === undefined) {
      return {
        identities: [],
        source: label,
        missing: `AppProject "${project}" has no key file (${label}): a project without a key file cannot decrypt anything`,
      };
    }
    return { identities: ids, source: label };
  }
  const identities: AgeIdentity[] = [];
  const sources: string[] = [];
  if (env.SOPS_AGE_KEY) {
    identities.push(...parseIdentities(env.SOPS_AGE_KEY, 'SOPS_AGE_KEY'));
    sources.push('SOPS_AGE_KEY');
  }
  if (env.SOPS_AGE_KEY_FILE) {
    const ids = fromFile(read, env.SOPS_AGE_KEY_FILE, 'SOPS_AGE_KEY_FILE');
    if (ids === undefined) throw new UserError('SOPS_AGE_KEY_FILE names a file that does not exist');
    identities.push(...ids);
    sources.push('SOPS_AGE_KEY_FILE');
  }
  const def = defaultKeyFile(env, home);
  const ids = fromFile(read, def, def);
  if (ids) {
    identities.push(...ids);
    sources.push(def);
  }
  if (sources.length === 0) {
    const cmd = env.SOPS_AGE_KEY_CMD ? ' (SOPS_AGE_KEY_CMD is not run: strata starts no process for keys)' : '';
    return {
      identities,
      source: 'nothing',
      missing: `no age keys: set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, or create ${def}${cmd}`,
    };
  }
  return { identities, source: sources.join(' + ') };
}

/**
 * The LayerDecrypt an entry point gives the core: SOPS with the keys `resolveAgeKeys` allows, read on the first
 * encrypted layer only (a render without one reads no key file) and kept for this decryptor's life: one
 * command, one `generate` request. Nothing decrypted is kept here.
 */
export function sopsDecrypt(env: Env, read: ReadKeyFile = readKeyFileFromDisk, home?: string): LayerDecrypt {
  let keys: AgeKeys | undefined;
  const getKeys = (): AgeKeys => (keys ??= resolveAgeKeys(env, read, home));
  return (file, value) => decryptSops(value, file, getKeys);
}
