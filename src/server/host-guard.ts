import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

// A page on any website can reach a loopback port through DNS rebinding (its own name made to resolve to
// 127.0.0.1); the Host header it sends is still its own name, so a loopback-bound server answers only Host
// headers naming a loopback host, with the port it is bound to. Which binds are loopback is decided on the
// address (all of 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.x.y.z; BlockList matches mapped addresses
// against IPv4 rules, node lib/internal/blocklist.js), never on a list of spellings: `--host 127.0.0.2` or
// `::ffff:127.0.0.1` once turned the guard off.
const LOOPBACK_NETS = new BlockList();
LOOPBACK_NETS.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK_NETS.addAddress('::1', 'ipv6');

function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOOPBACK_NETS.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Whether a server bound to `host` guards Host headers: always, except for an address literal outside
 * loopback (`0.0.0.0`, `::`, a LAN address), which is a deliberate exposure. A name fails closed; the
 * servers resolve names to the address they bind (bindAddress) before deciding.
 */
export function guardsHostHeader(host: string): boolean {
  return isIP(host) === 0 || isLoopbackAddress(host);
}

/**
 * A Host header a guarded server answers: `localhost` or a loopback address literal (`127.0.0.1`,
 * `[::1]`), with `port` (80 may be left out, as browsers do). `port` undefined: the caller checks it (the
 * render worker behind the supervisor's Unix socket).
 */
export function hostHeaderAllowed(header: string, port: number | undefined): boolean {
  const m = /^(?:\[([0-9a-fA-F:.]{2,45})\]|([A-Za-z0-9.-]{1,253}))(?::(\d{1,5}))?$/.exec(header);
  if (!m) return false;
  const loopback =
    m[1] !== undefined
      ? isIP(m[1]) === 6 && isLoopbackAddress(m[1])
      : m[2].toLowerCase() === 'localhost' || (isIP(m[2]) === 4 && isLoopbackAddress(m[2]));
  return loopback && (port === undefined || Number(m[3] ?? 80) === port);
}

/** The address a listen on `host` binds: what Node's net.Server.listen would resolve a name to (dns.lookup, first answer). */
export async function bindAddress(host: string): Promise<string> {
  return isIP(host) ? host : (await lookup(host)).address;
}
