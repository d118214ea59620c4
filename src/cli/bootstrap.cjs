'use strict';
// dist/strata.js: turns on V8's compile cache (Node >= 22.1, the production image's Node) before loading the
// CLI bundle, so later processes skip compiling it and the vendor bundles. The cache lives next to strata's
// compiled-template cache (src/io/compile-store.ts), under the same rule: STRATA_CACHE_DIR, or a private folder
// under the temp dir, used only when it is ours, not a symlink and not writable by others (its files are code
// we run). STRATA_CACHE_DIR=off disables both. On Node 20 this is a no-op.
const mod = require('node:module');
if (typeof mod.enableCompileCache === 'function' && process.env.STRATA_CACHE_DIR !== 'off') {
  const fs = require('node:fs');
  const { join } = require('node:path');
  const uid = process.getuid ? process.getuid() : undefined;
  const base = process.env.STRATA_CACHE_DIR || join(require('node:os').tmpdir(), `strata-cache-${uid ?? 'user'}`);
  try {
    fs.mkdirSync(base, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(base);
    const private_ = st.isDirectory() && !st.isSymbolicLink() && (uid === undefined || st.uid === uid) && (st.mode & 0o077) === 0;
    if (private_) mod.enableCompileCache(join(base, 'v8'));
  } catch {
    // a read-only or odd temp dir only costs speed
  }
}
require('./strata-main.js');
