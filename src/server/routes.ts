import { Router, type Request, type Response } from 'express';
import { standardChecks } from '../checks/index.js';
import { formatFinding } from '../core/errors.js';
import { explainValues } from '../core/explain.js';
import type { ReadOnlyFs } from '../core/fs.js';
import { render, resolveValues, type RenderCaches } from '../core/render.js';
import type { Limits } from '../core/limits.js';
import type { K8sObject } from '../core/types.js';
import { formatObjects } from '../core/serialize.js';
import type { ResultCache } from './cache.js';
import * as analysis from './analysis.js';
import { BadRequestError, NotFoundError } from './http-errors.js';
import type { Operation, ServerMetrics } from './metrics.js';
import type { AppEntry, Workspace } from './workspace.js';

// The JSON API. Each handler parses the request into a few plain values, makes one core call through the
// content-keyed cache, and answers; errors are thrown and mapped to statuses in http-errors.ts.

export interface ApiDeps {
  /** Bounds on each render (core/limits.ts); defaults when absent. */
  limits?: Limits;
  workspace: Workspace;
  cache: ResultCache;
  caches: RenderCaches;
  metrics: ServerMetrics;
}

/** A git revision as a client may name one: a branch, tag, sha or `HEAD~2`; never an option (`-...`). */
const REVISION = /^(?!-)(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._/~^-]{0,199}$/;

/** What every route uses: the dependencies, the workspace's file system and the two cached computations. */
interface Api extends ApiDeps {
  fs: ReadOnlyFs;
  /** Run an operation through the cache, timed and counted; says on the response whether the cache answered. */
  cached: <T>(res: Response, op: Operation, key: string[], compute: (fs: ReadOnlyFs) => T) => T;
  /** An app's rendered objects for an env (the one asked for, else its default), without checks (diffs show changes even where policy fails). */
  objects: (f: ReadOnlyFs, entry: AppEntry, asked: string | undefined) => { env: string; objects: K8sObject[] };
}

export function apiRouter(deps: ApiDeps): Router {
  const { workspace, cache, caches, metrics, limits } = deps;
  const api: Api = {
    ...deps,
    fs: workspace.fs,
    cached: (res, op, key, compute) => {
      const out = metrics.observe(op, () => cache.get(workspace.fs, [op, ...key].join('\u0000'), compute));
      res.setHeader('x-strata-cache', out.hit ? 'hit' : 'miss');
      return out.value;
    },
    objects: (f, entry, asked) =>
      cache.get(f, ['objects', entry.dir, asked ?? ''].join('\u0000'), (rf) => {
        const { app, env } = workspace.load(entry, asked, rf, caches.parsed);
        const rendered = render({ app, env, caches, limits, failOnFindings: false, release: { path: entry.dir } });
        return { env, objects: rendered.objects.map((o) => o.object) };
      }).value,
  };
  const r = Router();
  r.get('/apps', (_req, res) => {
    const apps = workspace.discover().map(({ dir: _dir, ...a }) => a);
    res.json({ root: workspace.rootDir || '.', apps });
  });
  // Each route loads the app once, inside its cached computation (Workspace.load), and passes it on.
  r.get('/apps/:id/render', (req, res) => renderRoute(api, req, res));
  r.get('/apps/:id/values', (req, res) => valuesRoute(api, req, res));
  r.get('/apps/:id/lint', (req, res) => lintRoute(api, req, res));
  r.get('/apps/:id/diff', (req, res) => diffRoute(api, req, res));
  r.use((req) => {
    throw new NotFoundError(`no API route ${req.method} ${req.baseUrl}${req.path}`);
  });
  return r;
}

function renderRoute({ workspace, caches, limits, cached }: Api, req: Request, res: Response): void {
  const entry = workspace.app(String(req.params.id));
  const asked = param(req, 'env');
  const format = param(req, 'format') ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new BadRequestError(`format must be yaml or json, not "${format}"`);
  const out = cached(res, 'render', [entry.dir, asked ?? '', format], (f) => {
    const { app, env } = workspace.load(entry, asked, f, caches.parsed);
    const result = render({ app, env, caches, limits, checks: standardChecks(), release: { path: entry.dir } });
    return {
      text: formatObjects(
        result.objects.map((o) => o.object),
        format,
      ),
      warnings: result.findings.map(formatFinding),
    };
  });
  if (out.warnings.length) res.setHeader('x-strata-warnings', String(out.warnings.length));
  res.type(format === 'json' ? 'application/json' : 'application/yaml').send(out.text);
}

function valuesRoute({ workspace, caches, cached }: Api, req: Request, res: Response): void {
  const entry = workspace.app(String(req.params.id));
  const asked = param(req, 'env');
  const explain = flag(req, 'explain');
  const out = cached(res, 'values', [entry.dir, asked ?? '', String(explain)], (f) => {
    const { app, env } = workspace.load(entry, asked, f, caches.parsed);
    const { merged, files, config } = resolveValues({ app, env, caches });
    return {
      app: entry.id,
      env,
      files,
      values: merged.values,
      ...(explain ? { explain: explainValues(merged, config.listRules) } : {}),
    };
  });
  res.json(out);
}

async function lintRoute({ workspace, caches, cached }: Api, req: Request, res: Response): Promise<void> {
  const entry = workspace.app(String(req.params.id));
  const asked = param(req, 'env');
  const lint = await analysis.lint();
  const { env, findings } = cached(res, 'lint', [entry.dir, asked ?? ''], (f) => {
    const loaded = workspace.load(entry, asked, f, caches.parsed);
    return { env: loaded.env, findings: lint({ app: loaded.app, env: loaded.env, caches }) };
  });
  res.json({
    app: entry.id,
    env,
    errors: findings.filter((x) => x.severity === 'error').length,
    findings,
    messages: findings.map(formatFinding),
  });
}

async function diffRoute(api: Api, req: Request, res: Response): Promise<void> {
  const entry = api.workspace.app(String(req.params.id));
  const asked = param(req, 'env');
  const against = param(req, 'against');
  const againstRef = param(req, 'againstRef');
  if ((against === undefined) === (againstRef === undefined))
    throw new BadRequestError('give exactly one of against (an environment) or againstRef (a git revision)');
  const diff = await analysis.differ();
  if (against !== undefined) {
    const { env, ...out } = api.cached(res, 'diff', [entry.dir, asked ?? '', against], (f) => {
      // The asked env first: an unknown one is the 404, as is an unknown `against`.
      const after = api.objects(f, entry, asked);
      const before = api.objects(f, entry, against);
      return { env: after.env, ...diff(before.objects, after.objects, [against, after.env]) };
    });
    res.json({ app: entry.id, env, against, ...out });
    return;
  }
  if (!REVISION.test(againstRef!)) throw new BadRequestError(`"${againstRef}" is not a git revision name`);
  await diffAgainstRef(api, entry, asked, againstRef!, diff, res);
}

/** The working tree's render against the same app at a git revision, read from git objects. */
async function diffAgainstRef(
  { workspace, caches, metrics, limits, fs, objects }: Api,
  entry: AppEntry,
  asked: string | undefined,
  againstRef: string,
  diff: Awaited<ReturnType<typeof analysis.differ>>,
  res: Response,
): Promise<void> {
  // The working tree first: an unknown env is a 404 before git is asked.
  const after = objects(fs, entry, asked);
  const old = await analysis.filesAtRevision(workspace.repoRoot, againstRef, limits);
  // A revision name such as HEAD or main moves, so the old side is read from git each time, uncached.
  const out = metrics.observe('diff', () => {
    const before = render({
      fs: old,
      appDir: entry.dir,
      env: after.env,
      caches,
      limits,
      failOnFindings: false,
      release: { path: entry.dir },
    });
    return {
      value: diff(
        before.objects.map((o) => o.object),
        after.objects,
        [againstRef, 'worktree'],
      ),
      hit: false,
    };
  }).value;
  res.setHeader('x-strata-cache', 'miss');
  res.json({ app: entry.id, env: after.env, againstRef, ...out });
}

/** One query parameter as a string; a repeated one is a 400, not a silent pick. */
function param(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new BadRequestError(`query parameter "${name}" must be given once`);
  return v;
}

function flag(req: Request, name: string): boolean {
  const v = param(req, name);
  return v !== undefined && v !== '0' && v !== 'false';
}
