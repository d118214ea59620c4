import { limitHint } from '../core/limits.js';
import { UserError } from '../core/errors.js';
import { joinPath, type ReadOnlyFs } from '../core/fs.js';
import type { Limits } from '../core/limits.js';
import { childPath } from '../core/paths.js';
import { decodeUtf8, PROFILES, readYaml } from '../core/untrusted-yaml.js';
import { crdSchema, type CrdVersion } from './crd-schema.js';

// CustomResourceDefinitions kept in the repository (strata-policy.yaml `spec.schemas`, docs/validation.md):
// read through the confined file system, each file capped by limits.schemaBytes, parsed by the one reader of
// untrusted YAML (profile `crd`: the strict schema of values files), and indexed by the `group/version/Kind` each
// served version covers.

/** apiVersion/Kind (`cert-manager.io/v1/Certificate`) -> the version's schema. */
export type CrdIndex = ReadonlyMap<string, CrdVersion>;

const MAX_FILES = 256;
const MAX_DIR_DEPTH = 8;
const CRD_FILE = /\.(ya?ml|json)$/;

// Parsed CRD files by path, kept while their bytes are unchanged (the server re-reads; a CLI run reads once).
const files = new Map<string, { bytes: Uint8Array; versions: CrdVersion[] }>();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a === b ||
    (a.length === b.length &&
      Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length)))
  );
}

/** Every CRD file under `paths` (files, or folders searched for *.yaml, *.yml, *.json), sorted, capped. */
export function crdFiles(fs: ReadOnlyFs, paths: readonly { path: string; at: string }[], policyFile: string): string[] {
  const out: string[] = [];
  const visit = (p: string, depth: number, at: string): void => {
    const kind = fs.stat(p);
    if (kind === 'file') out.push(p);
    else if (kind === 'dir') {
      if (depth > MAX_DIR_DEPTH)
        throw new UserError(`folders nest deeper than ${MAX_DIR_DEPTH} levels under ${at}`, {
          file: policyFile,
          path: at,
        });
      for (const name of fs.readDir(p)) {
        const child = joinPath(p, name);
        if (fs.stat(child) === 'dir' || CRD_FILE.test(name)) visit(child, depth + 1, at);
      }
    } else throw new UserError(`schema path "${p}" does not exist`, { file: policyFile, path: at });
    if (out.length > MAX_FILES) throw new UserError(`more than ${MAX_FILES} CRD files`, { file: policyFile, path: at });
  };
  for (const { path, at } of paths) visit(path, 0, at);
  return [...new Set(out)].sort();
}

/** The CRD documents of a file, read through the one reader of untrusted YAML (profile `crd`). */
function parseCrdFile(text: string, file: string): unknown[] {
  return readYaml(text, file, PROFILES.crd).filter((d) => d !== null && d !== undefined);
}

function loadFile(fs: ReadOnlyFs, file: string, limits: Limits): CrdVersion[] {
  const bytes = fs.readFile(file);
  // The size limit first: a file parsed under a looser limit must still fail under a stricter one.
  if (bytes.length > limits.schemaBytes) {
    throw new UserError(
      `CRD file is ${bytes.length} bytes, over the ${limits.schemaBytes}-byte limit (${limitHint('schemaBytes')})`,
      { file },
    );
  }
  const hit = files.get(file);
  if (hit && sameBytes(hit.bytes, bytes)) return hit.versions;
  const versions: CrdVersion[] = [];
  parseCrdFile(decodeUtf8(bytes, file), file).forEach((doc, i) => {
    const at = (p: string): string => (i === 0 ? p : `document ${i + 1} ${p}`);
    const d = doc as Record<string, unknown>;
    if (typeof d !== 'object' || Array.isArray(d)) throw new UserError(`document ${i + 1} is not a map`, { file });
    if (d.kind === 'CustomResourceDefinitionList' && Array.isArray(d.items))
      throw new UserError('a CustomResourceDefinitionList: write one CRD per YAML document', { file });
    if (d.kind !== 'CustomResourceDefinition' || d.apiVersion !== 'apiextensions.k8s.io/v1') {
      throw new UserError(
        `expected an apiextensions.k8s.io/v1 CustomResourceDefinition, found ${String(d.apiVersion)} ${String(d.kind)}`,
        { file, path: at('.kind') },
      );
    }
    const spec = d.spec as Record<string, unknown> | undefined;
    const group = spec?.group;
    const kind = (spec?.names as Record<string, unknown> | undefined)?.kind;
    if (typeof group !== 'string' || typeof kind !== 'string' || !Array.isArray(spec?.versions)) {
      throw new UserError('a CRD needs spec.group, spec.names.kind and spec.versions', { file, path: at('.spec') });
    }
    spec.versions.forEach((v: unknown, j: number) => {
      const ver = v as Record<string, unknown>;
      const vp = childPath(childPath(at('.spec'), 'versions'), j);
      if (typeof ver?.name !== 'string') throw new UserError('a version needs a name', { file, path: vp });
      if (ver.served === false) return;
      const schema = (ver.schema as Record<string, unknown> | undefined)?.openAPIV3Schema;
      if (schema === undefined) return; // no schema: structural check only, as for unknown kinds
      versions.push(
        crdSchema(`${group}/${ver.name}/${kind}`, schema, file, childPath(childPath(vp, 'schema'), 'openAPIV3Schema')),
      );
    });
  });
  if (files.size > 1024) files.clear();
  files.set(file, { bytes, versions });
  return versions;
}

/** The CRDs of `files` (from crdFiles), indexed by apiVersion/Kind. Two files serving the same one are an error. */
export function loadCrds(fs: ReadOnlyFs, files: readonly string[], limits: Limits): CrdIndex {
  const versions = files.map((f) => loadFile(fs, f, limits));
  const index = new Map<string, CrdVersion>();
  for (const [i, file] of files.entries()) {
    for (const v of versions[i]) {
      const other = index.get(v.key);
      if (other) throw new UserError(`${v.key} is defined twice (also in ${other.file})`, { file });
      index.set(v.key, v);
    }
  }
  return index;
}
