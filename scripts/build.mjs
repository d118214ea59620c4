// Bundles the CLI into dist/strata.js: one file to read at start-up (cold start matters inside Argo CD).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/cli/entry.ts'],
  outfile: 'dist/strata.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minifySyntax: true,
  legalComments: 'linked',
  sourcemap: 'linked',
  define: { STRATA_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
