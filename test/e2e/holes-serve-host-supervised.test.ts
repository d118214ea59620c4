// Issue 21 §5 for the supervised server (`strata serve`, worker processes behind a proxy): a bind to 127.0.0.2
// keeps the Host-header guard (the in-process servers are in test/holes-serve-host.test.ts).
// Run: node --import tsx --test test/e2e/holes-serve-host-supervised.test.ts
import { describe, test } from 'node:test';
import { DEFAULT_RENDER_LIMITS } from '../../src/core/limits.js';
import { startSupervisedServer } from '../../src/server/supervisor.js';
import { checkGuard, plate, tryStart } from '../holes-serve-host-check.js';

describe('serve keeps the Host-header guard on every loopback bind', () => {
  test('the supervised server (strata serve) on 127.0.0.2', async (t) => {
    const s = await tryStart(() =>
      startSupervisedServer({ root: plate, host: '127.0.0.2', port: 0, limits: DEFAULT_RENDER_LIMITS }),
    );
    if (!s) return t.skip('cannot bind 127.0.0.2 here');
    try {
      await checkGuard('127.0.0.2', s.port);
    } finally {
      await s.close();
    }
  });
});
