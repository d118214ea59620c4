// Bundles the CLI into dist/strata.js: one file to read at start-up (cold start matters inside Argo CD).
//
// Start-up cost grows with the bytes V8 must parse, so only what every render needs is in dist/strata.js
// (our code, handlebars, js-yaml, yaml). Every other package (pino, express, ajv, kubernetes-models, ...) goes
// to its own file, dist/vendor/<package>.js, which Node reads on the first `require` of that package: a
// render that never logs, serves or validates a given kind never parses them. Within a vendor file each
// module still runs only when first required. docs/performance.md has the measurements.
import { build } from 'esbuild';
import { copyFileSync, cpSync, mkdirSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** Must match applicationValidator() in src/validate/kube-schema.ts, which compiles at run time when this build output is absent (tests under tsx). */
const APPLICATION_AJV_OPTIONS = { allErrors: true, strict: false, validateFormats: false };

/** Packages on the path of every render: bundled into dist/strata.js. */
const HOT = new Set(['handlebars', 'js-yaml', 'yaml']);

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Smaller to parse at start-up; `node scripts/build.mjs --no-minify` keeps names for readable CPU profiles.
  minify: !process.argv.includes('--no-minify'),
  legalComments: 'linked',
  sourcemap: 'linked',
  logLevel: 'warning',
  // uri-js (inside Ajv and kubernetes-models) requires Node's deprecated built-in `punycode`, which prints a
  // DEP0040 warning on stderr on Node >= 21 (stderr reaches Argo CD's UI). The userland package is identical.
  alias: { punycode: 'punycode/' },
};

function packageOf(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const vendorFile = (name) => `vendor/${name.replace('/', '__')}.js`;

// handlebars' code generator uses `source-map` when it can require it and has a small built-in fallback
// otherwise (its browser build); we never ask for template source maps, so the fallback is enough.
const noSourceMap = {
  name: 'no-source-map',
  setup(b) {
    b.onResolve({ filter: /^source-map$/ }, () => ({ path: 'source-map', namespace: 'empty' }));
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

/** Rewrites `require('pkg/sub')` of cold packages to `require('./vendor/pkg.js').load('pkg/sub')`. */
function vendorSplit(seen) {
  return {
    name: 'vendor-split',
    setup(b) {
      b.onResolve({ filter: /^\.\/vendor\// }, (a) => ({ path: a.path, external: true }));
      b.onResolve({ filter: /^[^./]/ }, (a) => {
        if (a.path.startsWith('node:') || a.namespace === 'vendor-shim') return undefined;
        const name = packageOf(a.path);
        if (HOT.has(name) || a.importer.includes('/node_modules/')) return undefined;
        if (!seen.has(name)) seen.set(name, new Set());
        seen.get(name).add(a.path);
        return { path: a.path, namespace: 'vendor-shim' };
      });
      b.onLoad({ filter: /.*/, namespace: 'vendor-shim' }, (a) => ({
        contents: `module.exports = require(${JSON.stringify('./' + vendorFile(packageOf(a.path)))}).load(${JSON.stringify(a.path)});`,
        loader: 'js',
      }));
    },
  };
}

// Files are overwritten, never deleted first: a test or bench running meanwhile keeps a whole dist/.
mkdirSync('dist/vendor', { recursive: true });

const seen = new Map();
await build({
  ...common,
  entryPoints: ['src/cli/entry.ts'],
  outfile: 'dist/strata-main.js',
  define: { STRATA_VERSION: JSON.stringify(pkg.version) },
  plugins: [noSourceMap, vendorSplit(seen)],
});

// dist/strata.js is a small bootstrap that enables Node's compile cache, then loads dist/strata-main.js.
copyFileSync('src/cli/bootstrap.cjs', 'dist/strata.js');
// dist/warm-client.js: the warm renderer's thin client, loaded by the bootstrap for `generate` instead of the bundle.
copyFileSync('src/cli/warm-client.cjs', 'dist/warm-client.js');

// The preview page's static files (strata serve), next to the bundle so dist/ works wherever it is copied.
cpSync('src/server/public', 'dist/public', { recursive: true });

// @bufbuild/cel's CommonJS entry requires every module of the package and of @bufbuild/protobuf, whose
// well-known-type descriptors are decoded when their modules run: ~140 ms of CPU on the first CEL rule of a
// process (docs/performance.md). Its ES module build is marked side-effect free, so bundling only the names
// src/cel/*.ts use from it lets esbuild drop the modules nothing reaches (JSON, binary and text
// formats, most well-known types): the same code for what remains, ~35% less to run. A name missing here is
// `undefined` in the bundle: test/e2e/warm.test.ts and the hostile corpus render the plate example, whose
// policy has CEL rules, through dist/.
const TREE_SHAKEN = {
  '@bufbuild/cel': {
    '@bufbuild/cel': ['CelScalar', 'celEnv', 'celFunc', 'celMethod', 'isCelError', 'listType', 'parse', 'plan'],
    '@bufbuild/cel/ext': ['strings'],
  },
};

function treeShakenEntry(name, specs) {
  const api = TREE_SHAKEN[name];
  const missing = [...specs].filter((s) => !api[s]);
  if (missing.length) throw new Error(`build: add ${missing.join(', ')} to TREE_SHAKEN['${name}']`);
  const lines = Object.entries(api).map(
    ([spec, names], i) =>
      `import { ${names.join(', ')} } from ${JSON.stringify(spec)};\nconst m${i} = Object.freeze({ ${names.join(', ')} });`,
  );
  const cases = Object.keys(api).map((spec, i) => `  case ${JSON.stringify(spec)}: return m${i};`);
  return `${lines.join('\n')}\nexport const load = (s) => { switch (s) {\n${cases.join('\n')}\n  default: throw new Error('not bundled: ' + s); } };\n`;
}

// One file per cold package, exposing each specifier our code requires through one `load` switch, so the
// package's modules are shared between its entry points (ajv, ajv/dist/2020.js) and run only on demand.
await Promise.all(
  [...seen].map(([name, specs]) =>
    TREE_SHAKEN[name]
      ? build({
          ...common,
          stdin: {
            contents: treeShakenEntry(name, specs),
            resolveDir: '.',
            sourcefile: `vendor-${name}.mjs`,
            loader: 'js',
          },
          outfile: `dist/${vendorFile(name)}`,
          plugins: [noSourceMap],
        })
      : build({
          ...common,
          stdin: {
            contents: `exports.load = (s) => { switch (s) {\n${[...specs]
              .sort()
              .map((s) => `  case ${JSON.stringify(s)}: return require(${JSON.stringify(s)});`)
              .join('\n')}\n  default: throw new Error('not bundled: ' + s); } };\n`,
            resolveDir: '.',
            sourcefile: `vendor-${name}.js`,
          },
          outfile: `dist/${vendorFile(name)}`,
          plugins: [noSourceMap],
        }),
  ),
);

// The Argo CD Application schema is large (the CRD's openAPIV3Schema): compiling it with Ajv takes ~250 ms,
// which an app-of-apps render would pay at every cold start. Compile it once here, to standalone code.
{
  const { default: Ajv } = await import('ajv');
  const { default: standaloneCode } = await import('ajv/dist/standalone/index.js');
  const schema = JSON.parse(readFileSync('src/validate/argocd-application.schema.json', 'utf8'));
  const ajv = new Ajv({ ...APPLICATION_AJV_OPTIONS, code: { source: true } });
  await build({
    ...common,
    stdin: {
      contents: standaloneCode(ajv, ajv.compile(schema)),
      resolveDir: '.',
      sourcefile: 'argocd-application-validator.js',
    },
    outfile: 'dist/vendor/argocd-application-validator.js',
  });
}
