import { performance } from 'node:perf_hooks';
import { loadYamlText } from '../src/core/yaml-load.js';
import type { Values } from '../src/core/types.js';
import { identityFromSecret } from '../src/secrets/age.js';
import { decryptSops } from '../src/secrets/sops.js';
import { encryptSops } from '../src/secrets/sops-encrypt.js';

// The cost of decrypting one SOPS layer of 100 values, warm (modules loaded, the parse cached, as in the
// warm renderer): what a render pays per encrypted layer. The age unwrap of the data key is included: strata
// keeps no data key between renders. Goal: under 5 ms. Prints one JSON line.

const KEY = 'AGE-SECRET-KEY-1RH87A5Z54ZGUR9S0AS3R6WHFSEFNPLYMAKF5Z2CEU7R06VRJ0A3Q7242AM';
const id = identityFromSecret(KEY)!;
const plain: Values = {};
for (let i = 0; i < 100; i++) plain[`key${i}`] = `secret-value-${i}-${'x'.repeat(24)}`;
const text = encryptSops(plain, { recipients: [id.recipient], lastModified: '2026-01-01T00:00:00Z' });
const tree = loadYamlText(text, 'bench.enc.yaml').value!;
const keys = () => ({ identities: [id], source: 'bench' });

for (let i = 0; i < 50; i++) decryptSops(tree, 'bench.enc.yaml', keys);
const runs = 500;
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  decryptSops(tree, 'bench.enc.yaml', keys);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const ms = (q: number) => Number(times[Math.floor(q * (runs - 1))].toFixed(3));
console.log(
  JSON.stringify({ bench: 'secrets-decrypt-layer', values: 100, runs, p50Ms: ms(0.5), p95Ms: ms(0.95), goalMs: 5 }),
);
