#!/usr/bin/env node
// Checks every GitHub Actions workflow in .github/workflows (or the directories/files given):
//
//  1. schema: @action-validator/cli (what `npx action-validator FILE` runs), one process per file;
//  2. pinning: every `uses:` of another repository's action names a full 40-hex commit SHA followed by a
//     `# vX.Y.Z` comment saying which tag that commit is (local `./` actions and reusable workflows of this
//     repository are exempt; `docker://` images need an @sha256 digest);
//  3. permissions: the workflow's top level grants nothing that writes (`permissions: {}` or read-only) and
//     every job states its own `permissions:`;
//  4. no `pull_request_target` (it runs with secrets and a write token in the context of the base repository)
//     and no `${{ github.event.* }}` / `github.head_ref` expanded inside a `run:` script (shell injection from
//     titles and branch names: pass them through `env:`).
//
// Prints `file:line: problem` lines on stderr and exits 1 when anything is wrong; else one summary line on
// stdout. Usage: node scripts/check-workflows.mjs [DIR|FILE]...   (.ci/run calls it with no arguments)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const YAML = require('yaml');

const SHA = /^[0-9a-f]{40}$/;
const TAG_COMMENT = /^#\s*v?\d+(\.\d+)*\S*/;
const USES = /^\s*(?:-\s+)?uses:\s*(['"]?)([^'"\s#]+)\1\s*(#.*)?$/;

/** Pinning, permissions and trigger rules for one workflow's text. Pure: returns [{ line, message }]. */
export function lintWorkflow(text) {
  const findings = [];
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    const m = USES.exec(l);
    if (!m) return;
    const [, , ref, comment] = m;
    const line = i + 1;
    if (ref.startsWith('./')) return;
    if (ref.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(ref))
        findings.push({ line, message: `${ref}: pin the image by digest (@sha256:...)` });
      return;
    }
    const at = ref.lastIndexOf('@');
    const name = at < 0 ? ref : ref.slice(0, at);
    const version = at < 0 ? '' : ref.slice(at + 1);
    if (!SHA.test(version)) {
      findings.push({
        line,
        message: `${name}@${version || '(none)'}: pin third-party actions by full commit SHA, e.g. ${name}@<40 hex> # vX.Y.Z`,
      });
    } else if (!comment || !TAG_COMMENT.test(comment)) {
      findings.push({
        line,
        message: `${name}@${version.slice(0, 12)}...: add a "# vX.Y.Z" comment naming the tag this commit is`,
      });
    }
  });

  let doc;
  try {
    doc = YAML.parseDocument(text, { prettyErrors: false });
  } catch (e) {
    return [...findings, { line: 1, message: `not YAML: ${e instanceof Error ? e.message : e}` }];
  }
  if (doc.errors.length)
    return [
      ...findings,
      {
        line: lineOfPos(text, doc.errors[0].pos?.[0] ?? 0),
        message: `not YAML: ${doc.errors[0].message.split('\n')[0]}`,
      },
    ];
  const root = doc.contents;
  if (!YAML.isMap(root)) return [...findings, { line: 1, message: 'not a mapping' }];
  const lineOf = (node) => lineOfPos(text, node?.range?.[0] ?? 0);

  const entry = (key) => root.items.find((p) => String(p.key?.value ?? p.key) === key);
  const perms = entry('permissions');
  if (perms === undefined)
    findings.push({
      line: 1,
      message: 'no top-level `permissions:`: set `permissions: {}` and grant each job what it needs',
    });
  else if (grantsWrite(perms.value))
    findings.push({
      line: lineOf(perms.key),
      message: 'top-level `permissions:` grants write access: grant it in the job that needs it',
    });

  const on = entry('on')?.value;
  const triggers = YAML.isMap(on)
    ? on.items.map((p) => String(p.key?.value ?? p.key))
    : YAML.isSeq(on)
      ? on.items.map((n) => String(n.value))
      : YAML.isScalar(on)
        ? [String(on.value)]
        : [];
  if (triggers.includes('pull_request_target'))
    findings.push({
      line: lineOf(entry('on').key),
      message: '`pull_request_target` runs with secrets on the base repository: use `pull_request`',
    });

  const jobs = root.get('jobs', true);
  if (YAML.isMap(jobs)) {
    for (const pair of jobs.items) {
      const job = pair.value;
      const id = String(pair.key?.value ?? pair.key);
      if (!YAML.isMap(job)) continue;
      if (!job.has('permissions'))
        findings.push({
          line: lineOf(pair.key),
          message: `job "${id}" has no \`permissions:\` of its own (least privilege per job)`,
        });
      const steps = job.get('steps', true);
      if (!YAML.isSeq(steps)) continue;
      for (const step of steps.items) {
        const run = YAML.isMap(step) ? step.get('run', true) : undefined;
        if (run && YAML.isScalar(run) && /\$\{\{[^}]*\b(github\.event\.|github\.head_ref)/.test(String(run.value))) {
          findings.push({
            line: lineOf(run),
            message: `job "${id}": a \`run:\` script expands github.event/head_ref directly: pass it through \`env:\``,
          });
        }
      }
    }
  } else {
    findings.push({ line: 1, message: 'no `jobs:`' });
  }
  return findings.sort((a, b) => a.line - b.line);
}

function lineOfPos(text, pos) {
  return text.slice(0, pos).split('\n').length;
}

/** `write-all`, or a map with any `write` value. */
function grantsWrite(node) {
  if (YAML.isScalar(node)) return String(node.value) === 'write-all';
  if (YAML.isMap(node)) return node.items.some((p) => String(p.value?.value ?? p.value) === 'write');
  return false;
}

function workflowFiles(paths) {
  const files = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`${p}: not found`);
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (/\.ya?ml$/.test(f)) files.push(join(p, f));
    } else files.push(p);
  }
  return files;
}

/** The schema check, as `npx action-validator FILE` does it (the installed CLI, no network). */
function schemaProblems(file) {
  const cli = require.resolve('@action-validator/cli/cli.mjs');
  const r = spawnSync(process.execPath, [cli, file], {
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  if (r.status === 0) return [];
  let details = [];
  try {
    const out = JSON.parse(r.stderr.slice(r.stderr.indexOf('{')));
    const walk = (errs) => {
      for (const e of errs ?? []) {
        if (e.states) for (const s of e.states) walk(s.errors);
        else details.push(`${e.path ?? ''}: ${e.detail ?? e.title ?? e.code}`);
      }
    };
    walk(out.errors);
  } catch {
    details = [(r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n')[0]];
  }
  return [`schema (action-validator): ${[...new Set(details)].slice(0, 6).join('; ')}`];
}

function main(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  const repo = join(here, '..');
  const files = workflowFiles(argv.length ? argv : [join(repo, '.github/workflows')]);
  if (!files.length) throw new Error('no workflow files found');
  let bad = 0;
  for (const file of files) {
    const name = relative(process.cwd(), file) || file;
    const problems = [
      ...schemaProblems(file).map((m) => `${name}: ${m}`),
      ...lintWorkflow(readFileSync(file, 'utf8')).map((f) => `${name}:${f.line}: ${f.message}`),
    ];
    for (const p of problems) process.stderr.write(`${p}\n`);
    if (problems.length) bad++;
  }
  if (bad) {
    process.stderr.write(`check-workflows: ${bad} of ${files.length} workflow file(s) failed\n`);
    return 1;
  }
  process.stdout.write(
    `check-workflows: ${files.length} workflow file(s) valid, actions pinned by SHA, permissions per job\n`,
  );
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`check-workflows: ${e instanceof Error ? e.message : e}\n`);
    process.exitCode = 1;
  }
}
