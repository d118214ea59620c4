import { UserError } from './errors.js';
import type { K8sObject, RenderedObject } from './types.js';
import { PROFILES, readYaml, YamlError } from './untrusted-yaml.js';
import { isPlainMap } from './guards.js';

// Parses what a template printed into objects, through the one reader of untrusted YAML (untrusted-yaml.ts,
// profile `output`): the same schema as values files, so plain scalars that YAML 1.1 (Argo CD) and 1.2 read
// differently are refused (`enabled: yes` would be a string here and a boolean there); a generous depth cap,
// a node budget shared by the template's documents, aliases copied (docs/security.md §4).

/** The rendered text of a template is not YAML; `outputLine` (1-based) lets the engine name the template line. */
export class RenderedYamlError extends UserError {
  constructor(
    readonly reason: string,
    readonly outputLine: number | undefined,
    template: string,
  ) {
    super(
      `rendered output is not valid YAML: ${reason}${outputLine ? ` at line ${outputLine} of the rendered output` : ''}`,
      { file: template },
    );
  }
}

/**
 * Split a template's output into objects; empty documents are dropped. Like Argo CD (unstructured.IsList), any
 * object whose `items` is a list is a list: its items are the objects, each checked like a document.
 */
export function parseRendered(text: string, template: string): RenderedObject[] {
  let docs: unknown[];
  try {
    docs = readYaml(text, template, PROFILES.output);
  } catch (e) {
    // Not YAML at all: the engine turns the output line into the template line (template/run.ts).
    if (e instanceof YamlError && e.syntax)
      throw new RenderedYamlError(`${e.reason}${e.where?.path ? ` (at ${e.where.path})` : ''}`, e.at?.line, template);
    throw e;
  }
  const out: RenderedObject[] = [];
  docs.forEach((parsed, i) => {
    if (parsed === null || parsed === undefined) return;
    const doc = parsed;
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new UserError(
        `document ${i + 1} is ${Array.isArray(doc) ? 'a list' : 'a scalar'}, expected a Kubernetes object (a map)`,
        { file: template },
      );
    }
    const obj = doc as K8sObject;
    if (Array.isArray(obj.items)) {
      obj.items.forEach((item: unknown, j: number) => {
        if (!isPlainMap(item)) {
          throw new UserError(`document ${i + 1} is a list (it has items) whose item ${j + 1} is not an object`, {
            file: template,
            path: `.items[${j}]`,
          });
        }
        out.push({ object: item, template, doc: i });
      });
    } else out.push({ object: obj, template, doc: i });
  });
  return out;
}
