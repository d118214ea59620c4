// plate-api-prod.yaml with its manifest-generate-paths annotation rewritten, for the `lint --application` tests
// (test/argocd-application-inputs.test.ts) and the `render --application` ones
// (test/e2e/argocd-application-inputs-render.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './harness.js';

export const APP = join(REPO, 'examples/plate/apps/plate-api-prod.yaml');
export const ANNOTATION = 'argocd.argoproj.io/manifest-generate-paths';

/** plate-api-prod.yaml with its annotation replaced (undefined: removed), written outside the repository's apps. */
export function withAnnotation(value: string | undefined): string {
  const text = readFileSync(APP, 'utf8');
  const line = new RegExp(`^( +)${ANNOTATION.replace(/[./]/g, '\\$&')}: .*$`, 'm');
  assert.match(text, line);
  const out =
    value === undefined
      ? text.replace(line, '$1strata.dev/test: "1"')
      : text.replace(line, `$1${ANNOTATION}: "${value}"`);
  const f = join(mkdtempSync(join(tmpdir(), 'strata-app-')), 'app.yaml');
  writeFileSync(f, out);
  return f;
}
