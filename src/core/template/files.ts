import { UserError } from '../errors.js';
import { joinPath, type ReadOnlyFs } from '../fs.js';
import type { TemplateFile } from './types.js';
import { compareStrings } from '../compare.js';

// Which files of a template folder are templates (`*.yaml.hbs`), partials (`_*.hbs`, `_*.tpl`) and static
// manifests (`*.yaml`, `*.yml`); anything else is ignored.

export const EXT_TEMPLATE = '.yaml.hbs';

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
      else if (name.endsWith('.yaml') || name.endsWith('.yml')) out.push({ path: p, kind: 'static', name });
    }
  };
  walk(dir);
  return out.sort((a, b) => compareStrings(a.path, b.path));
}
