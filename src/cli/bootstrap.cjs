'use strict';
// dist/strata.js: turns on V8's compile cache (Node >= 22.1, the production image's Node) before loading the
// CLI bundle, so later processes skip compiling it and the vendor bundles. The cache lives next to strata's
// compiled-template cache (src/io/compile-store.ts): STRATA_CACHE_DIR, or a private folder under the temp dir;
// STRATA_CACHE_DIR=off disables both. On Node 20 this is a no-op.
const mod = require('node:module');
if (typeof mod.enableCompileCache === 'function' && process.env.STRATA_CACHE_DIR !== 'off') {
  const { join } = require('node:path');
  const base = process.env.STRATA_CACHE_DIR || join(require('node:os').tmpdir(), `strata-cache-${process.getuid ? process.getuid() : 'user'}`);
  try {
    // Create the folder private first (src/io/compile-store.ts refuses one that others can write to).
    require('node:fs').mkdirSync(base, { recursive: true, mode: 0o700 });
    mod.enableCompileCache(join(base, 'v8'));
  } catch {
    // a read-only or odd temp dir only costs speed
  }
}
require('./strata-main.js');
