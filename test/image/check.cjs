#!/usr/bin/env node
// Helper for test/image/run.sh: parses and validates what the image produced,
// the way Argo CD reads it. Runs on the host's Node.js (not inside the image).
//
//   node check.cjs plugin FILE        validate plugin.yaml, print bash assignments
//   node check.cjs manifests FILE     validate a `generate` stdout as Argo CD reads it
//   node check.cjs params FILE        validate a `parameters` stdout (only a JSON array)
//   node check.cjs stacktrace FILE    fail if FILE (a stderr capture) holds a JS stack trace
//   node check.cjs nodewarnings FILE  fail if FILE (a stderr capture) holds a Node.js process warning
//   node check.cjs sidecar FILE       print the sidecar's command in argo-cd-values.yaml, one word a line
//   node check.cjs reaper FILE WANT   read the report of test/e2e/reaper-cmp-standin.cjs: generate exited 0
//                                     and started a warm renderer that exited; WANT zombies|none of them
//
// The `yaml` package is resolved from the repo's node_modules, or from the
// directory in STRATA_IMAGE_TEST_TOOLS (run.sh installs it there when missing).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function loadYaml() {
  const paths = [path.resolve(__dirname, '..', '..')];
  if (process.env.STRATA_IMAGE_TEST_TOOLS) paths.push(process.env.STRATA_IMAGE_TEST_TOOLS);
  return require(require.resolve('yaml', { paths }));
}

function fail(msg) {
  process.stderr.write(`${msg}\n`);
  process.exitCode = 1;
}

function shq(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

function argvOf(cmd) {
  if (!cmd || !Array.isArray(cmd.command) || cmd.command.length === 0) return null;
  return [...cmd.command, ...(Array.isArray(cmd.args) ? cmd.args : [])].map(String);
}

function plugin(file) {
  const YAML = loadYaml();
  const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  const problems = [];
  if (!doc || typeof doc !== 'object') problems.push('not a YAML mapping');
  const spec = (doc && doc.spec) || {};
  if (doc && doc.kind !== 'ConfigManagementPlugin')
    problems.push(`kind is ${JSON.stringify(doc.kind)}, want ConfigManagementPlugin`);
  const name = doc && doc.metadata && doc.metadata.name;
  if (!name) problems.push('metadata.name missing');
  const gen = argvOf(spec.generate);
  if (!gen) problems.push('spec.generate.command missing');
  const dyn = spec.parameters && spec.parameters.dynamic ? argvOf(spec.parameters.dynamic) : null;
  const disc = spec.discover || {};
  // Argo CD evaluates only the first of fileName, find.glob, find.command.
  let discoverKind = '';
  let discoverValue = '';
  if (disc.fileName) {
    discoverKind = 'fileName';
    discoverValue = String(disc.fileName);
  } else if (disc.find && disc.find.glob) {
    discoverKind = 'glob';
    discoverValue = String(disc.find.glob);
  } else if (disc.find && argvOf(disc.find)) {
    discoverKind = 'command';
  }
  if (problems.length) {
    fail(`plugin.yaml: ${problems.join('; ')}`);
    return;
  }
  const out = [
    `PLUGIN_NAME=${shq(name)}`,
    `PLUGIN_VERSION=${shq(spec.version || '')}`,
    `PLUGIN_DISCOVER_KIND=${shq(discoverKind)}`,
    `PLUGIN_DISCOVER=${shq(discoverValue)}`,
    `PLUGIN_GENERATE=(${gen.map(shq).join(' ')})`,
    `PLUGIN_PARAMS=(${(dyn || []).map(shq).join(' ')})`,
  ];
  process.stdout.write(out.join('\n') + '\n');
}

// Mirrors reposerver's manifest reading: one trailing newline trimmed; JSON
// objects when the first non-space char is '{', else YAML documents; empty and
// null documents skipped; every document a mapping with kind; List flattened.
function manifests(file) {
  const YAML = loadYaml();
  let text = fs.readFileSync(file, 'utf8');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  const objs = [];
  if (/^\s*\{/.test(text)) {
    // concatenated JSON objects
    let rest = text.trim();
    while (rest.length) {
      let depth = 0,
        inStr = false,
        esc = false,
        end = -1;
      for (let i = 0; i < rest.length; i++) {
        const c = rest[i];
        if (inStr) {
          if (esc) esc = false;
          else if (c === '\\') esc = true;
          else if (c === '"') inStr = false;
          continue;
        }
        if (c === '"') inStr = true;
        else if (c === '{') depth++;
        else if (c === '}') {
          depth--;
          if (depth === 0) {
            end = i + 1;
            break;
          }
        }
      }
      if (end < 0) return fail('stdout: unterminated JSON object');
      objs.push(JSON.parse(rest.slice(0, end)));
      rest = rest.slice(end).trim();
    }
  } else {
    const docs = YAML.parseAllDocuments(text);
    for (const d of docs) {
      if (d.errors && d.errors.length) return fail(`stdout: YAML error: ${d.errors[0].message}`);
      const v = d.toJS();
      if (v === null || v === undefined) continue;
      objs.push(v);
    }
  }
  const flat = [];
  for (const o of objs) {
    if (o && typeof o === 'object' && !Array.isArray(o) && Array.isArray(o.items)) flat.push(...o.items);
    else flat.push(o);
  }
  if (flat.length === 0) return fail('stdout: zero manifests (Argo CD would prune everything the app owns)');
  const bad = [];
  flat.forEach((o, i) => {
    if (!o || typeof o !== 'object' || Array.isArray(o)) {
      bad.push(`#${i}: not a mapping (${JSON.stringify(o).slice(0, 80)})`);
      return;
    }
    if (!o.kind) bad.push(`#${i}: Object 'Kind' is missing`);
    if (!o.apiVersion) bad.push(`#${i}: apiVersion missing`);
    if (!o.metadata || !o.metadata.name) bad.push(`#${i} (${o.kind}): metadata.name missing`);
  });
  if (bad.length) return fail(`stdout: ${bad.slice(0, 5).join('; ')}`);
  const want = process.env.EXPECT_KIND || 'Deployment';
  const wantName = process.env.EXPECT_NAME || 'plate-api';
  if (!flat.some((o) => o.kind === want && o.metadata.name === wantName)) {
    return fail(
      `stdout: no ${want} named ${wantName} among ${flat.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  }
  process.stdout.write(`${flat.length} objects: ${flat.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}\n`);
}

function params(file) {
  const text = fs.readFileSync(file, 'utf8');
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return fail(`stdout is not only JSON (${e.message}); first 200 chars: ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (!Array.isArray(v)) return fail(`stdout JSON is ${v === null ? 'null' : typeof v}, want an array`);
  const bad = [];
  const seen = new Set();
  v.forEach((p, i) => {
    if (!p || typeof p !== 'object' || typeof p.name !== 'string' || !p.name) {
      bad.push(`#${i}: no name`);
      return;
    }
    if (seen.has(p.name)) bad.push(`duplicate name ${p.name}`);
    seen.add(p.name);
    if (p.collectionType !== undefined && !['', 'string', 'array', 'map'].includes(p.collectionType))
      bad.push(`${p.name}: collectionType ${p.collectionType}`);
    if (p.map !== undefined && (typeof p.map !== 'object' || Object.values(p.map).some((x) => typeof x !== 'string')))
      bad.push(`${p.name}: map values must be strings`);
    if (p.array !== undefined && !Array.isArray(p.array)) bad.push(`${p.name}: array is not an array`);
  });
  if (bad.length) return fail(`announcements: ${bad.join('; ')}`);
  process.stdout.write(`${v.length} announcements: ${v.map((p) => p.name).join(', ')}\n`);
}

function stacktrace(file) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const m = text.match(/^\s+at (?:.+ \()?(?:file:\/\/|node:|\/|<anonymous>|native).*$/m);
  if (m) return fail(`stderr holds a stack trace: ${m[0].trim()}`);
}

// Node.js process warnings (deprecations, experimental features): harmless
// for a sync, but they land in the repo-server log and, when the command
// fails, in front of the error Argo CD shows in the UI.
function nodewarnings(file) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const m = text.match(/^\(node:\d+\) (?:\[\w+\] )?\w*Warning: .*$/m);
  if (m) return fail(`stderr holds a Node.js warning: ${m[0].trim()}`);
}

// Where the bytes of a mounted image root go. `sizes ROOT BASE_STATUS`: ROOT is the image's mounted rootfs,
// BASE_STATUS the dpkg status file of the base it was built on. Packages in the image but not in the base
// are what the Dockerfile installed (git, and whatever of its dependencies the trim kept, and tini, the
// sidecar's init); their files, by dpkg's lists, are git's share and tini's. Prints one JSON line; fails when
// the image has packages the base lacks other than those two (the trim in the Dockerfile regressed).
function dpkgPackages(statusText) {
  const out = new Map();
  for (const para of statusText.split(/\n\n+/)) {
    const name = /^Package: (.+)$/m.exec(para)?.[1];
    const status = /^Status: (.+)$/m.exec(para)?.[1] || '';
    const arch = /^Architecture: (.+)$/m.exec(para)?.[1] || '';
    if (name && / installed$/.test(status)) out.set(name, arch);
  }
  return out;
}

function sizes(root, baseStatus) {
  const seen = new Set();
  const fileBytes = (p) => {
    let st;
    try {
      st = fs.lstatSync(p);
    } catch {
      return 0;
    }
    if (!st.isFile() || seen.has(st.ino)) return 0;
    seen.add(st.ino);
    return st.size;
  };
  // Run-time mount points and scratch space (the test's repository copy sits in /tmp) are not the image.
  const skip = new Set(['tmp', 'proc', 'sys', 'dev', 'run'].map((d) => path.join(root, d)));
  const treeBytes = (dir) => {
    let n = 0;
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return 0;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (skip.has(p)) continue;
      if (e.isDirectory()) n += treeBytes(p);
      else n += fileBytes(p);
    }
    return n;
  };
  const image = dpkgPackages(fs.readFileSync(path.join(root, 'var/lib/dpkg/status'), 'utf8'));
  const base = dpkgPackages(fs.readFileSync(baseStatus, 'utf8'));
  const added = [...image.keys()].filter((p) => !base.has(p)).sort();
  // Count the parts first (each inode once), then everything else.
  const node = fileBytes(path.join(root, 'usr/local/bin/node'));
  const strata = treeBytes(path.join(root, 'opt/strata')) + treeBytes(path.join(root, 'home/argocd'));
  const packageBytes = (pkg) => {
    const info = path.join(root, 'var/lib/dpkg/info');
    const list = [`${pkg}.list`, `${pkg}:${image.get(pkg)}.list`]
      .map((f) => path.join(info, f))
      .find((f) => fs.existsSync(f));
    let n = 0;
    if (list) for (const f of fs.readFileSync(list, 'utf8').split('\n')) if (f) n += fileBytes(path.join(root, f));
    return n;
  };
  const tini = added.includes('tini') ? packageBytes('tini') : 0;
  let git = 0;
  for (const pkg of added) if (pkg !== 'tini') git += packageBytes(pkg);
  const rest = treeBytes(root);
  const total = node + strata + git + tini + rest;
  process.stdout.write(JSON.stringify({ total, node, strata, git, tini, debian: rest, added }) + '\n');
  const unexpected = added.filter((p) => p !== 'git' && p !== 'tini');
  if (!added.includes('git')) fail('git is not installed in the image');
  if (!added.includes('tini'))
    fail('tini is not installed in the image (the sidecar command starts with /usr/bin/tini)');
  if (unexpected.length) fail(`packages beyond the base other than git and tini: ${unexpected.join(', ')}`);
}

// The documented sidecar command: argo-cd-values.yaml's container (the chart tests keep mode patch and
// argocd-operator.yaml equal to it).
function sidecar(file) {
  const doc = loadYaml().parse(fs.readFileSync(file, 'utf8'));
  const c = doc && doc.repoServer && doc.repoServer.extraContainers && doc.repoServer.extraContainers[0];
  if (!c || !Array.isArray(c.command) || c.command.length === 0)
    return fail(`${file}: repoServer.extraContainers[0].command missing`);
  process.stdout.write(c.command.map(String).join('\n') + '\n');
}

// The stand-in's one JSON line (test/e2e/reaper-cmp-standin.cjs). The warm renderer is what
// src/cli/warm-client.cjs starts: `strata.js warm-server --socket ...`.
function reaper(file, want) {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  let r;
  try {
    r = JSON.parse(lines[lines.length - 1]);
  } catch {
    return fail(`no report from the stand-in: ${lines.slice(-3).join(' | ').slice(0, 500)}`);
  }
  if (r.generate.code !== 0) return fail(`generate exited ${r.generate.code}: ${r.generate.stderr.slice(0, 500)}`);
  const warm = r.started.filter((p) => p.cmdline.includes(' warm-server '));
  if (warm.length === 0) return fail(`generate started no warm renderer: ${JSON.stringify(r.started)}`);
  if (r.timedOut) return fail(`the warm renderer did not exit within its idle time: ${JSON.stringify(warm)}`);
  const zombies = r.zombies.filter((z) => warm.some((p) => p.pid === z.pid));
  if (want === 'zombies' && zombies.length === 0)
    return fail(`expected the exited warm renderer as a zombie: ${JSON.stringify(r)}`);
  if (want === 'none' && r.zombies.length > 0)
    return fail(`zombies left: ${JSON.stringify(r.zombies)} (started: ${JSON.stringify(r.started)})`);
  process.stdout.write(
    `warm renderer pid ${warm.map((p) => p.pid).join(',')}, zombies: ${r.zombies.length ? r.zombies.map((z) => `${z.pid} (ppid ${z.ppid})`).join(', ') : 'none'}\n`,
  );
}

const [cmd, file, arg2] = process.argv.slice(2);
const fns = { plugin, manifests, params, stacktrace, nodewarnings, sizes, sidecar, reaper };
if (!fns[cmd] || !file) {
  fail(
    'usage: check.cjs plugin|manifests|params|stacktrace|nodewarnings|sidecar FILE | sizes ROOT BASE_STATUS | reaper FILE zombies|none',
  );
} else {
  try {
    fns[cmd](file, arg2);
  } catch (e) {
    fail(`${cmd}: ${e && e.message ? e.message : e}`);
  }
}
