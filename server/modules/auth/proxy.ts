import type { BlockList } from 'node:net';
import type { Request } from 'express';
import { isTrustedPeer } from '../../platform/net.ts';
import type { ProxyConfig } from './config.ts';
import { hasControlCharacters } from './returnto.ts';

export interface ProxyIdentity {
  id: string;
  name: string;
  email?: string;
  groups: string[];
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
