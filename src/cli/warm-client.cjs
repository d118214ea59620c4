'use strict';
// dist/warm-client.js: the thin client of the warm renderer (docs/performance.md, "Warm renderer").
//
// Argo CD starts a new `strata generate` for every app and uncached commit. Loading strata and running its
// code for the first time costs several times Node's own start-up; the render itself takes ~1 ms once the
// code is warm. So `generate` first asks a long-lived strata process in the same container (same user, a
// unix socket in the private cache folder under the pod's /tmp) to run the very same `main()` with this
// process's argv, working directory and environment, and prints what it answers. On any doubt (no server,
// a refused or broken connection, a malformed or late answer) it renders in-process instead, so a request
// never depends on the server being there; the first request starts one for the next ones.
//
// This file must stay small and plain: it runs before (and usually instead of) loading the CLI bundle.

const net = require('node:net');
const fs = require('node:fs');
const { join } = require('node:path');

/** Longest answer accepted (strata's own output cap is smaller): anything larger is a broken server. */
const MAX_ANSWER = 256 * 1024 * 1024;
/** Unix socket paths longer than this do not fit `sockaddr_un` on Linux. */
const MAX_SOCKET_PATH = 100;
/** A new server is started at most once per this many ms (a burst of first requests starts one). */
const SPAWN_BACKOFF_MS = 10_000;

/**
 * The socket of the server running exactly this build of strata on this Node.js (a new image or version
 * never meets an old server). The name only tells builds apart in a folder that is ours alone, so a short
 * FNV-1a hash does: loading node:crypto for it would cost the client more than the rest of its start.
 */
function socketPath(base, mainFile) {
  const st = fs.statSync(mainFile);
  return join(base, `warm-${fnv64(`${process.version}\0${st.size}\0${st.mtimeMs}\0${mainFile}`)}.sock`);
}

/** FNV-1a over UTF-16 code units, two 32-bit lanes with different offsets: 16 hex digits. */
function fnv64(text) {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** 'ok': a unix socket owned by this user; 'stale': nothing, or a plain file of ours; 'foreign': anything else. */
function socketState(sock) {
  let st;
  try {
    st = fs.lstatSync(sock);
  } catch {
    return 'stale';
  }
  const uid = process.getuid ? process.getuid() : undefined;
  if (uid !== undefined && st.uid !== uid) return 'foreign';
  if (st.isSocket()) return 'ok';
  return st.isFile() ? 'stale' : 'foreign';
}

function positive(text, fallback) {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * How long to wait for the answer. The supervisor never queues a request for long (it answers `fallback`)
 * and stops a render past its budget itself, so the default is the render budget plus a margin: a slow but
 * legitimate render is not rendered a second time in-process.
 */
function timeoutMs(env) {
  return positive(env.STRATA_WARM_TIMEOUT_MS, positive(env.STRATA_RENDER_TIMEOUT_MS, 30_000) + 5_000);
}

/**
 * Ask the warm server; call `fallback()` (load the CLI bundle, which renders in-process) when it cannot
 * answer. `base` is the private cache folder bootstrap.cjs already checked.
 */
function run(base, mainFile, fallback) {
  const env = process.env;
  const required = env.STRATA_WARM === 'require'; // tests and diagnostics: fail instead of falling back
  let sock;
  try {
    sock = socketPath(base, mainFile);
  } catch {
    return fallback();
  }
  if (sock.length > MAX_SOCKET_PATH) return fallback();
  // The folder is ours and private (bootstrap.cjs); the socket in it must be a socket of ours too. Anything
  // else there (a file, a link, root's socket) is never connected to: render in-process, and start a server
  // only where a stale non-socket file can be replaced (the server removes it).
  const own = socketState(sock);
  if (own === 'foreign') return required ? refuse() : fallback();

  let settled = false;
  let conn;
  function refuse() {
    process.stderr.write('strata: the warm renderer did not answer (STRATA_WARM=require)\n');
    process.exitCode = 3;
  }
  const giveUp = (startServer) => {
    if (settled) return;
    settled = true;
    if (conn) conn.destroy();
    if (startServer && !required) spawnServer(sock, base, env);
    if (required) return refuse();
    fallback();
  };
  if (own === 'stale') return giveUp(true);

  const chunks = [];
  let size = 0;
  conn = net.createConnection(sock);
  conn.setTimeout(timeoutMs(env), () => giveUp(false));
  conn.on('error', (e) => giveUp(e && (e.code === 'ENOENT' || e.code === 'ECONNREFUSED')));
  conn.on('connect', () => {
    // One line (JSON escapes every newline), and the connection stays open while we wait: if this process
    // dies, the server sees the end of the stream and stops the render nobody will read.
    conn.write(JSON.stringify({ v: 1, argv: process.argv.slice(2), cwd: process.cwd(), env }) + '\n');
  });
  conn.on('data', (c) => {
    size += c.length;
    if (size > MAX_ANSWER) return giveUp(false);
    chunks.push(c);
  });
  conn.on('end', () => {
    if (settled) return;
    const all = Buffer.concat(chunks);
    const nl = all.indexOf(10);
    let head;
    try {
      head = nl < 0 ? undefined : JSON.parse(all.subarray(0, nl).toString('utf8'));
    } catch {
      head = undefined;
    }
    // The server answers `fallback` for anything it does not serve; a head without an exit code is broken.
    if (!head || head.v !== 1 || head.fallback || !Number.isInteger(head.code) || typeof head.stderr !== 'string')
      return giveUp(false);
    settled = true;
    conn.destroy();
    if (head.stderr) process.stderr.write(head.stderr);
    const out = all.subarray(nl + 1);
    if (out.length) process.stdout.write(out);
    process.exitCode = head.code;
  });
}

/** Start a server in its own session so Argo CD's kill of this process group leaves it running; never waits for it. */
function spawnServer(sock, base, env) {
  const stamp = `${sock}.spawned`;
  try {
    const st = fs.statSync(stamp);
    if (Date.now() - st.mtimeMs < SPAWN_BACKOFF_MS) return;
  } catch {
    // never started
  }
  try {
    fs.writeFileSync(stamp, String(process.pid), { mode: 0o600 });
    // Only what the server needs of its own environment: each request brings its full environment.
    const keep = [
      'PATH',
      'HOME',
      'TMPDIR',
      'LANG',
      'STRATA_CACHE_DIR',
      'STRATA_WARM_IDLE_MS',
      'STRATA_WARM_PROCESSES',
      'STRATA_WARM_QUEUE_MS',
      'STRATA_MAX_HEAP_MB',
      'STRATA_MAX_CACHE_BYTES',
    ];
    const childEnv = {};
    for (const k of keep) if (env[k] !== undefined) childEnv[k] = env[k];
    // The supervisor renders nothing: a small heap; its renderer processes get STRATA_MAX_HEAP_MB each.
    const heap = 128;
    const child = require('node:child_process').spawn(
      process.execPath,
      [`--max-old-space-size=${heap}`, join(__dirname, 'strata.js'), 'warm-server', '--socket', sock],
      {
        detached: true,
        stdio: 'ignore',
        env: childEnv,
        cwd: base,
      },
    );
    child.unref();
  } catch {
    // speed only
  }
}

module.exports = { run, socketPath };
