import { toYamlStream } from '../core/serialize.js';
import type { K8sObject } from '../core/types.js';

/** Manifests as a YAML stream, or as one JSON `List` (what kubectl prints). */
export function formatObjects(objects: readonly K8sObject[], format: string): string {
  if (format === 'json') return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2) + '\n';
  return toYamlStream(objects);
}
