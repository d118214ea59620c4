import { resolve } from 'node:path';
import { loadApp, type App } from '../core/app.js';
import { loadAppConfig } from '../core/config.js';
import { discoverApps } from '../core/discover.js';
import { describeError, UserError } from '../core/errors.js';
import type { ReadOnlyFs } from '../core/fs.js';
import type { ParseCache } from '../core/parse-cache.js';
import { DiskFs } from '../io/disk-fs.js';
import { findRepoRoot } from '../io/repo.js';
import { NotFoundError } from './http-errors.js';

// The served tree: ROOT inside its repository. Reads are confined to the repository root (layers such as
// `../../../environments/common.yaml` live above an app), but only apps under ROOT are listed. Clients name
// apps by the ids handed out here and never by path, so a request cannot point the server at a file.

export interface AppEntry {
  /** Stable id used in URLs: the app's metadata.name when unique under ROOT, else its directory slug. */
  id: string;
  /** Repo-relative app directory. */
  dir: string;
  /** App directory relative to ROOT, for display. */
  path: string;
  name: string;
  environments: string[];
  defaultEnvironment?: string;
  /** Set when strata.yaml does not load: the app is listed so the page can say why. */
  error?: string;
}

export class Workspace {
  readonly fs: DiskFs;
  /** Absolute repository root. */
  readonly repoRoot: string;
  /** ROOT relative to the repository root ('' when they are the same). */
  readonly rootDir: string;
  private byId = new Map<string, AppEntry>();
  /** Entries the last walk skipped (symlink loops, links out of the repository): path -> reason, for the log. */
  readonly skipped = new Map<string, string>();

  constructor(root: string, maxFileBytes?: number) {
    const abs = resolve(root);
    try {
      this.repoRoot = findRepoRoot(abs);
    } catch {
      throw new UserError(`no such directory: ${root}`);
    }
    this.fs = new DiskFs(this.repoRoot, maxFileBytes === undefined ? {} : { maxFileBytes });
    const rel = this.fs.relativePath(abs);
    if (rel === undefined) throw new UserError(`${root} is outside its repository root ${this.repoRoot}`);
    this.rootDir = rel;
  }

  /** Walk ROOT again: apps come and go while the server runs. */
  discover(fs: ReadOnlyFs = this.fs): AppEntry[] {
    this.skipped.clear();
    const dirs = discoverApps(fs, this.rootDir, (path, reason) => this.skipped.set(path, reason));
    const loaded = dirs.map((dir) => {
      const path = this.rootDir ? dir.slice(this.rootDir.length + 1) || '.' : dir || '.';
      try {
        const c = loadAppConfig(fs, dir);
        return {
          dir,
          path,
          name: c.name,
          environments: c.environments,
          ...(c.defaultEnvironment ? { defaultEnvironment: c.defaultEnvironment } : {}),
        };
      } catch (e) {
        return { dir, path, name: path.split('/').pop()!, environments: [], error: describeError(e) };
      }
    });
    const counts = new Map<string, number>();
    for (const a of loaded) counts.set(a.name, (counts.get(a.name) ?? 0) + 1);
    const apps = loaded.map((a): AppEntry => ({
      id: counts.get(a.name) === 1 && SAFE_ID.test(a.name) ? a.name : slug(a.path),
      ...a,
    }));
    this.byId = new Map(apps.map((a) => [a.id, a]));
    return apps;
  }

  /** The app for an id from discovery (rediscovering once on a miss); 404 otherwise. */
  app(id: string): AppEntry {
    const hit = this.byId.get(id) ?? (this.discover(), this.byId.get(id));
    if (!hit) throw new NotFoundError(`no app with id "${id}" under the served root`);
    return hit;
  }

  /**
   * The app of an entry, loaded once for a request's computation, and the environment to use: `env`, else the
   * app's default, through the one resolver (a 404 when the app does not declare it). Routes call it inside
   * their cached computation with its recording `fs`, so strata.yaml is among the reads that key the result:
   * an edit to it is a miss, and a hit loads nothing.
   */
  load(
    entry: AppEntry,
    env: string | undefined,
    fs: ReadOnlyFs = this.fs,
    cache?: ParseCache,
  ): { app: App; env: string } {
    const app = loadApp(fs, entry.dir, cache);
    try {
      return { app, env: app.environment(env || undefined, 'pass ?env=') };
    } catch (e) {
      if (e instanceof UserError) throw new NotFoundError(`${entry.id}: ${e.message}`);
      throw e;
    }
  }
}

const SAFE_ID = /^[a-z0-9][a-z0-9._-]*$/i;

/** `helm/applications/plate-api` -> `helm~applications~plate-api`: one URL segment, no encoding needed. */
function slug(path: string): string {
  return path
    .split('/')
    .map((s) => s.replace(/[^A-Za-z0-9._-]/g, '_'))
    .join('~');
}
