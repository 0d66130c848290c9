import { readFileSync } from 'node:fs';
import { BlockList, createServer, isIP } from 'node:net';

const handedOut = new Set<number>();

/**
 * The first port of the kernel's range for outgoing connections (Linux); ports below it are not taken by
 * clients between the moment a port is found free and the moment a slow-starting server binds it.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 12_000 ? low : 0;
  } catch {
    return 0;
  }
}

function listensOn(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(undefined) : reject(error),
    );
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/**
 * A TCP port that was free on the loopback interface a moment ago, never the same one twice in a process.
 * Picked below the outgoing-connection range where there is one (a server that takes 15 s to bind, such as
 * Keycloak, otherwise loses its port to a client connection now and then); the kernel's choice otherwise.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; low && attempt < 50; attempt++) {
    const candidate = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (handedOut.has(candidate)) continue;
    handedOut.add(candidate);
    if ((await listensOn(candidate, host)) !== undefined) return candidate;
    handedOut.delete(candidate);
  }
  const port = await listensOn(0, host);
  if (port === undefined) throw new Error('no free port');
  handedOut.add(port);
  return port;
}

/** Parses `10.0.0.0/8`, `fd00::/8` or a single address; returns an error message when malformed. */
export function parseCidr(
  text: string,
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | string {
  const [rawAddress, rawPrefix, ...rest] = text.trim().split('/');
  const address = normalizeAddress(rawAddress ?? '');
  const version = isIP(address);
  if (rest.length || !version) return `${JSON.stringify(text)} is not an IP address or CIDR`;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  const prefix = rawPrefix === undefined ? max : /^\d{1,3}$/.test(rawPrefix) ? Number(rawPrefix) : Number.NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
    return `${JSON.stringify(text)} has an invalid prefix length`;
  return { address, prefix, family };
}

/** `::ffff:10.1.2.3` (an IPv4 peer on a dual-stack socket) is the IPv4 address it wraps. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** A BlockList of the given CIDRs or addresses (throws on a malformed one; config schemas check first). */
export function addressList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const parsed = parseCidr(cidr);
    if (typeof parsed === 'string') throw new Error(parsed);
    list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list;
}

export function isTrustedPeer(list: BlockList, peer: string | undefined): boolean {
  if (!peer) return false;
  const address = normalizeAddress(peer);
  const version = isIP(address);
  return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}
