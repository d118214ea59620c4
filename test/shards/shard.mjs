// `npm test` runs the in-process test files (test/*.test.ts) in two processes, one per core, instead of one
// process per file: each file costs ~0.75 s of tsx and module loading on its own, more than most files' tests.
// Every file becomes a suite named after it. Files are dealt to the shards heaviest first, each to the lighter
// shard: a file weighs its seconds in SECONDS (measured in one first `npm test` run in a fresh clone, for the
// files that take 0.3 s or more; a shard's first files also pay for loading the modules they share) or a little
// by its size. A stale weight only makes the split uneven, never drops a file. Process-level suites (the process
// boundary, signals, other binaries, timing ratios) live in test/e2e/, one process per file (`npm run test:e2e`).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'node:test';
import { pathToFileURL } from 'node:url';

const SECONDS = {
  'fuzz-codegen.test.ts': 2.1,
  'budget-work.test.ts': 1.7,
  'platform-policy.test.ts': 1.5,
  'strict-helpers.test.ts': 1.5,
  'policy-custom.test.ts': 1.4,
  'server.test.ts': 1.4,
  'argocd-application-inputs.test.ts': 1.4,
  'golden.test.ts': 1.4,
  'sidecar.test.ts': 1.1,
  'validate-crd.test.ts': 1.1,
  'bad-input.test.ts': 1.0,
  'argocd-application-read.test.ts': 1.0,
  'argocd-unit.test.ts': 1.0,
  'policy-lint-cli.test.ts': 1.0,
  'helpers-sprig.test.ts': 0.9,
  'yaml-profiles.test.ts': 0.9,
  'cli.test.ts': 0.9,
  'version.test.ts': 0.9,
  'helpers-bounds.test.ts': 0.9,
  'fuzz-values.test.ts': 0.8,
  'caches-content.test.ts': 0.7,
  'cli-batch.test.ts': 0.6,
  'fuzz-serialize.test.ts': 0.6,
  'secrets-canary.test.ts': 0.5,
  'diff-objects.test.ts': 0.5,
  'process-hardening.test.ts': 0.4,
  'import-translate.test.ts': 0.4,
  'cli-declarations.test.ts': 0.4,
  'diff-output-dir.test.ts': 0.3,
  'no-echo.test.ts': 0.3,
};

const TEST_DIR = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');

/** The test files of shard `k` (1-based) of `n`. */
export function shardFiles(k, n) {
  const files = readdirSync(TEST_DIR)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => ({ f, weight: SECONDS[f] ?? 0.1 + statSync(join(TEST_DIR, f)).size / 40_000 }))
    .sort((a, b) => b.weight - a.weight || (a.f < b.f ? -1 : 1));
  const load = Array.from({ length: n }, () => 0);
  const mine = [];
  for (const { f, weight } of files) {
    const i = load.indexOf(Math.min(...load));
    load[i] += weight;
    if (i === k - 1) mine.push(f);
  }
  return mine.sort();
}

export function runShard(k, n) {
  for (const f of shardFiles(k, n))
    describe(`test/${f}`, async () => void (await import(pathToFileURL(join(TEST_DIR, f)).href)));
}
