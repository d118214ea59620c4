'use strict';
// The argocd-cmp-server stand-in of test/e2e/reaper.test.ts, run inside a fresh PID namespace (so /proc lists
// only that namespace's processes).
//
// Like argocd-cmp-server it runs the plugin's generate command in the app directory, in a process group of its
// own (cmpserver/plugin/plugin.go: Setpgid), waits for that one child and never reaps anything else: Go's
// os/exec waits for the pids it started, and so does Node.js (libuv's SIGCHLD handler calls waitpid for the
// pids of its own child handles only, never waitpid(-1)). That is the behaviour of argo-cd issue 29349: an
// orphan re-parented to the cmp-server stays a zombie once it exits.
//
// `strata generate` starts the warm renderer detached (src/cli/warm-client.cjs spawnServer) and exits; the
// renderer outlives it and exits itself after STRATA_WARM_IDLE_MS. This script watches every process that
// appears from the generate on, waits until each has exited, lets a reaper (if there is one) do its work, then
// prints one JSON line:
//   { generate: {code, stdoutBytes, stderr}, started: [{pid, name, cmdline}], zombies: [{pid, ppid, name}], timedOut }
// `started`: every process seen after the generate began (the generate, git, the warm renderer and anything it
// started); `zombies`: every process of the namespace in state Z at the end.
//
//   node reaper-cmp-standin.cjs '{"argv":[...],"cwd":"...","env":{...},"deadlineMs":60000,"settleMs":2000}'
// (no "env": the generate inherits this process's environment; test/image/run.sh runs it so in the image)
const { spawn } = require('node:child_process');
const fs = require('node:fs');

const cfg = JSON.parse(process.argv[2]);

/** pid -> {state, ppid, name} for every process this /proc shows (the namespace's, under --mount-proc). */
function processes() {
  const out = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let status;
    try {
      status = fs.readFileSync(`/proc/${name}/status`, 'utf8');
    } catch {
      continue; // exited (and reaped) while listing
    }
    const field = (k) => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '';
    out.set(Number(name), { state: field('State').charAt(0), ppid: Number(field('PPid')), name: field('Name') });
  }
  return out;
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const before = new Set(processes().keys());
  // Every process that appears from now on, with its command line as last seen alive (a fork shows its
  // parent's until it execs; a zombie has none). Watched from the start, so a renderer that exits before the
  // generate does (a loaded machine, a short idle time) is still seen.
  const seen = new Map();
  const watch = () => {
    for (const [pid, p] of processes()) {
      if (before.has(pid) || pid === process.pid) continue;
      const line = p.state === 'Z' ? '' : cmdline(pid);
      if (line || !seen.has(pid)) seen.set(pid, { pid, name: p.name, cmdline: line || seen.get(pid)?.cmdline || '' });
    }
  };
  const watcher = setInterval(watch, 25);
  const generate = await new Promise((resolve) => {
    const child = spawn(cfg.argv[0], cfg.argv.slice(1), {
      cwd: cfg.cwd,
      env: cfg.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (c) => (stdoutBytes += c.length));
    child.stderr.on('data', (c) => (stderr += c.toString()));
    child.on('error', (e) => resolve({ code: null, stdoutBytes, stderr: String(e) }));
    child.on('close', (code) => resolve({ code, stdoutBytes, stderr: stderr.slice(0, 2000) }));
  });
  // Wait until every process seen has exited: gone (reaped) or a zombie (exited, never reaped).
  const end = Date.now() + cfg.deadlineMs;
  let timedOut = false;
  for (;;) {
    watch();
    const now = processes();
    if ([...seen.keys()].every((pid) => !now.has(pid) || now.get(pid).state === 'Z')) break;
    if (Date.now() > end) {
      timedOut = true;
      break;
    }
    await sleep(100);
  }
  clearInterval(watcher);
  // A reaper gets SIGCHLD at once; give it time anyway (tini also reaps on a 1 s timer), then look.
  await sleep(cfg.settleMs);
  const zombies = [...processes()]
    .filter(([, p]) => p.state === 'Z')
    .map(([pid, p]) => ({ pid, ppid: p.ppid, name: p.name }));
  process.stdout.write(JSON.stringify({ generate, started: [...seen.values()], zombies, timedOut }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`reaper stand-in: ${String(e && e.stack)}\n`);
  process.exitCode = 1;
});
