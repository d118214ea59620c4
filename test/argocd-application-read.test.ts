// `render --application FILE` reads the Application like every other file strata reads: bounded, regular
// files only, strict UTF-8 (issue 21 §6: untrusted YAML has one owner, and one way in).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cli, makeRepo } from './helpers.js';

describe('render --application: how the Application file is read', () => {
  test('invalid UTF-8 is an error naming the file and line, not replacement characters', async () => {
    const root = makeRepo({
      'app.yaml': Buffer.concat([
        Buffer.from('apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: x'),
        Buffer.from([0xff]),
        Buffer.from('\n'),
      ]),
    });
    const r = await cli(['render', '--application', join(root, 'app.yaml'), '--repo-root', root]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /app\.yaml:4: file is not valid UTF-8/);
  });

  test('a FIFO is refused at once, not waited on', async () => {
    const root = makeRepo({});
    execFileSync('mkfifo', [join(root, 'app.yaml')]);
    const r = await cli(['render', '--application', join(root, 'app.yaml'), '--repo-root', root]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot read the Application: .*(FIFO|special)/i);
  });
});
