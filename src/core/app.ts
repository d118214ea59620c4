import { loadAppConfig, resolveEnvironment, type AppConfig } from './config.js';
import { UserError } from './errors.js';
import { basename, dirname, joinPath, resolvePath, type ReadOnlyFs } from './fs.js';
import type { ParseCache } from './parse-cache.js';
import { editDistance } from './template/suggest.js';

// An app loaded once: strata.yaml parsed and checked, and what follows from it and the tree alone (the
// environment to render, the layer files of an environment, the templates folder). Entry points load an App
// and pass it on (render, generate's revision lookup, diff --all's input lists, lint, the server), so one
// path reads strata.yaml once, resolves an environment's layers once, and chooses the environment through
// one resolver. An App is a snapshot of one load: a long-running process loads again to see an edit.

/**
 * Where the app tells about what it skipped: a missing optional layer at debug level always, and as a warning
 * when a file with a near name sits beside it (`values-production.yaml` for `values-prod.yaml`): the entry
 * point's logger, never process.env.
 */
export interface AppLog {
  debug(message: string): void;
  warn(message: string): void;
}

export interface App {
  /** The file system the app was read from; its layers and templates are read through it too. */
  readonly fs: ReadOnlyFs;
  readonly config: AppConfig;
  /**
   * The environment to render: `name`, else spec.defaultEnvironment, checked against the app's environments
   * (core/config.ts resolveEnvironment, the one resolver). `howToGive` says how the entry point takes one.
   */
  environment(name?: string, howToGive?: string): string;
  /** The layer files of `env`: repo-relative, in merge order, `{env}` substituted, missing optional ones dropped. */
  layerFiles(env: string): readonly string[];
  /** The templates folder, repo-relative; a UserError at `.spec.templates` when it leaves the repository. */
  templatesDir(): string;
  /**
   * What a render of `env` reads besides overrides and the files templates read with `file`: strata.yaml,
   * the layer files, the templates folder (for the revision annotation's git lookup).
   */
  inputs(env: string): string[];
}

/** Load the app in `appDir` (repo-relative): strata.yaml through `cache` when given. */
export function loadApp(fs: ReadOnlyFs, appDir: string, cache?: ParseCache, log?: AppLog): App {
  return appOnFs(fs, loadAppConfig(fs, appDir, cache), log);
}

/**
 * The app of an already loaded strata.yaml, read through `fs`: for a tree whose strata.yaml has the same
 * content as the one `config` came from (diff --all's revision side of an unchanged strata.yaml).
 */
export function appOnFs(fs: ReadOnlyFs, config: AppConfig, log?: AppLog): App {
  const layers = new Map<string, readonly string[]>();
  let templates: string | undefined;
  const layerFiles = (env: string): readonly string[] => {
    let files = layers.get(env);
    if (!files) layers.set(env, (files = resolveLayerFiles(fs, config, env, log)));
    return files;
  };
  const templatesDir = (): string => {
    if (templates !== undefined) return templates;
    try {
      return (templates = resolvePath(config.dir, config.templates, config.file));
    } catch (e) {
      throw new UserError(
        (e as Error).message,
        { file: config.file, path: '.spec.templates', ...config.positions.get('.spec.templates') },
        { cause: e },
      );
    }
  };
  return {
    fs,
    config,
    environment: (name, howToGive) => resolveEnvironment(config, name, howToGive),
    layerFiles,
    templatesDir,
    inputs: (env) => [config.file, ...layerFiles(env), templatesDir()],
  };
}

/** The app's layer files for an environment, repo-relative, with `{env}` substituted; missing optional ones dropped. */
function resolveLayerFiles(fs: ReadOnlyFs, config: AppConfig, env: string, log?: AppLog): string[] {
  const files: string[] = [];
  config.layers.forEach((layer, i) => {
    const rel = layer.path.replaceAll('{env}', env);
    let path: string;
    try {
      path = resolvePath(config.dir, rel, config.file);
    } catch (e) {
      throw new UserError((e as Error).message, {
        file: config.file,
        path: `.spec.layers[${i}]`,
        ...config.positions.get(`.spec.layers[${i}]`),
      });
    }
    const kind = fs.stat(path);
    if (kind === 'file') files.push(path);
    else if (kind === 'dir')
      throw new UserError(`layer "${rel}" is a directory, expected a values file`, {
        file: config.file,
        path: `.spec.layers[${i}]`,
      });
    else if (!layer.optional) {
      throw new UserError(`layer "${rel}" (${path}) does not exist; mark it \`optional: true\` if it may be absent`, {
        file: config.file,
        path: `.spec.layers[${i}]`,
        ...config.positions.get(`.spec.layers[${i}]`),
      });
    } else if (log) {
      const at = `${config.file} .spec.layers[${i}]`;
      log.debug(`optional layer ${path} is absent for environment "${env}", skipped (${at})`);
      const near = nearSibling(fs, path, layer.path, env, config.environments);
      if (near)
        log.warn(
          `optional layer ${path} does not exist, but ${near} does: a misspelt name? (${at}; environment "${env}")`,
        );
    }
  });
  return files;
}

// A directory may be large (a shared folder of every team's files): look at this many names at most.
const MAX_SIBLINGS = 2000;

/**
 * A file beside a missing optional layer whose name is near it, or null. With `{env}` in the layer's path,
 * a sibling matching the same pattern for a value that is no environment of the app and is near `env`
 * (`production` for `prod`: one starts with the other, or two edits apart); otherwise a name two edits away
 * or with the other YAML extension (`values-prod.yml` for `values-prod.yaml`).
 */
function nearSibling(
  fs: ReadOnlyFs,
  path: string,
  pattern: string,
  env: string,
  envs: readonly string[],
): string | null {
  const dir = dirname(path);
  if (fs.stat(dir) !== 'dir') return null;
  const want = basename(path);
  const tmpl = basename(pattern);
  const withEnv = tmpl.includes('{env}') && !dirname(pattern).includes('{env}');
  const re = withEnv ? new RegExp('^' + tmpl.split('{env}').map(escapeRe).join('(.+)') + '$') : undefined;
  const stem = (n: string): string => n.replace(/\.ya?ml$/, '');
  let seen = 0;
  for (const name of fs.readDir(dir)) {
    if (++seen > MAX_SIBLINGS) break;
    if (name === want) continue;
    if (stem(name) === stem(want) && /\.ya?ml$/.test(name) && /\.ya?ml$/.test(want)) return joinPath(dir, name);
    if (re) {
      const m = re.exec(name);
      const other = m?.slice(1).find((x) => x !== env);
      if (other !== undefined && !envs.includes(other) && near(other.toLowerCase(), env.toLowerCase()))
        return joinPath(dir, name);
    } else if (editDistance(name.toLowerCase(), want.toLowerCase(), 2) <= 2) return joinPath(dir, name);
  }
  return null;
}

function near(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a) || editDistance(a, b, 2) <= 2;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
