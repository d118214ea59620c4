import { UserError } from './errors.js';
import { crdClusterScopedKinds, groupOf, isClusterScoped, objectKey } from './kinds.js';
import type { RenderedObject } from './types.js';
import { isPlainMap, toText } from './guards.js';

// The checks every rendered object must pass before anything else looks at it, and before Argo CD would.

function where(o: RenderedObject): string {
  return `${o.template} (document ${o.doc + 1})`;
}

/**
 * Every object has apiVersion, kind and metadata.name, and a cluster-scoped object (a built-in kind, or one a
 * CRD rendered beside it declares `scope: Cluster`) has no metadata.namespace: Kubernetes ignores it there, so
 * it only misleads a reader and hides a duplicate (two ClusterRoles of one name "in" two namespaces are one).
 */
export function checkShape(objects: readonly RenderedObject[]): void {
  const crdKinds = crdClusterScopedKinds(objects.map((o) => o.object));
  for (const o of objects) {
    const obj = o.object;
    for (const key of ['apiVersion', 'kind'] as const) {
      if (typeof obj[key] !== 'string' || obj[key] === '') {
        throw new UserError(
          `document ${o.doc + 1} has no ${key}: every object needs apiVersion, kind and metadata.name`,
          { file: o.template },
        );
      }
    }
    const meta = obj.metadata as Record<string, unknown> | undefined;
    if (!isPlainMap(meta) || typeof meta.name !== 'string' || meta.name === '') {
      throw new UserError(`${String(obj.kind)} in document ${o.doc + 1} has no metadata.name`, { file: o.template });
    }
    const kind = obj.kind as string;
    if (
      meta.namespace !== undefined &&
      meta.namespace !== null &&
      meta.namespace !== '' &&
      isClusterScoped(kind, crdKinds, groupOf(obj.apiVersion as string))
    ) {
      // The namespace itself is not quoted: it may come from values, and messages never quote values.
      throw new UserError(
        `${kind} "${meta.name}" in document ${o.doc + 1} is cluster-scoped but sets metadata.namespace; remove it (Kubernetes ignores it)`,
        { file: o.template },
      );
    }
  }
}

/**
 * No two objects share group, kind, namespace and name (checked after namespaces are filled in); for a
 * cluster-scoped kind the namespace is not part of that identity (kinds.ts objectKey).
 */
export function checkDuplicates(objects: readonly RenderedObject[]): void {
  const seen = new Map<string, RenderedObject>();
  const crdKinds = crdClusterScopedKinds(objects.map((o) => o.object));
  for (const o of objects) {
    const obj = o.object;
    const meta = obj.metadata as Record<string, unknown>;
    const id = objectKey(obj, crdKinds);
    const prev = seen.get(id);
    if (prev) {
      const ns = id.split('/')[2]; // the identity's namespace: none for a cluster-scoped kind
      throw new UserError(
        `${toText(obj.kind)} "${toText(meta.name)}"${ns ? ` in namespace "${toText(meta.namespace)}"` : ''} is rendered twice: by ${where(prev)} and by ${where(o)}`,
        {
          file: o.template,
        },
      );
    }
    seen.set(id, o);
  }
}

export function checkNotEmpty(objects: readonly RenderedObject[], allowEmpty: boolean, configFile: string): void {
  if (objects.length === 0 && !allowEmpty) {
    throw new UserError(
      'the render produced no objects; Argo CD would prune everything this app owns. Set spec.allowEmpty: true if that is intended',
      { file: configFile },
    );
  }
}
