import { BlockList, isIP } from 'node:net';
import type { Request } from 'express';
import type { ProxyConfig } from './config.ts';
import { hasControlCharacters } from './returnto.ts';

export interface ProxyIdentity {
  id: string;
  name: string;
  email?: string;
  groups: string[];
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

export function trustedProxyList(cidrs: readonly string[]): BlockList {
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

/**
 * The identity a trusted forward-auth proxy asserted. Only the TCP peer counts (never X-Forwarded-For):
 * from any other address the headers are ignored and the request is anonymous.
 */
export function identityFromProxy(
  req: Request,
  config: ProxyConfig,
  trusted: BlockList,
): ProxyIdentity | null {
  if (!isTrustedPeer(trusted, req.socket.remoteAddress)) return null;
  const first = (names: readonly string[]) => {
    for (const name of names) {
      const value = req.get(name)?.trim();
      if (value && value.length <= 256 && !hasControlCharacters(value)) return value;
    }
    return undefined;
  };
  const id = first(config.userHeaders);
  if (!id) return null;
  const groups = (first(config.groupsHeaders) ?? '')
    .split(config.groupsSeparator)
    .map((group) => group.trim())
    .filter(Boolean);
  return { id, name: first(config.nameHeaders) ?? id, email: first(config.emailHeaders), groups };
}
