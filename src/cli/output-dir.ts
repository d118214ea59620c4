import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';

// `render --all --output-dir DIR`: each app x environment's manifests in DIR/<env>/<app dir>/manifests.yaml,
// for pipelines that commit rendered output or feed other tools. strata owns only the files it names
// `manifests.yaml` and records each in DIR/.strata-output: a recorded file inside this run's environments
// and folder that the run no longer produces is stale and removed (with the folders that removal empties);
// nothing unrecorded is ever removed. Below DIR every path is checked with lstat and no symlink is ever
// followed: a link where a folder or a manifest should be is an error, never a way out of DIR.

export const MANIFEST_FILE = 'manifests.yaml';

/** Folder segments of a path we build under DIR: no empty, `.`, `..`, separators or control characters. */
function segments(rel: string, what: string): string[] {
  const parts = rel === '' ? [] : rel.split('/');
  for (const s of parts) {
    if (s === '' || s === '.' || s === '..' || /[\\\0-\x1f\x7f]/.test(s))
      throw new UserError(`${what} "${rel}" cannot name a folder under the output directory`);
  }
  return parts;
}

/** The output path of one app x env, relative to DIR, as POSIX segments. */
export function manifestPath(env: string, appDir: string): string[] {
  return [...segments(env, 'environment'), ...segments(appDir, 'app directory'), MANIFEST_FILE];
}

function lstat(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Refuse a symlink (or a file) where a folder must be; create missing folders one level at a time. */
function ensureDir(dir: string, parts: readonly string[], create: boolean): boolean {
  let d = dir;
  for (const s of parts) {
    d = join(d, s);
    const st = lstat(d);
    if (st === undefined) {
      if (!create) return false;
      mkdirSync(d);
    } else if (st.isSymbolicLink()) throw new UserError(`${d} is a symlink; refusing to write through it`);
    else if (!st.isDirectory()) throw new UserError(`${d} is not a folder`);
  }
  return true;
}

/** The record of what strata wrote in DIR: one relative path per line. Only paths listed there are ever removed. */
export const RECORD_FILE = '.strata-output';

/** Recorded paths that still look like ours (a hand-edited or hostile record cannot name anything else). */
function readRecord(dir: string): string[] {
  const abs = join(dir, RECORD_FILE);
  const st = lstat(abs);
  if (!st?.isFile() || st.size > 64 * 1024 * 1024) return [];
  return readFileSync(abs, 'utf8')
    .split('\n')
    .filter((line) => {
      const parts = line.split('/');
      if (parts.length < 2 || parts.at(-1) !== MANIFEST_FILE) return false;
      try {
        segments(parts.slice(0, -1).join('/'), 'recorded path');
        return true;
      } catch {
        return false;
      }
    });
}

function within(rel: string, scope: readonly string[]): boolean {
  const parts = rel.split('/');
  return scope.every((s, i) => s === '*' || parts[i] === s) && parts.length > scope.length;
}

export interface OutputPlan {
  /** Absolute output directory. */
  dir: string;
  /** Relative path (POSIX) -> file content, for every app x env of this run. */
  files: Map<string, string>;
  /** Folders (relative) whose recorded files this run owns: DIR/<env>/<root> per environment ([] = all). */
  scopes: string[][];
}

export interface SyncReport {
  written: string[];
  removed: string[];
  /** With check: files that are missing, different or stale (nothing is written). */
  outOfDate: string[];
}

/** Bring DIR in line with the plan, or (check) only report what is out of date. */
export function syncOutputDir(plan: OutputPlan, check: boolean): SyncReport {
  const { dir } = plan;
  // DIR itself may be a link (the user named it); everything below it is checked with lstat.
  let top: Stats | undefined;
  try {
    top = statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (top && !top.isDirectory()) throw new UserError(`--output-dir ${dir} is not a folder`);
  if (!top) {
    if (check) return { written: [], removed: [], outOfDate: [...plan.files.keys()].sort() };
    mkdirSync(dir, { recursive: true });
  }
  const report: SyncReport = { written: [], removed: [], outOfDate: [] };
  for (const [rel, content] of [...plan.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const parts = rel.split('/');
    const folder = parts.slice(0, -1);
    const abs = join(dir, ...parts);
    if (!ensureDir(dir, folder, !check)) {
      report.outOfDate.push(rel);
      continue;
    }
    const st = lstat(abs);
    if (st && !st.isFile())
      throw new UserError(`${abs} is not a regular file (a symlink or folder); refusing to replace it`);
    const same = st !== undefined && st.size === Buffer.byteLength(content) && readFileSync(abs, 'utf8') === content;
    if (same) continue;
    if (check) {
      report.outOfDate.push(rel);
      continue;
    }
    // Write beside it and rename over it: a reader never sees half a file, and `wx` never follows a link.
    const tmp = join(dir, ...folder, `.${MANIFEST_FILE}.${process.pid}.tmp`);
    writeFileSync(tmp, content, { flag: 'wx' });
    renameSync(tmp, abs);
    report.written.push(rel);
  }
  // Stale: written by an earlier run (recorded), inside this run's scope, not produced now.
  const recorded = readRecord(dir);
  const inScope = (rel: string) => plan.scopes.length === 0 || plan.scopes.some((sc) => within(rel, sc));
  for (const rel of recorded) {
    if (plan.files.has(rel) || !inScope(rel)) continue;
    const parts = rel.split('/');
    // Only a regular file reached through real folders: a link anywhere on the way is left alone.
    try {
      if (!ensureDir(dir, parts.slice(0, -1), false) || !lstat(join(dir, ...parts))?.isFile()) continue;
    } catch {
      continue;
    }
    if (check) {
      report.outOfDate.push(rel);
      continue;
    }
    unlinkSync(join(dir, ...parts));
    report.removed.push(rel);
    // Drop the folders this removal emptied, the environment folder included; DIR itself never.
    const folder = parts.slice(0, -1);
    while (folder.length > 0) {
      const d = join(dir, ...folder);
      if (readdirSync(d).length) break;
      rmdirSync(d);
      folder.pop();
    }
  }
  const record = [...new Set([...recorded.filter((r) => !inScope(r)), ...plan.files.keys()])].sort();
  const recordText = record.map((r) => r + '\n').join('');
  const recordAbs = join(dir, RECORD_FILE);
  const rst = lstat(recordAbs);
  if (rst && !rst.isFile()) throw new UserError(`${recordAbs} is not a regular file; refusing to replace it`);
  if (!check && (!rst || readFileSync(recordAbs, 'utf8') !== recordText)) {
    const tmp = join(dir, `${RECORD_FILE}.${process.pid}.tmp`);
    writeFileSync(tmp, recordText, { flag: 'wx' });
    renameSync(tmp, recordAbs);
  }
  report.outOfDate.sort();
  return report;
}

export interface OutputDirRun {
  /** Absolute output directory. */
  dir: string;
  check: boolean;
  /** Repo-relative folder the apps were found under (scopes stale removal). */
  root: string;
  /** Environments of this run (scopes stale removal); every folder in DIR when rendering all environments. */
  envs?: readonly string[];
  /** The rendered pairs: repo-relative app dir, environment, YAML stream. */
  outputs: readonly { appDir: string; env: string; text: string }[];
}

/** The plan for a run (paths validated), then sync or check. */
export function writeOutputDir(run: OutputDirRun): SyncReport {
  const files = new Map<string, string>();
  for (const o of run.outputs) files.set(manifestPath(o.env, o.appDir).join('/'), o.text);
  const rootParts = segments(run.root, 'folder');
  // Every environment: any recorded env folder's <root>; else only the environments asked for.
  const scopes = run.envs?.length
    ? run.envs.map((e) => [...segments(e, 'environment'), ...rootParts])
    : rootParts.length
      ? [['*', ...rootParts]]
      : [];
  return syncOutputDir({ dir: run.dir, files, scopes }, run.check);
}
