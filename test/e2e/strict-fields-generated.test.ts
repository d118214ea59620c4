import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateStrictFields } from '../../src/validate/strict-fields-generate.js';
import { REPO } from '../helpers.js';

// src/validate/strict-fields.schema.json is generated from kubernetes-models' declarations (strict-fields-generate.ts
// runs the TypeScript compiler over them, ~2 s: here rather than in npm test). A hand edit, or a kubernetes-models
// upgrade without regenerating, fails.
test('strict-fields.schema.json is what the generator makes', () => {
  const committed = readFileSync(join(REPO, 'src/validate/strict-fields.schema.json'), 'utf8');
  assert.equal(
    committed,
    JSON.stringify(generateStrictFields()) + '\n',
    'regenerate: npx tsx src/validate/strict-fields-generate.ts > src/validate/strict-fields.schema.json',
  );
});
