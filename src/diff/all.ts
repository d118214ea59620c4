import type { LayerDecrypt } from '../core/layers.js';
import type { Limits } from '../core/limits.js';
import { appOnFs, loadApp, type App } from '../core/app.js';
import { CONFIG_FILE } from '../core/config.js';
import { discoverApps } from '../core/discover.js';
import { describeError, rethrowUnlessUser } from '../core/errors.js';
import { joinPath } from '../core/fs.js';
import type { Override } from '../core/layers.js';
import { createCaches, render, type AppSource, type RenderCaches } from '../core/render.js';
import type { CompiledStore } from '../core/templates.js';
import type { K8sObject } from '../core/types.js';
import { diffObjects, type ObjectDiff } from './diff.js';
import { RecordingFs } from '../io/recording-fs.js';
import { InputIndex, replays, sameEntries } from './inputs.js';
import { blobId, type Sides } from './rev-fs.js';

// `strata diff --all --against-ref REV` (docs/diff.md): every app x environment under a folder, at the
// working tree and at a revision. A pair whose inputs are the same on both sides (inputs.ts) is
// `unchanged` without rendering; the others are rendered on both sides and diffed like `strata diff`.

export type PairStatus = 'added' | 'removed' | 'changed' | 'unchanged' | 'error';

export interface PairResult {
  /** Repo-relative app directory. */
  app: string;
  /** The app's metadata.name ('' when strata.yaml cannot be read). */
  name: string;
  /** The environment ('' when the app's environments cannot be known: its strata.yaml is broken). */
  env: string;
  status: PairStatus;
  /** Per-object changes, as `diff -o json` gives them (empty when unchanged). */
  objects: ObjectDiff[];
  /** status `error`: why the working tree's side failed (one line, no values). */
  error?: string;
  /** Why the revision's side failed, when it did (a pair broken at the revision and fixed now is `changed`). */
  beforeError?: string;
}

export interface DiffAllOptions {
  sides: Sides;
  /** Repo-relative folder whose apps are compared ('' = the whole repository). */
  root: string;
  /** Only these environments (all of each app's when empty). */
  envs?: readonly string[];
  /** `-f`/`--set` flags, applied to both sides. */
  overrides?: readonly Override[];
  /** Bounds of each render (core/limits.ts). */
  limits?: Limits;
  showSecrets?: boolean;
  store?: CompiledStore;
  /** Decrypts SOPS layers on both sides (src/secrets/keys.ts); without it an encrypted layer is an error. */
  decrypt?: LayerDecrypt;
}

export interface DiffAllResult {
  /** The full commit id the working tree was compared with. */
  against: string;
  results: PairResult[];
  /** Pairs rendered on the working-tree side and on the revision side (the rest were skipped). */
  rendered: { worktree: number; revision: number };
}

type Side = 'worktree' | 'revision';
/** One side's render of a pair. */
export type Outcome = { ok: true; objects: K8sObject[] } | { ok: false; error: string };
type Loaded = { ok: true; app: App } | { ok: false; error: string } | undefined;

export function diffAll(opts: DiffAllOptions): DiffAllResult {
  const { worktree, revision } = opts.sides;
  const fsOf = { worktree, revision } as const;
  const caches: Record<Side, RenderCaches> = {
    worktree: createCaches({ immutable: true, ...(opts.store ? { store: opts.store } : {}) }),
    revision: createCaches({ immutable: true, ...(opts.store ? { store: opts.store } : {}) }),
  };
  const recordingCaches = createCaches({ immutable: false, ...(opts.store ? { store: opts.store } : {}) });
  const inputs = { worktree: new InputIndex(worktree, true), revision: new InputIndex(revision, false) };
  const rendered = { worktree: 0, revision: 0 };
  const algorithm = revision.commit.length === 64 ? 'sha256' : 'sha1';

  const renderSide = (side: Side, source: AppSource, env: string, c = caches[side]): Outcome => {
    rendered[side]++;
    try {
      // No checks: they never change the objects, and a policy failure must not hide the diff (lint reports it).
      return {
        ok: true,
        objects: render({
          ...source,
          env,
          overrides: opts.overrides ?? [],
          caches: c,
          ...(opts.limits ? { limits: opts.limits } : {}),
          ...(opts.decrypt ? { decrypt: opts.decrypt } : {}),
        }).objects.map((o) => o.object),
      };
    } catch (e) {
      rethrowUnlessUser(e);
      return { ok: false, error: describeError(e) };
    }
  };
  const load = (side: Side, app: string): Loaded => {
    if (fsOf[side].stat(joinPath(app, CONFIG_FILE)) !== 'file') return undefined;
    try {
      // Loaded once per side: its environments, its input list and its renders all come from this load.
      return { ok: true, app: loadApp(fsOf[side], app, caches[side].parsed) };
    } catch (e) {
      rethrowUnlessUser(e);
      return { ok: false, error: describeError(e) };
    }
  };
  const wanted = (envs: readonly string[]): string[] =>
    opts.envs?.length ? envs.filter((e) => opts.envs!.includes(e)) : [...envs];
  const diff = (before: K8sObject[], after: K8sObject[]) =>
    diffObjects(before, after, { showSecrets: opts.showSecrets === true });

  const apps = new Set(discoverApps(worktree, opts.root));
  if (revision.stat(opts.root) === 'dir') for (const a of discoverApps(revision, opts.root)) apps.add(a);

  const results: PairResult[] = [];
  for (const app of [...apps].sort()) {
    const sameConfig =
      inputs.worktree.config(app) !== undefined && inputs.worktree.config(app) === inputs.revision.config(app);
    const now = load('worktree', app);
    // The same strata.yaml on both sides: parsed once, read through each side's tree.
    const then: Loaded =
      sameConfig && now?.ok
        ? { ok: true, app: appOnFs(revision, now.app.config) }
        : sameConfig
          ? now
          : load('revision', app);
    const name = now?.ok ? now.app.config.name : then?.ok ? then.app.config.name : '';
    if (now && !now.ok) {
      // Its environments are unknown: one row for the app, an error whatever the revision had.
      results.push({ app, name, env: '', status: 'error', objects: [], error: now.error });
      continue;
    }
    const appNow = now?.ok ? now.app : undefined;
    const appThen = then?.ok ? then.app : undefined;
    const envsNow = appNow ? wanted(appNow.config.environments) : [];
    const envsThen = appThen ? wanted(appThen.config.environments) : [];
    for (const env of [...new Set([...envsNow, ...envsThen])].sort()) {
      const base = { app, name, env };
      // An env of the revision's app only (it loaded there); broken at the revision, so its environments were
      // unknown there; an env of the working tree's only; on both sides.
      if (!envsNow.includes(env))
        results.push({ ...base, ...pairStatus(renderSide('revision', { app: appThen! }, env), undefined, diff) });
      else if (then && !then.ok)
        results.push({
          ...base,
          ...pairStatus({ ok: false, error: then.error }, renderSide('worktree', { app: appNow! }, env), diff),
        });
      else if (!envsThen.includes(env))
        results.push({ ...base, ...pairStatus(undefined, renderSide('worktree', { app: appNow! }, env), diff) });
      else if (appNow && appThen) results.push(comparePair(base, appNow, appThen, sameConfig));
    }
  }
  return { against: revision.commit, results, rendered };

  function comparePair(
    base: { app: string; name: string; env: string },
    appNow: App,
    appThen: App,
    sameConfig: boolean,
  ): PairResult {
    const { app, env } = base;
    let after: Outcome | undefined;
    if (sameConfig) {
      const a = inputs.worktree.pair(appNow, env);
      const b = inputs.revision.pair(appThen, env);
      if (sameEntries(a.entries, b.entries)) {
        if (!a.dynamic) return { ...base, status: 'unchanged', objects: [] };
        // Templates that may read other files: render this side recording every read, then check the reads
        // against the revision. Caches that re-read and compare (not immutable), so no read is served from
        // memory and missed by the recording, while compiled templates are still shared. The app is loaded
        // again through the recording, so its reads are among those replayed.
        const rec = new RecordingFs(worktree, (b) => blobId(b, algorithm));
        after = renderSide('worktree', { fs: rec, appDir: app }, env, recordingCaches);
        // Same reads, same answers: the revision renders the same (or fails the same way, like any pair
        // whose inputs did not change: this change did not break it, and `lint` reports it).
        if (replays(rec.reads, revision)) return { ...base, status: 'unchanged', objects: [] };
      }
    }
    after ??= renderSide('worktree', { app: appNow }, env);
    return { ...base, ...pairStatus(renderSide('revision', { app: appThen }, env), after, diff) };
  }
}

/**
 * What a pair is, from each side's outcome (undefined: the pair does not exist on that side). Only on one side:
 * `removed` or `added` (an added pair that fails is an `error`). On both: a failing working tree is an `error`
 * whatever the revision did; a revision that failed and a working tree that renders is `changed` (fixed now);
 * else the diff decides. A side's failure is kept as `error`/`beforeError`.
 */
export function pairStatus(
  before: Outcome | undefined,
  after: Outcome | undefined,
  diff: (before: K8sObject[], after: K8sObject[]) => ObjectDiff[],
): Omit<PairResult, 'app' | 'name' | 'env'> {
  const beforeError = before && !before.ok ? { beforeError: before.error } : {};
  if (!after) return { status: 'removed', objects: before?.ok ? diff(before.objects, []) : [], ...beforeError };
  if (!after.ok) return { status: 'error', objects: [], error: after.error, ...beforeError };
  if (!before) return { status: 'added', objects: diff([], after.objects) };
  if (!before.ok) return { status: 'changed', objects: diff([], after.objects), ...beforeError };
  const objects = diff(before.objects, after.objects);
  return { status: objects.length ? 'changed' : 'unchanged', objects };
}

/** diff(1)'s exit code for a set of results: 2 when a pair is an error, 1 when something differs, else 0. */
export function exitCodeOf(results: readonly PairResult[]): number {
  if (results.some((r) => r.status === 'error')) return 2;
  return results.some((r) => r.status !== 'unchanged') ? 1 : 0;
}
