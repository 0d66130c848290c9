import { isIP } from 'node:net';
import type { Request, RequestHandler } from 'express';
import { ApiError } from './errors.ts';

/**
 * DNS rebinding protection. A page on `evil.example` whose name the attacker re-points at 127.0.0.1
 * talks to Labdeck as a same-origin page, with the `Host` and `Origin` it chooses; only the host
 * name it has to send gives it away. So every request must name a host Labdeck knows: the
 * `server.publicUrl` host, `server.allowedHosts`, loopback names, or an IP literal (a page can
 * only be served from an IP literal by whoever owns that address, so IPs cannot be rebound).
 */
export interface HostPolicy {
  /** True when `host` (a `Host` header value, port optional) is one Labdeck answers to. */
  allows(host: string | undefined): boolean;
}

const LOOPBACK_NAMES = new Set(['localhost']);

/**
 * `allowedHosts` entries are host names (`lab.example.com`) or, with a leading dot, a domain and
 * every name under it (`.lab.example.com`). Case and a trailing dot do not matter.
 */
export function hostPolicy(publicUrl: string | undefined, allowedHosts: readonly string[]): HostPolicy {
  const exact = new Set(LOOPBACK_NAMES);
  const suffixes = ['.localhost'];
  if (publicUrl) exact.add(normalizeName(new URL(publicUrl).hostname));
  for (const entry of allowedHosts) {
    const name = normalizeName(entry);
    if (name.startsWith('.')) {
      suffixes.push(name);
      exact.add(name.slice(1));
    } else exact.add(name);
  }
  const judge = (host: string | undefined): boolean => {
    const name = hostnameOf(host);
    if (name === null) return false;
    if (isIP(name.replace(/^\[|\]$/g, ''))) return true;
    return exact.has(name) || suffixes.some((suffix) => name.endsWith(suffix));
  };
  // Every request is judged, most by the same few Host values: parsing each as a URL again would be
  // a good part of a forward-auth answer's time. Bounded, since the client picks the header.
  const judged = new Map<string, boolean>();
  return {
    allows(host) {
      if (host === undefined) return false;
      let allowed = judged.get(host);
      if (allowed === undefined) {
        allowed = judge(host);
        if (judged.size >= 1_000) judged.clear();
        judged.set(host, allowed);
      }
      return allowed;
    },
  };
}

/**
 * Refuses requests addressed to an unknown host with 421 (Misdirected Request). Both the `Host` the
 * connection carried and, when a trusted proxy sent one, `X-Forwarded-Host` must be known: with
 * `trustProxy` covering loopback, a rebinding page on this machine could otherwise set the header.
 * With `forwardedIsData` (the forward-auth gate) `X-Forwarded-Host` names the host a proxy asks about,
 * not Labdeck's own: only `Host` is checked.
 */
export function hostCheck(policy: HostPolicy, { forwardedIsData = false } = {}): RequestHandler {
  return (req, _res, next) => {
    const direct = req.headers.host;
    const forwarded = forwardedIsData ? undefined : forwardedHost(req);
    if (policy.allows(direct) && (forwarded === undefined || policy.allows(forwarded))) return next();
    throw new ApiError(
      421,
      'unknown_host',
      'This host name is not served here; add it to server.allowedHosts or open Labdeck by its configured address',
    );
  };
}

/** The host a trusted proxy says the browser asked for, when Express trusts it and it differs. */
function forwardedHost(req: Request): string | undefined {
  const host = req.host;
  return host && host !== req.headers.host ? host : undefined;
}

/** `Evil.Example.:8080` -> `evil.example`; `[::1]:80` -> `[::1]`; null when it is no host at all. */
function hostnameOf(host: string | undefined): string | null {
  if (!host) return null;
  try {
    const url = new URL(`http://${host}`);
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return null;
    return normalizeName(url.hostname);
  } catch {
    return null;
  }
}

const normalizeName = (name: string) => name.trim().toLowerCase().replace(/\.$/, '');

/** The origin users open (`https://lab.example.com`), when `server.publicUrl` names one. */
export const publicOriginOf = (publicUrl: string | undefined): string | undefined =>
  publicUrl ? new URL(publicUrl).origin : undefined;

/**
 * Whether a cookie set for `req` must be `Secure`: when the connection is TLS as Express sees it, and
 * always when the public URL is https (a TLS proxy whose `X-Forwarded-Proto` is not trusted would
 * otherwise make Labdeck send session cookies that a plain-http request could carry).
 */
export function secureCookies(publicUrl: string | undefined): (req: Request) => boolean {
  const https = publicUrl !== undefined && new URL(publicUrl).protocol === 'https:';
  return (req) => https || req.secure;
}

/**
 * Absolute URLs outside Labdeck that a sign-in may send the browser back to. Modules add what they
 * own (the forward-auth gate adds its service hosts); anything else returns to a Labdeck path.
 */
export interface ReturnTargets {
  add(allows: (url: URL) => boolean): void;
  allows(url: URL): boolean;
}

export function createReturnTargets(): ReturnTargets {
  const predicates: ((url: URL) => boolean)[] = [];
  return {
    add: (allows) => void predicates.push(allows),
    allows: (url) => predicates.some((allows) => allows(url)),
  };
}
