import { UserError } from '../errors.js';
import { joinPath, type ReadOnlyFs } from '../fs.js';
import type { TemplateFile } from './types.js';
import { compareStrings } from '../compare.js';

// Which files of a template folder are templates (`*.yaml.hbs`), partials (`_*.hbs`, `_*.tpl`) and static
// manifests (`*.yaml`, `*.yml`); anything else is ignored.

export const EXT_TEMPLATE = '.yaml.hbs';

/** The first line that keeps a static manifest with `{{` as it is (docs/templates.md). */
export const STATIC_MARKER = '# strata: static';

/** List the files of a template folder (recursively, sorted). */
export function listTemplateFiles(fs: ReadOnlyFs, dir: string): TemplateFile[] {
  if (fs.stat(dir) !== 'dir') throw new UserError('templates folder does not exist', { file: dir });
  const out: TemplateFile[] = [];
  const walk = (d: string): void => {
    for (const name of fs.readDir(d)) {
      const p = joinPath(d, name);
      if (fs.stat(p) === 'dir') walk(p);
      else if (name.startsWith('_') && (name.endsWith('.hbs') || name.endsWith('.tpl'))) {
        out.push({ path: p, kind: 'partial', name: name.slice(1).replace(/\.(yaml\.hbs|hbs|tpl)$/, '') });
      } else if (name.endsWith(EXT_TEMPLATE)) out.push({ path: p, kind: 'template', name });
      else if (name.endsWith('.yaml') || name.endsWith('.yml')) {
        checkStaticManifest(p, fs.readFile(p));
        out.push({ path: p, kind: 'static', name });
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => compareStrings(a.path, b.path));
}

const OPEN = 0x7b; // `{`

/**
 * A static manifest is printed as it is, so `{{ .Values.replicas }}` in one (a Helm template copied without
 * renaming) would not be rendered: YAML reads `{{...}}` as a map inside a map, and `replicas` would be that map
 * or an error far from the cause. `{{` in a static file is an error naming its line, unless the first line is
 * STATIC_MARKER (a ConfigMap carrying an alerting template or a dashboard, say). Checked on the bytes, before
 * decoding (which reports bad UTF-8 with its own message); one pass over the file.
 */
export function checkStaticManifest(path: string, bytes: Uint8Array): void {
  let line = 1;
  let at = -1;
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0x0a) line++;
    else if (bytes[i] === OPEN && bytes[i + 1] === OPEN) {
      at = i;
      break;
    }
  }
  if (at < 0) return;
  const marker = new TextEncoder().encode(STATIC_MARKER);
  const first = bytes.subarray(0, marker.length + 2);
  const text = new TextDecoder()
    .decode(first)
    .replace(/\r?\n[\s\S]*$/, '')
    .trimEnd();
  if (text === STATIC_MARKER) return;
  const name = path.slice(path.lastIndexOf('/') + 1);
  throw new UserError(
    `"{{" in a static manifest (${name}) is not rendered: rename it to ${name.replace(/\.ya?ml$/, '')}${EXT_TEMPLATE} to render it as a template, or make its first line \`${STATIC_MARKER}\` to keep it as it is`,
    { file: path, line },
  );
}
