import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli, makeRepo, minimalApp } from './helpers.js';

// Issue 10 §5: nothing secret reaches an error message. Argo CD shows stderr in its UI, so a value (which may be
// a password or a token) must never be quoted: messages name the file:line and the key instead. Each case puts
// a canary where a value can fail and runs the real CLI entry (in-process, with captured streams).

const CANARY = 'c4n4ry-s3cret-7f3a';
// A canary that is an integer (for the paths that fail on numbers): 2^64 and more, so it cannot be typed.
const BIG = '98765432109876543210987';

interface Case {
  name: string;
  files?: Record<string, string | Buffer>;
  args?: string[];
  secret?: string;
  /** What the message must still say (so the case fails for the intended reason). */
  reason: RegExp;
  todo?: string;
}

const render = (extra: string[] = []): string[] => ['render', 'app', '--env', 'stg', ...extra];

const cases: Case[] = [
  {
    name: 'ambiguous scalar (a date and a token)',
    files: { 'app/values.yaml': `name: demo\nreplicas: 1\ntoken: 2024-01-01 ${CANARY}\n` },
    reason: /values\.yaml:3:1 \.token: "YYYY-MM-DD …" means different things in YAML 1\.1/,
  },
  {
    name: 'ambiguous scalar (digits and underscores)',
    files: { 'app/values.yaml': 'name: demo\nreplicas: 1\npin: 1_2_3_4_5_6_7\n' },
    secret: '1_2_3_4_5_6_7',
    reason: /\.pin: "N_NNN" means different things/,
  },
  {
    name: 'unsafe integer in a values file',
    files: { 'app/values.yaml': `name: demo\nreplicas: 1\nn: ${BIG.slice(0, 20)}\n` },
    secret: BIG.slice(0, 20),
    reason: /\.n: integer beyond 2\^53/,
  },
  {
    name: 'duplicate key',
    files: { 'app/values.yaml': `name: demo\nreplicas: 1\npassword: ${CANARY}\npassword: ${CANARY}x\n` },
    reason: /values\.yaml:4:\d+: invalid YAML: duplicated mapping key/,
  },
  {
    name: 'YAML syntax error next to a value',
    files: { 'app/values.yaml': `name: demo\nreplicas: 1\npassword: "${CANARY}\n` },
    reason: /values\.yaml:\d+:\d+: invalid YAML/,
  },
  {
    name: 'bad UTF-8 next to a value',
    files: {
      'app/values.yaml': Buffer.concat([
        Buffer.from(`name: demo\nreplicas: 1\npassword: ${CANARY}`),
        Buffer.from([0xff, 0x0a]),
      ]),
    },
    reason: /values\.yaml:3: file is not valid UTF-8/,
  },
  {
    name: 'complex key',
    files: { 'app/values.yaml': `name: demo\nreplicas: 1\nmap:\n  ? [${CANARY}, b]\n  : 1\n` },
    reason: /values\.yaml:4:\d+ \.map: a list or map used as a key/,
  },
  {
    name: 'forbidden key',
    files: { 'app/values.yaml': `name: demo\nreplicas: 1\nx:\n  constructor: ${CANARY}\n` },
    reason: /\.x\.constructor: the key "constructor" is not allowed/,
  },
  {
    name: '--set key without a value after a secret',
    args: render(['--set', `password=${CANARY},oops`]),
    reason: /--set password=…: key "\.oops" has no value/,
  },
  {
    name: '--set bad index after a secret',
    args: render(['--set', `password=${CANARY},list[x]=1`]),
    reason: /expected a list index/,
  },
  {
    name: '--set unsafe integer',
    args: render(['--set', `n=${BIG.slice(0, 17)}`]),
    secret: BIG.slice(0, 17),
    reason: /integer is beyond 2\^53/,
  },
  {
    name: '--set-json invalid JSON',
    args: render(['--set-json', `cfg={"password":"${CANARY}",}`]),
    reason: /--set-json cfg=…: invalid JSON/,
  },
  { name: '--set-json bare word', args: render(['--set-json', `cfg=${CANARY}`]), reason: /invalid JSON/ },
  {
    name: '--set-json unsafe integer',
    args: render(['--set-json', `cfg={"n":${BIG.slice(0, 18)}}`]),
    secret: BIG.slice(0, 18),
    reason: /integer is beyond 2\^53/,
  },
  {
    name: '--set-json forbidden key',
    args: render(['--set-json', `cfg={"__proto__":"${CANARY}"}`]),
    reason: /the key "__proto__" is not allowed/,
  },
  {
    name: '--set through a string value',
    files: { 'app/values.yaml': `name: demo\nreplicas: 1\npassword: ${CANARY}\n` },
    args: render(['--set', 'password.x=1']),
    reason: /\.password is a string, not a map/,
  },
  {
    name: '--set too deep',
    args: render(['--set', `${'a.'.repeat(70)}b=${CANARY}`]),
    reason: /nesting deeper than 64 levels/,
  },
  {
    name: 'values schema: pattern, enum and type',
    files: {
      'app/values.yaml': `name: demo\nreplicas: 1\nuser: ${CANARY}\nmode: ${CANARY}m\ncount: ${CANARY}c\n`,
      'app/values.schema.json': JSON.stringify({
        type: 'object',
        properties: {
          user: { type: 'string', pattern: '^[a-z]+$' },
          mode: { enum: ['a', 'b'] },
          count: { type: 'integer' },
        },
      }),
    },
    reason: /3 errors found:\n(?:.*values-schema.*\n?){3}/,
  },
  {
    name: 'values schema: required against a secret-laden map',
    files: {
      'app/values.yaml': `name: demo\nreplicas: 1\ndb:\n  password: ${CANARY}\n`,
      'app/values.schema.json': JSON.stringify({
        properties: { db: { required: ['user'], additionalProperties: false } },
      }),
    },
    reason: /missing required field "user"/,
  },
  {
    name: 'Kubernetes schema type error traced to a value',
    files: {
      'app/values.yaml': `name: demo\nreplicas: 1\nport: ${CANARY}\n`,
      'app/templates/svc.yaml.hbs':
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: {{quote values.port}}\n',
    },
    reason: /must be integer/,
  },
  {
    name: 'unknown field in strata.yaml',
    files: {
      'app/strata.yaml': `apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg, prod]\n  namespace: demo\n  secretish: ${CANARY}\n`,
    },
    reason: /strata\.yaml:6:\d+.*secretish/,
  },
  {
    name: 'wrong type in strata.yaml',
    files: {
      'app/strata.yaml': `apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [stg, prod]\n  namespace: [${CANARY}]\n`,
    },
    reason: /strata\.yaml:5:\d+.*namespace/,
  },
  {
    name: 'rendered ambiguous value',
    files: {
      'app/values.yaml': `name: demo\nreplicas: 1\ntoken: "2024-01-01 ${CANARY}"\n`,
      'app/templates/x.yaml.hbs':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  t: {{values.token}}\n',
    },
    reason: /x\.yaml\.hbs \.data\.t: "YYYY-MM-DD …" means different things in YAML 1\.1/,
  },
];

describe('no value reaches an error message (canary)', () => {
  for (const c of cases) {
    it(c.name, { ...(c.todo ? { todo: c.todo } : {}) }, async () => {
      const r = await cli(c.args ?? render(), { cwd: makeRepo(minimalApp(c.files ?? {})) });
      assert.notEqual(r.code, 0, 'the case must fail');
      assert.equal(r.stdout, '');
      assert.match(r.stderr, c.reason);
      for (const secret of [CANARY, c.secret].filter((s): s is string => s !== undefined)) {
        assert.ok(!r.stderr.includes(secret), `stderr quotes the value:\n${r.stderr}`);
      }
    });
  }
});
