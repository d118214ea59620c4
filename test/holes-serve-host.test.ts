// Issue 21 §5: `serve --host 127.0.0.2` (or `::ffff:127.0.0.1`) turned the Host-header guard against DNS
// rebinding off, because the guard knew only the literal spellings 127.0.0.1/localhost/::1. Any loopback
// bind keeps it, and a guarded server answers only Host headers that name a loopback host with its own port.
// Real binds, loopback addresses only. Run: node --import tsx --test test/holes-serve-host.test.ts
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_RENDER_LIMITS } from '../src/core/limits.js';
import { guardsHostHeader, hostHeaderAllowed } from '../src/server/host-guard.js';
import { startServer } from '../src/server/server.js';
import { startSupervisedServer } from '../src/server/supervisor.js';

const plate = join(resolve(__dirname, '..'), 'examples/plate');

/** GET /api/apps on `address:port` with the given Host header; the status code. */
function statusWithHost(address: string, port: number, host: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: address, port, path: '/api/apps', headers: { host } }, (res) => {
      res.resume();
      done(res.statusCode!);
    });
    req.on('error', fail);
    req.end();
  });
}

/** Start a server on `host`, or undefined when this machine cannot bind it (no IPv6 stack in the sandbox). */
async function tryStart<T>(start: () => Promise<T>): Promise<T | undefined> {
  try {
    return await start();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return undefined;
    throw e;
  }
}

async function checkGuard(address: string, port: number): Promise<void> {
  for (const host of [
    'attacker.example',
    `attacker.example:${port}`,
    `rebind.attacker.example:${port}`,
    `localhost:${port + 1}`,
    `127.0.0.1:${port === 80 ? 81 : 80}`,
    `[::1]`,
  ]) {
    assert.equal(await statusWithHost(address, port, host), 403, `Host: ${JSON.stringify(host)} on ${address}`);
  }
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
    assert.equal(await statusWithHost(address, port, host), 200, `Host: ${host} on ${address}`);
  }
}

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
