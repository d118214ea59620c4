import { main } from './main.js';

// The process entry: the only file that touches `process`. Sets exitCode and lets Node exit on its own,
// so a large manifest stream drains fully into a slow pipe.
main({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`strata: internal error: ${String(e)}\n`);
    process.exitCode = 3;
  },
);
