import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { formatPath, pathSteps, stepSegment, type Segment } from '../src/core/paths.js';

// One grammar for canonical value paths (core/paths.ts): what formatPath writes, pathSteps and stepSegment read
// back. merge.ts (the prefixes of a path) and trace.ts (its last key) read paths only through them.
test('pathSteps and stepSegment read back what formatPath writes', () => {
  const cases: Segment[][] = [
    [],
    ['a'],
    ['image', 'tag'],
    ['env', 0, 'name'],
    ['annotations', 'cert-manager.io/issuer'],
    ['a b', 'x"y', 'back\\slash', '', '0', '-x', '_ok', 'é', 'line\nbreak', '"]', '[0]'],
    [3, 12, 'k'],
  ];
  for (const segs of cases) {
    const path = formatPath(segs);
    assert.deepEqual(pathSteps(path).map(stepSegment), segs, path);
    assert.equal(pathSteps(path).join(''), path === '.' ? '' : path, path);
  }
});
