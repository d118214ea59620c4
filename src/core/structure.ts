import { UserError } from './errors.js';
import { objectKey } from './kinds.js';
import type { RenderedObject } from './types.js';
import { isPlainMap, toText } from './guards.js';

// The checks every rendered object must pass before anything else looks at it, and before Argo CD would.

function where(o: RenderedObject): string {
  return `${o.template} (document ${o.doc + 1})`;
}

/** Every object has apiVersion, kind and metadata.name. */
export function checkShape(objects: readonly RenderedObject[]): void {
  for (const o of objects) {
    const obj = o.object;
    for (const key of ['apiVersion', 'kind'] as const) {
      if (typeof obj[key] !== 'string' || obj[key] === '') {
        throw new UserError(`document ${o.doc + 1} has no ${key}: every object needs apiVersion, kind and metadata.name`, { file: o.template });
      }
    }
    const meta = obj.metadata as Record<string, unknown> | undefined;
    if (!isPlainMap(meta) || typeof meta.name !== 'string' || meta.name === '') {
      throw new UserError(`${String(obj.kind)} in document ${o.doc + 1} has no metadata.name`, { file: o.template });
    }
  }
}

/** No two objects share group, kind, namespace and name (checked after namespaces are filled in). */
export function checkDuplicates(objects: readonly RenderedObject[]): void {
  const seen = new Map<string, RenderedObject>();
  for (const o of objects) {
    const obj = o.object;
    const meta = obj.metadata as Record<string, unknown>;
    const id = objectKey(obj);
    const prev = seen.get(id);
    if (prev) {
      throw new UserError(`${toText(obj.kind)} "${toText(meta.name)}"${meta.namespace ? ` in namespace "${toText(meta.namespace)}"` : ''} is rendered twice: by ${where(prev)} and by ${where(o)}`, {
        file: o.template,
      });
    }
    seen.set(id, o);
  }
}

export function checkNotEmpty(objects: readonly RenderedObject[], allowEmpty: boolean, configFile: string): void {
  if (objects.length === 0 && !allowEmpty) {
    throw new UserError('the render produced no objects; Argo CD would prune everything this app owns. Set spec.allowEmpty: true if that is intended', { file: configFile });
  }
}
