import { join } from 'node:path';
import { codeNamespace, diskStore } from '../io/compile-store.js';
import { main } from './main.js';

// The process entry: where the CLI meets `process`. Sets exitCode and lets Node exit on its own,
// so a large manifest stream drains fully into a slow pipe.
// Compiled templates embed the Handlebars runtime's calling convention (this bundle) and schema code Ajv's
// runtime (vendor/ajv.js): both name the cache namespace.
const store = diskStore(process.env, codeNamespace([__filename, join(__dirname, 'vendor', 'ajv.js')]));
main({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, ...(store ? { store } : {}) }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`strata: internal error: ${String(e)}\n`);
    process.exitCode = 3;
  },
);
