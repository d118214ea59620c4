import { UserError } from '../core/errors.js';
import { joinPath, type ReadOnlyFs } from '../core/fs.js';
import { isPlainMap } from '../core/guards.js';
import { DEFAULT_RENDER_LIMITS } from '../core/limits.js';
import { ARGOCD_SOURCE_PROFILE, readYamlBytes } from '../core/untrusted-yaml.js';

// `.argocd-source.yaml` and `.argocd-source-<appName>.yaml` in an app directory override the Application's
// source before anything is generated (argo-cd reposerver/repository/repository.go mergeSourceParameters):
// each file that exists, in that order, is a JSON merge patch (RFC 7386: maps merge, lists replace, null
// deletes) of the source, and repoURL, path, targetRevision and chart are put back afterwards. `appName` is
// the instance name Argo CD sends as ARGOCD_APP_NAME (`<namespace>_<name>` outside the controller's namespace).

const REPO_FILE = '.argocd-source.yaml';

/** The override files the repo-server looks for, in the order it applies them. */
export function sourceOverrideFiles(appName: string): string[] {
  return appName === '' ? [REPO_FILE] : [REPO_FILE, `.argocd-source-${appName}.yaml`];
}

/** RFC 7386 JSON merge patch (what jsonpatch.MergePatch does). Never mutates its inputs. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainMap(patch)) return patch;
  const base: Record<string, unknown> = isPlainMap(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw new UserError(`key "${k}" is not allowed`);
    if (v === null) delete base[k];
    else base[k] = mergePatch(Object.hasOwn(base, k) ? base[k] : undefined, v);
  }
  return base;
}

const PINNED = ['repoURL', 'path', 'targetRevision', 'chart'] as const;

/**
 * The source after the override files found in `appDir` (repo-relative) of `fs`; `applied` names the files
 * used. A file that is not a YAML mapping is an error naming it.
 */
export function applySourceOverrides<S extends object>(
  fs: ReadOnlyFs,
  appDir: string,
  appName: string,
  source: S,
): { source: S; applied: string[] } {
  let merged: unknown = source;
  const applied: string[] = [];
  for (const name of sourceOverrideFiles(appName)) {
    const file = joinPath(appDir, name);
    if (fs.stat(file) !== 'file') continue; // missing, or a directory: skipped, as upstream
    // The one reader of untrusted YAML, as Argo CD's Go reader would read it (untrusted-yaml.ts, profile argocd).
    const [patch] = readYamlBytes(fs.readFile(file), file, ARGOCD_SOURCE_PROFILE, {
      maxBytes: DEFAULT_RENDER_LIMITS.fileBytes,
      limit: 'fileBytes',
    });
    if (patch === null || patch === undefined) continue; // an empty file patches nothing
    if (typeof patch !== 'object' || Array.isArray(patch))
      throw new UserError('must be a mapping (a JSON merge patch of spec.source)', { file });
    try {
      merged = mergePatch(merged, patch);
    } catch (e) {
      throw new UserError((e as Error).message, { file });
    }
    applied.push(file);
  }
  const out = { ...(merged as Record<string, unknown>) };
  for (const k of PINNED) {
    const v = (source as Record<string, unknown>)[k];
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return { source: out as S, applied };
}
