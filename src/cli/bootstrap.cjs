'use strict';
// dist/strata.js: the process entry. Before loading the CLI bundle it
// - turns on V8's compile cache (Node >= 22.1, the production image's Node), so later processes skip compiling
//   the bundle and the vendor files;
// - for `strata generate` (what Argo CD runs), asks the warm renderer first (warm-client.js), which answers
//   without loading the bundle at all; it falls back to loading it on any doubt.
// Both live in a private folder under the temp dir (the pod's /tmp emptyDir in the sidecar), next to strata's
// compiled-template cache (src/io/compile-store.ts), under the same rule: STRATA_CACHE_DIR, or
// `strata-cache-<uid>` under the temp dir, used only when it is ours, not a symlink and not writable by others
// (its files are code we run, and the socket answers as strata). STRATA_CACHE_DIR=off disables all of it;
// STRATA_WARM=off disables only the warm renderer.
const { join } = require('node:path');
const main = join(__dirname, 'strata-main.js');

function privateBase() {
  if (process.env.STRATA_CACHE_DIR === 'off') return undefined;
  const fs = require('node:fs');
  const uid = process.getuid ? process.getuid() : undefined;
  const base = process.env.STRATA_CACHE_DIR || join(require('node:os').tmpdir(), `strata-cache-${uid ?? 'user'}`);
  try {
    fs.mkdirSync(base, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(base);
    const ok =
      st.isDirectory() && !st.isSymbolicLink() && (uid === undefined || st.uid === uid) && (st.mode & 0o077) === 0;
    return ok ? base : undefined;
  } catch {
    return undefined; // a read-only or odd temp dir only costs speed
  }
}

const base = privateBase();

/** Load the CLI bundle, with V8's compile cache on when it can be (not needed by the warm client itself). */
function loadMain() {
  const mod = require('node:module');
  if (base && typeof mod.enableCompileCache === 'function') mod.enableCompileCache(join(base, 'v8'));
  require(main);
}

const args = process.argv.slice(2);
const warmGenerate = args.length === 1 && args[0] === 'generate' && process.env.STRATA_WARM !== 'off';
if (base && warmGenerate) {
  require('./warm-client.js').run(base, main, loadMain);
} else if (warmGenerate && process.env.STRATA_WARM === 'require') {
  // Tests and diagnostics: say that the warm renderer was refused (no private folder) rather than render.
  process.stderr.write(
    'strata: the warm renderer needs a private cache folder (STRATA_CACHE_DIR: ours, not a symlink, 0700) (STRATA_WARM=require)\n',
  );
  process.exitCode = 3;
} else {
  loadMain();
}
