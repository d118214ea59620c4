// Issue 21 §5: `serve --host 127.0.0.2` (or `::ffff:127.0.0.1`) turned the Host-header guard against DNS
// rebinding off, because the guard knew only the literal spellings 127.0.0.1/localhost/::1. Any loopback
// bind keeps it, and a guarded server answers only Host headers that name a loopback host with its own port.
// Real binds, loopback addresses only. Run: node --import tsx --test test/holes-serve-host.test.ts
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { guardsHostHeader, hostHeaderAllowed } from '../src/server/host-guard.js';
import { startServer } from '../src/server/server.js';
import { checkGuard, plate, tryStart } from './holes-serve-host-check.js';

describe('serve keeps the Host-header guard on every loopback bind', () => {
  for (const address of ['127.0.0.2', '::ffff:127.0.0.1', '127.1']) {
    test(`startServer --host ${address}`, async (t) => {
      const s = await tryStart(() => startServer({ root: plate, host: address, port: 0 }));
      if (!s) return t.skip(`cannot bind ${address} here`);
      try {
        await checkGuard(address === '127.1' ? '127.0.0.1' : address, s.port);
      } finally {
        await s.close();
      }
    });
  }
  // The supervised server (worker processes) is in test/e2e/holes-serve-host-supervised.test.ts.
});

describe('the guard, as pure functions', () => {
  test('guarded: every loopback address and every name; unguarded: only a non-loopback address literal', () => {
    for (const h of [
      '127.0.0.1',
      '127.0.0.2',
      '127.255.255.254',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:2',
      '0:0:0:0:0:0:0:1',
      'localhost',
      'myhost',
      '127.1',
      '0x7f.1',
    ]) {
      assert.equal(guardsHostHeader(h), true, h);
    }
    for (const h of ['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', '::ffff:10.0.0.1', 'fe80::1'])
      assert.equal(guardsHostHeader(h), false, h);
  });

  test('accepted Host headers: a loopback name or address, with the bound port', () => {
    const ok = [
      'localhost:7420',
      'LOCALHOST:7420',
      '127.0.0.1:7420',
      '127.0.0.9:7420',
      '[::1]:7420',
      '[::ffff:127.0.0.1]:7420',
    ];
    for (const h of ok) assert.equal(hostHeaderAllowed(h, 7420), true, h);
    const refused = [
      'localhost',
      'localhost:7421',
      'attacker.example:7420',
      'localhost.attacker.example:7420',
      '127.0.0.1.nip.io:7420',
      '::1:7420',
      '[::1]',
      '10.0.0.1:7420',
      '127.1:7420',
      'localhost:7420:7420',
      ' localhost:7420',
      '',
    ];
    for (const h of refused) assert.equal(hostHeaderAllowed(h, 7420), false, h);
    assert.equal(hostHeaderAllowed('localhost', 80), true, 'port 80 may be left out, as browsers do');
    assert.equal(
      hostHeaderAllowed('localhost:7420', undefined),
      true,
      'behind the supervisor (a Unix socket) the port is the supervisor’s to check',
    );
  });
});
