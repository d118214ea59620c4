import type { App } from '../core/app.js';
import { rethrowUnlessUser } from '../core/errors.js';
import { joinPath } from '../core/fs.js';
import { findPolicyFile } from '../policy/config.js';
import { answerNow, isErrorAnswer, type Read } from '../io/recording-fs.js';
import type { DigestFs } from './rev-fs.js';
import { isTemplateSource, mayReadFiles } from './template-reads.js';

// What a render of one app x environment reads, so `diff --all` can call a pair unchanged without rendering
// it: the same inputs the revision annotation names (argocd/generate.ts: strata.yaml, the layer files for
// the environment, the templates folder) plus the policy file, each as a content id. Computed separately on
// each side by the same function, so equal lists mean equal inputs (an optional layer that appears, a
// template added to the folder, a policy file nearer the app: all change the list).
//
// Templates can read more at render time (the `file` helper, `tpl` rendering a string that calls it).
// Those reads are not knowable without rendering, so a template folder that calls either is "dynamic"
// (template-reads.ts):
// its pairs are rendered on the working-tree side through a RecordingFs, and the recorded reads are
// replayed against the revision (content ids only, nothing read there) before the revision side is skipped.

export class InputIndex {
  private readonly templates = new Map<string, { entries: string[]; dynamic: boolean }>();
  /** `scan`: look for dynamic reads in the template text (one side is enough: the check only matters when both sides' templates are equal). */
  constructor(
    private readonly fs: DigestFs,
    private readonly scan: boolean,
  ) {}

  /** `strata.yaml`'s content id (undefined: no app there on this side). */
  config(appDir: string): string | undefined {
    return this.fs.digest(joinPath(appDir, 'strata.yaml'));
  }

  /** The static inputs of `app` (loaded from this side) for `env`, as comparable lines. */
  pair(app: App, env: string): { entries: string[]; dynamic: boolean } {
    const entries: string[] = [];
    try {
      for (const f of app.layerFiles(env)) entries.push(`layer ${f} ${this.fs.digest(f)}`);
    } catch (e) {
      entries.push(`layers error ${(e as Error).message}`);
    }
    let dir: string | undefined;
    try {
      dir = app.templatesDir();
    } catch (e) {
      entries.push(`templates error ${(e as Error).message}`);
    }
    let dynamic = false;
    if (dir !== undefined) {
      const t = this.templateFolder(dir);
      entries.push(...t.entries);
      dynamic = t.dynamic;
    }
    const policy = findPolicyFile(this.fs, app.config.dir);
    entries.push(policy === undefined ? 'policy none' : `policy ${policy} ${this.fs.digest(policy)}`);
    return { entries, dynamic };
  }

  /** Every entry below a templates folder (shared by many apps: walked once per side). */
  private templateFolder(dir: string): { entries: string[]; dynamic: boolean } {
    const hit = this.templates.get(dir);
    if (hit) return hit;
    const entries: string[] = [];
    let dynamic = false;
    const walk = (d: string): void => {
      for (const name of this.fs.readDir(d)) {
        const p = joinPath(d, name);
        const kind = this.fs.stat(p);
        if (kind === 'dir') walk(p);
        else {
          entries.push(`template ${p} ${kind === 'file' ? this.fs.digest(p) : 'none'}`);
          if (
            kind === 'file' &&
            this.scan &&
            !dynamic &&
            isTemplateSource(p) &&
            mayReadFiles(new TextDecoder().decode(this.fs.readFile(p)))
          )
            dynamic = true;
        }
      }
    };
    try {
      if (this.fs.stat(dir) === 'dir') walk(dir);
      else entries.push(`templates ${dir} none`);
    } catch (e) {
      rethrowUnlessUser(e);
      entries.push(`templates ${dir} error ${e.message}`);
    }
    const out = { entries, dynamic };
    this.templates.set(dir, out);
    return out;
  }
}

export function sameEntries(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Whether every recorded read gets the same answer from `other` (files compared by content id, not read). A
 * failed read matches any failed read: the two sides' messages may name different causes for the same absence.
 */
export function replays(reads: readonly Read[], other: DigestFs): boolean {
  return reads.every((r) => {
    const now = answerNow(r, other, (path) => other.digest(path));
    return now === r.answer || (isErrorAnswer(now) && isErrorAnswer(r.answer));
  });
}
