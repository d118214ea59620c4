import { posix } from 'node:path';

// The folder the repo-server tars for a plugin when `reposerver.plugin.use.manifest.generate.paths` is on:
// argo-cd reposerver/repository/utils.go getApplicationRootPath + getPaths (3.6, 37ee009), reproduced rule for
// rule, quirks included, so that a local emulation fails exactly where Argo CD would. Pure: the only I/O, reading
// a symlink of the checkout, is injected. Every path here is repository-relative POSIX, "" for the root.

/** The raw target of the symlink at a repo-relative path, or undefined when it is not a symlink (or absent). */
export type Readlink = (repoRel: string) => string | undefined;

const noLinks: Readlink = () => undefined;

/** The annotation whose paths narrow the tree (and name what a change must touch to refresh the app). */
export const MANIFEST_GENERATE_PATHS = 'argocd.argoproj.io/manifest-generate-paths';

// cyphar/filepath-securejoin's bound on links followed in one join (ELOOP past it).
const MAX_LINKS = 255;

function split(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

/**
 * securejoin.SecureJoin(repoRoot, unsafe) as a repo-relative path: `..` can never climb above the root, and
 * symlinks met on the way are expanded inside the root (an absolute target starts again from the root; a
 * relative one from the link's folder). Components that do not exist are kept as they are (a glob stays a
 * literal name). undefined on a symlink loop, which upstream logs and skips.
 */
export function secureJoin(unsafe: string, readlink: Readlink = noLinks): string | undefined {
  let current: string[] = [];
  let remaining = unsafe.split('/');
  let links = 0;
  while (remaining.length) {
    const part = remaining.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      current.pop(); // lexical, and clamped: current never holds a link, so this is exact
      continue;
    }
    const next = [...current, part];
    const target = readlink(next.join('/'));
    if (target === undefined) {
      current = next;
      continue;
    }
    if (++links > MAX_LINKS) return undefined;
    if (target.startsWith('/')) current = [];
    remaining = [...target.split('/'), ...remaining];
  }
  return current.join('/');
}

/**
 * getPaths: the annotation split on `;` with empty entries skipped and nothing trimmed (`". ; /x"` gives
 * `". "` and `" /x"`, the second one relative), an absolute entry cleaned from the root, a relative one cleaned
 * lexically after joining it to the app path, then each securejoined into the repository.
 */
export function annotationPaths(
  annotation: string | undefined,
  appPath: string,
  readlink: Readlink = noLinks,
): string[] {
  const out: string[] = [];
  for (const entry of (annotation ?? '').split(';')) {
    if (entry === '') continue;
    const unsafe = entry.startsWith('/') ? posix.normalize(entry) : posix.normalize(posix.join(appPath || '.', entry));
    const joined = secureJoin(unsafe, readlink);
    if (joined !== undefined) out.push(joined);
  }
  return out;
}

/**
 * getApplicationRootPath: with no usable entry, the whole repository. Otherwise start from the app path (never
 * resolved) and, entry by entry in annotation order, cut it where the entry branches off (which sets
 * `disjoint` for good) or, only while nothing has branched off yet, to an entry that is a strict ancestor. So
 * an ancestor listed after a branching entry no longer widens the root: `.;../../templates/service;/examples/plate`
 * sends `examples/plate/helm` for `examples/plate/helm/applications/plate-api`.
 */
export function applicationRootPath(
  annotation: string | undefined,
  appPath: string,
  readlink: Readlink = noLinks,
): string {
  const paths = annotationPaths(annotation, appPath, readlink);
  if (paths.length === 0) return '';
  let common = split(posix.normalize(appPath || '.'));
  let disjoint = false;
  for (const p of paths) {
    const parts = split(p);
    const min = Math.min(common.length, parts.length);
    for (let i = 0; i < min; i++) {
      if (common[i] !== parts[i]) {
        common = common.slice(0, i);
        disjoint = true;
        break;
      }
    }
    if (!disjoint && min < common.length) common = common.slice(0, min);
  }
  return common.join('/');
}

/** A Go filepath.Match pattern as a RegExp over a whole path: `*` and `?` never cross `/`, classes as written. */
export function goPattern(pattern: string): RegExp | undefined {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (++i >= pattern.length) return undefined; // ErrBadPattern
      re += pattern[i].replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^/' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  try {
    return new RegExp(re + '$');
  } catch {
    return undefined;
  }
}

/**
 * The refresh paths of an Application (util/app/path/path.go GetAppRefreshPaths): here each entry IS trimmed,
 * an absolute one taken from the root, a relative one cleaned after joining it to the source path.
 */
export function refreshPaths(annotation: string | undefined, appPath: string): string[] {
  const out: string[] = [];
  for (const raw of (annotation ?? '').split(';')) {
    const item = raw.trim();
    if (item === '') continue;
    out.push(item.startsWith('/') ? item.slice(1) : posix.normalize(posix.join(appPath || '.', item)));
  }
  return out;
}

/**
 * Whether a change to `file` refreshes the app (AppFilesHaveChanged, path.go:159-188): the file is a refresh
 * path, lies under one, or matches one as a filepath.Match pattern. Open PR 29362 would also send exactly these.
 */
export function coveredBy(file: string, refresh: readonly string[]): boolean {
  const f = '/' + posix.normalize(file);
  return refresh.some((item) => {
    const abs = posix.normalize('/' + item);
    if (f === abs || abs === '/' || f.startsWith(abs + '/')) return true;
    return goPattern('/' + item.replace(/^\/+/, ''))?.test(f) ?? false;
  });
}
