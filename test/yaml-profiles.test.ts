// Untrusted YAML has one reader (src/core/untrusted-yaml.ts) with one profile per use: every profile against
// every hostile input, and every caller wired to its profile.
// Run: node --import tsx --test test/yaml-profiles.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { pickApplication } from '../src/argocd/application.js';
import { applySourceOverrides } from '../src/argocd/source-overrides.js';
import { parseRendered } from '../src/core/documents.js';
import { UserError } from '../src/core/errors.js';
import { MemoryFs } from '../src/core/fs.js';
import { DEFAULT_RENDER_LIMITS } from '../src/core/limits.js';
import { loadYamlText } from '../src/core/yaml-load.js';
import { loadCrds } from '../src/validate/crd.js';

const CANARY = 'hunter2-CANARY-s3cr3t';

function caught(f: () => unknown): UserError | 'ok' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
}

// Each caller, through its public entry point: the hostile text where that caller reads YAML.
const CALLERS: Record<string, (text: string | Uint8Array) => unknown> = {
  'values file': (t) => loadYamlText(typeof t === 'string' ? t : Buffer.from(t).toString('latin1'), 'values.yaml'),
  'rendered output': (t) => parseRendered(typeof t === 'string' ? t : Buffer.from(t).toString('latin1'), 't.yaml.hbs'),
  'CRD file': (t) => loadCrds(new MemoryFs({ 'crds/w.yaml': t }), ['crds/w.yaml'], DEFAULT_RENDER_LIMITS),
  'Application file': (t) => pickApplication(typeof t === 'string' ? t : Buffer.from(t).toString('utf8'), 'app.yaml'),
  'source override': (t) => applySourceOverrides(new MemoryFs({ 'app/.argocd-source.yaml': t }), 'app', '', { repoURL: 'r', path: 'app' }),
};

describe('every caller reads through the one module', () => {
  const deepFlow = `a: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`;
  const deepBlock = 'a:\n' + Array.from({ length: 1_010 }, (_, i) => `${'  '.repeat(i + 1)}k:`).join('\n') + ' 1\n';
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n') + '\n';
  const cases: [string, string | Uint8Array, RegExp][] = [
    ['deep flow nesting', deepFlow, /nesting too deep for the YAML reader|nesting deeper than \d+ levels/],
    ['deep block nesting', deepBlock, /nesting deeper than \d+ levels/],
    ['alias bomb', bomb, /more than \d+ nodes after expanding aliases/],
    ['syntax error beside a secret', `a: 1\nb: "${CANARY}\n`, /^(rendered output is not valid|invalid) YAML: /],
    ['duplicate key named', `a: 1\npassword: ${CANARY}\npassword: x\n`, /^(rendered output is not valid|invalid) YAML: duplicated mapping key "password"/],
    ['ambiguous scalar', `a: 1\nb: yes\n`, /"yes" means different things in YAML 1\.1/],
    ['invalid UTF-8', new Uint8Array([0x61, 0x3a, 0x20, 0xff, 0x0a]), /not valid UTF-8/],
  ];
  for (const [caller, read] of Object.entries(CALLERS)) {
    for (const [name, text, want] of cases) {
      // A values file and rendered output are given text here (their bytes are decoded by their callers).
      if (typeof text !== 'string' && (caller === 'values file' || caller === 'rendered output' || caller === 'Application file')) continue;
      test(`${caller}: ${name}`, () => {
        const e = caught(() => read(text));
        assert.notEqual(e, 'ok', 'accepted');
        const err = e as UserError;
        assert.match(err.head, want);
        assert.ok(!err.toString().includes(CANARY), err.toString());
      });
    }
  }
});
