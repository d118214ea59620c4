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

export function apiRouter(deps: ApiDeps): Router {
  const { workspace, cache, caches, metrics, limits } = deps;
  const fs = workspace.fs;
  const r = Router();

  /** Run an operation through the cache, timed and counted; says on the response whether the cache answered. */
  const cached = <T>(res: Response, op: Operation, key: string[], compute: (fs: ReadOnlyFs) => T): T => {
    const out = metrics.observe(op, () => cache.get(fs, [op, ...key].join('\u0000'), compute));
    res.setHeader('x-strata-cache', out.hit ? 'hit' : 'miss');
    return out.value;
  };

  /** An app's rendered objects for an env (the one asked for, else its default), without checks (diffs show changes even where policy fails). */
  const objects = (f: ReadOnlyFs, entry: AppEntry, asked: string | undefined): { env: string; objects: K8sObject[] } =>
    cache.get(f, ['objects', entry.dir, asked ?? ''].join('\u0000'), (rf) => {
      const { app, env } = workspace.load(entry, asked, rf, caches.parsed);
      return {
        env,
        objects: render({ app, env, caches, limits, failOnFindings: false, release: { path: entry.dir } }).objects.map(
          (o) => o.object,
        ),
      };
    }).value;

  r.get('/apps', (_req, res) => {
    const apps = workspace.discover().map(({ dir: _dir, ...a }) => a);
    res.json({ root: workspace.rootDir || '.', apps });
  });

  // Each route loads the app once, inside its cached computation (Workspace.load), and passes it on.
  r.get('/apps/:id/render', (req, res) => {
    const entry = workspace.app(String(req.params.id));
    const asked = param(req, 'env');
    const format = param(req, 'format') ?? 'yaml';
    if (format !== 'yaml' && format !== 'json')
      throw new BadRequestError(`format must be yaml or json, not "${format}"`);
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
  });

  r.get('/apps/:id/values', (req, res) => {
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
  });

  r.get('/apps/:id/lint', async (req, res) => {
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
  });

  r.get('/apps/:id/diff', async (req, res) => {
    const entry = workspace.app(String(req.params.id));
    const asked = param(req, 'env');
    const against = param(req, 'against');
    const againstRef = param(req, 'againstRef');
    if ((against === undefined) === (againstRef === undefined))
      throw new BadRequestError('give exactly one of against (an environment) or againstRef (a git revision)');
    const diff = await analysis.differ();
    if (against !== undefined) {
      const { env, ...out } = cached(res, 'diff', [entry.dir, asked ?? '', against], (f) => {
        // The asked env first: an unknown one is the 404, as is an unknown `against`.
        const after = objects(f, entry, asked);
        const before = objects(f, entry, against);
        return { env: after.env, ...diff(before.objects, after.objects, [against, after.env]) };
      });
      res.json({ app: entry.id, env, against, ...out });
      return;
    }
    if (!REVISION.test(againstRef!)) throw new BadRequestError(`"${againstRef}" is not a git revision name`);
    // The working tree first: an unknown env is a 404 before git is asked.
    const after = objects(fs, entry, asked);
    const old = await analysis.filesAtRevision(workspace.repoRoot, againstRef!, limits);
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
          [againstRef!, 'worktree'],
        ),
        hit: false,
      };
    }).value;
    res.setHeader('x-strata-cache', 'miss');
    res.json({ app: entry.id, env: after.env, againstRef, ...out });
  });

  r.use((req) => {
    throw new NotFoundError(`no API route ${req.method} ${req.baseUrl}${req.path}`);
  });
  return r;
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
