import { ANNOTATION_REVISION } from '../core/render.js';
import { INSTALL_ORDER, objectId, objectKey } from '../core/kinds.js';
import { childPath } from '../core/paths.js';
import { toYamlText } from '../core/serialize.js';
import type { K8sObject } from '../core/types.js';
import { maskSecretPair } from './mask.js';
import { isPlainMap, toText } from '../core/guards.js';
import { compareStrings } from '../core/compare.js';

// A semantic diff of two sets of rendered objects (docs/diff.md): objects are matched by group, kind,
// namespace and name; fields are compared as data (key order and YAML style never show up); lists of named
// items (containers, env, ports) are matched by name, other lists by position. Pure: no I/O.

export interface FieldChange {
  /** Field path inside the object, e.g. `.spec.replicas`. */
  path: string;
  op: 'add' | 'remove' | 'change';
  before?: unknown;
  after?: unknown;
}

export interface ObjectDiff {
  /** `Kind/namespace/name` (`Kind/name` when cluster-scoped). */
  id: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  status: 'added' | 'removed' | 'changed';
  /** Field-level changes; for added/removed objects one change at `.` holding the whole object. */
  changes: FieldChange[];
}

type Obj = Record<string, unknown>;

/** The object without what differs on every render and says nothing about the change (the revision annotation). */
function normalise(o: K8sObject): K8sObject {
  const meta = o.metadata as Obj | undefined;
  const ann = meta?.annotations as Obj | undefined;
  if (!ann || !(ANNOTATION_REVISION in ann)) return o;
  const { [ANNOTATION_REVISION]: _drop, ...rest } = ann;
  const { annotations: _a, ...metaRest } = meta!;
  return { ...o, metadata: Object.keys(rest).length ? { ...metaRest, annotations: rest } : metaRest };
}

interface Keyed {
  key: string;
  order: number;
  id: string;
  kind: string;
  namespace?: string;
  name: string;
  object: K8sObject;
}

function keyed(o: K8sObject, clusterScoped?: ReadonlySet<string>): Keyed {
  const meta = (o.metadata ?? {}) as Obj;
  const kind = String(o.kind);
  const name = String(meta.name);
  const namespace = meta.namespace === undefined ? undefined : toText(meta.namespace);
  const rank = INSTALL_ORDER.indexOf(kind);
  return {
    key: objectKey(o, clusterScoped),
    order: rank < 0 ? INSTALL_ORDER.length : rank,
    id: objectId(o, clusterScoped),
    kind,
    ...(namespace !== undefined ? { namespace } : {}),
    name,
    object: normalise(o),
  };
}

function namedList(a: unknown[], b: unknown[]): boolean {
  const named = (l: unknown[]) => l.length > 0 && l.every((x) => isPlainMap(x) && typeof x.name === 'string');
  const unique = (l: unknown[]) => new Set(l.map((x) => (x as Obj).name)).size === l.length;
  return named(a) && named(b) && unique(a) && unique(b);
}

function diffValues(a: unknown, b: unknown, path: string, out: FieldChange[]): void {
  if (isPlainMap(a) && isPlainMap(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const p = childPath(path, k);
      if (!(k in b)) out.push({ path: p, op: 'remove', before: a[k] });
      else if (!(k in a)) out.push({ path: p, op: 'add', after: b[k] });
      else diffValues(a[k], b[k], p, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (namedList(a, b)) {
      const byName = new Map(a.map((x, i) => [(x as Obj).name as string, i]));
      b.forEach((item, j) => {
        const i = byName.get((item as Obj).name as string);
        if (i === undefined) out.push({ path: childPath(path, j), op: 'add', after: item });
        else diffValues(a[i], item, childPath(path, j), out);
      });
      const names = new Set(b.map((x) => (x as Obj).name));
      a.forEach((item, i) => {
        if (!names.has((item as Obj).name)) out.push({ path: childPath(path, i), op: 'remove', before: item });
      });
      return;
    }
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (i >= b.length) out.push({ path: childPath(path, i), op: 'remove', before: a[i] });
      else if (i >= a.length) out.push({ path: childPath(path, i), op: 'add', after: b[i] });
      else diffValues(a[i], b[i], childPath(path, i), out);
    }
    return;
  }
  if (a !== b) out.push({ path: path || '.', op: 'change', before: a, after: b });
}

export interface DiffOptions {
  /**
   * Show Secret `data`/`stringData` values as they are (default false: masked, see mask.ts). Only for a
   * local terminal: CI logs, PR comments and the server's page must never carry them.
   */
  showSecrets?: boolean;
  /** Cluster-scoped kinds the built-in list does not know (`group/Kind`, from CRDs): keyed without a namespace. */
  clusterScopedKinds?: ReadonlySet<string>;
}

/**
 * Added, removed and changed objects, in install order then by id; identical objects are left out.
 * Secret values are masked unless `opts.showSecrets`, so every caller (CLI, server) masks by default.
 */
export function diffObjects(
  before: readonly K8sObject[],
  after: readonly K8sObject[],
  opts: DiffOptions = {},
): ObjectDiff[] {
  const entry = (o: K8sObject): [string, Keyed] => {
    const k = keyed(o, opts.clusterScopedKinds);
    return [k.key, k];
  };
  const a = new Map(before.map(entry));
  const b = new Map(after.map(entry));
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const out: (ObjectDiff & { order: number })[] = [];
  for (const key of keys) {
    let x = a.get(key);
    let y = b.get(key);
    if (!opts.showSecrets) {
      const [mx, my] = maskSecretPair(x?.object, y?.object);
      if (x) x = { ...x, object: mx! };
      if (y) y = { ...y, object: my! };
    }
    const k = (y ?? x)!;
    const base = {
      id: k.id,
      apiVersion: String((y ?? x)!.object.apiVersion),
      kind: k.kind,
      ...(k.namespace !== undefined ? { namespace: k.namespace } : {}),
      name: k.name,
      order: k.order,
    };
    if (!x) out.push({ ...base, status: 'added', changes: [{ path: '.', op: 'add', after: y!.object }] });
    else if (!y) out.push({ ...base, status: 'removed', changes: [{ path: '.', op: 'remove', before: x.object }] });
    else {
      const changes: FieldChange[] = [];
      diffValues(x.object, y.object, '', changes);
      if (changes.length) out.push({ ...base, status: 'changed', changes });
    }
  }
  out.sort((p, q) => p.order - q.order || compareStrings(p.id, q.id) || compareStrings(p.apiVersion, q.apiVersion));
  return out.map(({ order: _o, ...d }) => d);
}

export interface FormatOptions {
  color: boolean;
  /** Names of the two sides for the `---`/`+++` lines (default `before`, `after`). */
  labels?: readonly [string, string];
}

const ANSI = { red: '\x1b[31m', green: '\x1b[32m', cyan: '\x1b[36m', bold: '\x1b[1m', reset: '\x1b[0m' };

function lines(v: unknown): string[] {
  if (v === undefined) return [];
  if (isPlainMap(v) || Array.isArray(v)) return toYamlText(v).replace(/\n$/, '').split('\n');
  return [toYamlText(v).replace(/\n$/, '')];
}

/** Unified, field-level text: one `---`/`+++` header per object, one `@@ path @@` hunk per changed field. */
export function formatDiff(diffs: readonly ObjectDiff[], opts: FormatOptions): string {
  const [la, lb] = opts.labels ?? ['before', 'after'];
  const paint = (code: string, s: string) => (opts.color ? `${code}${s}${ANSI.reset}` : s);
  const out: string[] = [];
  for (const d of diffs) {
    const title = `${d.id} (${d.apiVersion})`;
    out.push(paint(ANSI.bold, `--- ${d.status === 'added' ? '/dev/null' : `${la}/${title}`}`));
    out.push(paint(ANSI.bold, `+++ ${d.status === 'removed' ? '/dev/null' : `${lb}/${title}`}`));
    for (const c of d.changes) {
      out.push(paint(ANSI.cyan, `@@ ${c.path} @@`));
      for (const l of lines(c.before)) out.push(paint(ANSI.red, `-${l}`));
      for (const l of lines(c.after)) out.push(paint(ANSI.green, `+${l}`));
    }
  }
  return out.length ? out.join('\n') + '\n' : '';
}
