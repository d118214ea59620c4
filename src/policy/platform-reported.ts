import type { Finding, RenderedObject, Severity } from '../core/types.js';

// What the platform check reported in one render, for the repository's policy check that runs after it: a
// finding both would report is listed once, as the platform's. Keyed by the render's object list, which every
// check of one render shares (src/core/render.ts passes the same array to each), so nothing outlives the render.

export const SEVERITY_RANK: Readonly<Record<Severity | 'off', number>> = { off: 0, warn: 1, error: 2 };

const reported = new WeakMap<readonly RenderedObject[], ReadonlyMap<string, Severity>>();

/** A finding's identity without its severity: rule, object, path, template and message. */
export function findingKey(f: Pick<Finding, 'rule' | 'object' | 'path' | 'template' | 'message'>): string {
  return [f.rule, f.object ?? '', f.path ?? '', f.template ?? '', f.message].join('\0');
}

export function recordPlatformFindings(objects: readonly RenderedObject[], keys: ReadonlyMap<string, Severity>): void {
  reported.set(objects, keys);
}

/** Whether the platform check of this render reported `f` already, at its severity or higher. */
export function reportedByPlatform(objects: readonly RenderedObject[], f: Finding): boolean {
  const sev = reported.get(objects)?.get(findingKey(f));
  return sev !== undefined && SEVERITY_RANK[sev] >= SEVERITY_RANK[f.severity];
}
