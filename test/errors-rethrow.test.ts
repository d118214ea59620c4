import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { FindingsError, rethrowUnlessUser, UsageError, UserError } from '../src/core/errors.js';

// The catch sites that report a user's mistake and carry on (render --all, diff --all, discovery) go through
// rethrowUnlessUser: a user error is kept, anything else leaves unchanged.
test('rethrowUnlessUser keeps user errors and throws every other error, the same object', () => {
  for (const e of [new UserError('bad'), new FindingsError([])]) assert.doesNotThrow(() => rethrowUnlessUser(e));
  for (const e of [new Error('bug'), new UsageError('flag'), new RangeError('stack'), 'a string', undefined]) {
    assert.throws(
      () => rethrowUnlessUser(e),
      (thrown) => thrown === e,
    );
  }
});
