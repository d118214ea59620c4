#!/usr/bin/env node
// One version for everything strata publishes. package.json's "version" is the source; every other place
// that names it is derived, and this script is the one that knows them all:
//
//   node scripts/versions.mjs check [--tag vX.Y.Z]   every place agrees (and with the git tag, for releases)
//   node scripts/versions.mjs set X.Y.Z [--date YYYY-MM-DD]
//                                                    write X.Y.Z everywhere; CHANGELOG's Unreleased entries
//                                                    become the X.Y.Z section (scripts/set-version.mjs X.Y.Z)
//   node scripts/versions.mjs notes X.Y.Z            print CHANGELOG's X.Y.Z section (GitHub release notes)
//
// `strata --version` is package.json's version too: scripts/build.mjs bakes it into the bundle
// (test/version.test.ts and test/image/run.sh check the built CLI). The image tag and the chart's version
// and appVersion come from here in .github/workflows/release.yml.
//
// Pure functions over file texts first; the file system only in main(). Options: --root DIR (default: the
// repository this script is in), for tests.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// semver 2.0.0 (https://semver.org), without build metadata: OCI tags cannot hold '+'.
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** Every file that names the version, with how to read and rewrite each occurrence. */
const PLACES = [
  {
    file: 'package.json',
    what: 'package.json "version" (the source)',
    re: /^( {2}"version": ")([^"]*)(",?)$/m,
  },
  { file: 'package-lock.json', what: 'package-lock.json "version"', re: /^( {2}"version": ")([^"]*)(",?)$/m },
  {
    file: 'package-lock.json',
    what: 'package-lock.json packages[""].version',
    re: /^( {4}"": \{\n {6}"name": "[^"]*",\n {6}"version": ")([^"]*)(",?)$/m,
  },
  { file: 'helm/strata/Chart.yaml', what: 'Chart.yaml version', re: /^(version: )([^\s#]+)()$/m },
  { file: 'helm/strata/Chart.yaml', what: 'Chart.yaml appVersion', re: /^(appVersion: ")([^"]*)(")$/m },
  {
    file: 'helm/strata/argo-cd-values.yaml',
    what: 'argo-cd-values.yaml sidecar image tag',
    re: /^(\s+image: [^\s:]+\/strata:)(\S+)()$/m,
  },
  {
    // The ArgoCD resource snippet for argocd-operator installs (docs/install.md, "argocd-operator").
    file: 'helm/strata/argocd-operator.yaml',
    what: 'argocd-operator.yaml sidecar image tag',
    re: /^(\s+image: [^\s:]+\/strata:)(\S+)()$/m,
    optional: true,
  },
  {
    // The same snippet without a pinned UID, for OpenShift's restricted SCC (docs/install.md, "OpenShift").
    file: 'helm/strata/argocd-operator-openshift.yaml',
    what: 'argocd-operator-openshift.yaml sidecar image tag',
    re: /^(\s+image: [^\s:]+\/strata:)(\S+)()$/m,
    optional: true,
  },
];

/** Install commands and image references in the docs: `charts/strata --version X`, `.../strata:X`, `REGISTRY/strata:X`. */
const DOC_FILES = ['README.md', 'docs/install.md'];
const DOC_RES = [
  /(oci:\/\/ghcr\.io\/[^/\s]+\/charts\/strata\s+--version\s+)([^\s`]+)()/g,
  /((?:ghcr\.io\/[^/\s]+|REGISTRY)\/(?:charts\/)?strata:)(\d[^\s`@'"]*)()/g,
];

const lineOf = (text, index) => text.slice(0, index).split('\n').length;

/** texts: Map file -> text (missing files absent). Returns [{ file, line, what, version }]. */
export function findVersions(texts) {
  const found = [];
  for (const p of PLACES) {
    const text = texts.get(p.file);
    if (text === undefined) continue;
    const m = p.re.exec(text);
    found.push({ file: p.file, line: m ? lineOf(text, m.index) : 0, what: p.what, version: m ? m[2] : undefined });
  }
  for (const file of DOC_FILES) {
    const text = texts.get(file);
    if (text === undefined) continue;
    for (const re of DOC_RES) {
      for (const m of text.matchAll(re)) {
        found.push({ file, line: lineOf(text, m.index), what: `${m[1].replace(/\s+/g, ' ').trim()}`, version: m[2] });
      }
    }
  }
  return found;
}

/** The `## [X] - YYYY-MM-DD` section of a Keep a Changelog file, without its heading; undefined if absent. */
export function changelogSection(text, version) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`## [${version}]`));
  if (start < 0) return undefined;
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  // Link reference definitions ([0.1.0]: https://...) close the file; they are not part of a section.
  while (end > start + 1 && /^(\[[^\]]+\]: .*|\s*)$/.test(lines[end - 1])) end--;
  return lines
    .slice(start + 1, end)
    .join('\n')
    .trim();
}

/** Problems (one line each) when the places disagree with package.json, the changelog or the tag. */
export function versionProblems(texts, tag) {
  const problems = [];
  const found = findVersions(texts);
  const source = found.find((f) => f.file === 'package.json')?.version;
  if (!source) return ['package.json: no "version"'];
  if (!SEMVER.test(source)) problems.push(`package.json: version "${source}" is not semver X.Y.Z[-pre]`);
  for (const f of found) {
    if (f.version === undefined) problems.push(`${f.file}: ${f.what} not found`);
    else if (f.version !== source)
      problems.push(`${f.file}:${f.line}: ${f.what} is "${f.version}", package.json says "${source}"`);
  }
  for (const p of PLACES) if (!p.optional && !texts.has(p.file)) problems.push(`${p.file}: missing`);
  const changelog = texts.get('CHANGELOG.md');
  if (changelog === undefined) problems.push('CHANGELOG.md: missing');
  else {
    const heading = changelog.split('\n').find((l) => l.startsWith(`## [${source}]`));
    if (!heading) problems.push(`CHANGELOG.md: no "## [${source}] - YYYY-MM-DD" section`);
    else if (!/^## \[[^\]]+\] - \d{4}-\d{2}-\d{2}$/.test(heading))
      problems.push(`CHANGELOG.md: heading "${heading}" is not "## [${source}] - YYYY-MM-DD"`);
    else if (!changelogSection(changelog, source)) problems.push(`CHANGELOG.md: the ${source} section is empty`);
    if (!/^## \[Unreleased\]$/m.test(changelog)) problems.push('CHANGELOG.md: no "## [Unreleased]" section');
  }
  if (tag !== undefined && tag !== `v${source}`) problems.push(`git tag "${tag}" is not "v${source}" (package.json)`);
  return problems;
}

/** New texts with `version` everywhere; the changelog's Unreleased entries move under `## [version] - date`. */
export function setVersion(texts, version, date) {
  if (!SEMVER.test(version)) throw new Error(`"${version}" is not semver X.Y.Z[-pre] (no leading v, no +build)`);
  const out = new Map(texts);
  for (const p of PLACES) {
    const text = out.get(p.file);
    if (text === undefined) continue;
    if (!p.re.test(text)) throw new Error(`${p.file}: ${p.what} not found`);
    out.set(
      p.file,
      text.replace(p.re, (_m, a, _v, b) => `${a}${version}${b}`),
    );
  }
  for (const file of DOC_FILES) {
    const text = out.get(file);
    if (text !== undefined)
      out.set(
        file,
        DOC_RES.reduce((t, re) => t.replace(re, (_m, a, _v, b) => `${a}${version}${b}`), text),
      );
  }
  const changelog = out.get('CHANGELOG.md');
  if (changelog !== undefined && !changelog.split('\n').some((l) => l.startsWith(`## [${version}]`))) {
    if (!/^## \[Unreleased\]$/m.test(changelog)) throw new Error('CHANGELOG.md: no "## [Unreleased]" section');
    if (!changelogSection(changelog, 'Unreleased'))
      throw new Error('CHANGELOG.md: the Unreleased section is empty: say what changed first');
    let next = changelog.replace(/^## \[Unreleased\]$/m, `## [Unreleased]\n\n## [${version}] - ${date}`);
    // Keep a Changelog's compare links, when the file has them: Unreleased compares from the new tag.
    const unreleased = /^\[Unreleased\]: (\S+)\/compare\/(\S+)\.\.\.HEAD$/m.exec(next);
    if (unreleased) {
      next = next.replace(
        unreleased[0],
        `[Unreleased]: ${unreleased[1]}/compare/v${version}...HEAD\n[${version}]: ${unreleased[1]}/compare/${unreleased[2]}...v${version}`,
      );
    }
    out.set('CHANGELOG.md', next);
  }
  return out;
}

const FILES = [...new Set([...PLACES.map((p) => p.file), ...DOC_FILES, 'CHANGELOG.md'])];

function readTexts(root) {
  const texts = new Map();
  for (const f of FILES) if (existsSync(join(root, f))) texts.set(f, readFileSync(join(root, f), 'utf8'));
  return texts;
}

function main(argv) {
  const args = [...argv];
  const take = (flag) => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    args.splice(i, 2);
    return v;
  };
  const root = take('--root') ?? join(dirname(fileURLToPath(import.meta.url)), '..');
  const tag = take('--tag');
  const date = take('--date') ?? new Date().toISOString().slice(0, 10);
  const [cmd, version, ...extra] = args;
  if (extra.length) throw new Error(`unexpected arguments: ${extra.join(' ')}`);
  const texts = readTexts(root);
  if (cmd === 'check') {
    const problems = versionProblems(texts, tag);
    for (const p of problems) process.stderr.write(`versions: ${p}\n`);
    if (problems.length) return 1;
    const v = findVersions(texts)[0].version;
    process.stdout.write(`${v}\n`);
    return 0;
  }
  if (cmd === 'set' && version) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`--date "${date}" is not YYYY-MM-DD`);
    const next = setVersion(texts, version, date);
    for (const [f, text] of next) if (texts.get(f) !== text) writeFileSync(join(root, f), text);
    const problems = versionProblems(next);
    for (const p of problems) process.stderr.write(`versions: ${p}\n`);
    return problems.length ? 1 : 0;
  }
  if (cmd === 'notes' && version) {
    const section = texts.has('CHANGELOG.md') ? changelogSection(texts.get('CHANGELOG.md'), version) : undefined;
    if (!section) {
      process.stderr.write(`versions: CHANGELOG.md has no ${version} section\n`);
      return 1;
    }
    process.stdout.write(`${section}\n`);
    return 0;
  }
  process.stderr.write(
    'usage: versions.mjs check [--tag vX.Y.Z] | set X.Y.Z [--date YYYY-MM-DD] | notes X.Y.Z  [--root DIR]\n',
  );
  return 2;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`versions: ${e instanceof Error ? e.message : e}\n`);
    process.exitCode = 1;
  }
}
