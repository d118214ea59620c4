// What the Host-header guard must answer on a server bound to a loopback address, shared by
// test/holes-serve-host.test.ts (in-process servers) and test/e2e/holes-serve-host-supervised.test.ts (strata serve).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join, resolve } from 'node:path';

export const plate = join(resolve(__dirname, '..'), 'examples/plate');

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
export async function tryStart<T>(start: () => Promise<T>): Promise<T | undefined> {
  try {
    return await start();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return undefined;
    throw e;
  }
}

export async function checkGuard(address: string, port: number): Promise<void> {
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
