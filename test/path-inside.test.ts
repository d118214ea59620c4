import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rootFromSourcePath } from '../src/argocd/render-options.js';
import { staysInside } from '../src/core/fs.js';
import { DiskFs } from '../src/io/disk-fs.js';
import { gitDirProblem } from '../src/io/git.js';

// Path containment has one home, core/fs.ts staysInside: a relative path (as path.relative returns it) stays
// inside its base unless it climbs (`..`, `../x`) or names another root. A folder whose name starts with two dots
// (`..x`, `...`) is an ordinary folder.
test('staysInside: a table of relative paths', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['a', true],
    ['a/b', true],
    ['..x', true],
    ['..x/y', true],
    ['...', true],
    ['a/..', true],
    ['x..', true],
    ['..', false],
    ['../a', false],
    ['..\\a', false],
    ['/abs', false],
    ['\\abs', false],
    ['C:\\x', false],
    ['c:x', false],
  ];
  for (const [rel, inside] of cases) assert.equal(staysInside(rel), inside, rel);
});

test('a folder named ..x is inside the repository for DiskFs, git and the Argo CD source path', () => {
  const root = mkdtempSync(join(tmpdir(), 'strata-inside-'));
  try {
    mkdirSync(join(root, '..x', 'app'), { recursive: true });
    mkdirSync(join(root, '..x', 'gitdir'), { recursive: true });
    writeFileSync(join(root, '..x', 'app', 'strata.yaml'), 'a: 1\n');
    const fs = new DiskFs(root);
    assert.equal(fs.relativePath(join(root, '..x', 'app')), '..x/app');
    assert.equal(fs.stat('..x/app/strata.yaml'), 'file');
    assert.equal(fs.relativePath(join(root, '..')), undefined);

    // A gitdir file naming a folder inside the root is accepted; one naming the parent is refused.
    writeFileSync(join(root, '.git'), 'gitdir: ..x/gitdir\n');
    assert.equal(gitDirProblem(root), undefined);
    const outside = mkdtempSync(join(tmpdir(), 'strata-inside-out-'));
    try {
      writeFileSync(join(root, '.git'), `gitdir: ${outside}\n`);
      assert.match(gitDirProblem(root) ?? '', /outside the repository root/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }

    // ARGOCD_APP_SOURCE_PATH `..x/app`: the root is the folder above `..x`, as for any other name.
    assert.equal(rootFromSourcePath('/checkout/..x/app', '..x/app'), '/checkout');
    assert.equal(rootFromSourcePath('/checkout/x/app', '../x/app'), '/checkout/x/app');

    // A symlink out of the root is still refused.
    symlinkSync(tmpdir(), join(root, 'out'));
    assert.throws(() => fs.stat('out'), /outside the repository root/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
