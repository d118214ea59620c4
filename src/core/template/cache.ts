import type { ReadOnlyFs } from '../fs.js';
import { decodeUtf8 } from '../yaml-load.js';
import { listTemplateFiles } from './files.js';
import { TemplateSet } from './set.js';
import type { Budget } from './budget.js';
import type { CompiledStore } from './types.js';

/** Compiled template sets by folder, rebuilt when any file's content changes. */
export class TemplateCache {
  private readonly sets = new Map<string, { key: string; set: TemplateSet }>();

  /** `immutable`: files do not change during this process (a CLI run), so a hit by folder skips reading. */
  constructor(
    private readonly immutable = false,
    private readonly store?: CompiledStore,
  ) {}

  /** `budget`: the render's, when it asked; compiling counts against its renderMs. */
  load(fs: ReadOnlyFs, dir: string, budget?: Budget): TemplateSet {
    if (this.immutable) {
      const hit = this.sets.get(dir);
      if (hit) return hit.set;
    }
    const files = listTemplateFiles(fs, dir);
    const sources = new Map<string, string>();
    for (const f of files) sources.set(f.path, decodeUtf8(fs.readFile(f.path), f.path));
    const key = files.map((f) => `${f.path}\u0000${sources.get(f.path)}`).join('\u0001');
    const hit = this.sets.get(dir);
    if (hit && hit.key === key) return hit.set;
    const set = new TemplateSet(files, sources, this.store, budget ? { budget } : {});
    this.sets.set(dir, { key, set });
    return set;
  }
}
