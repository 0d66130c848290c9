import { hasAnyRole } from '../../../platform/access.ts';
import type { User } from '../../../platform/identity.ts';
import type { ServiceAccess } from '../config.ts';
import type { ServiceDef } from '../types.ts';

export type IdentityHeader = NonNullable<ServiceAccess['headers']>[number];

/** The identity headers the gate can hand to a UI, by the names `access.headers` uses. */
export const IDENTITY_HEADERS: Record<IdentityHeader, string> = {
  user: 'X-Forwarded-User',
  email: 'X-Forwarded-Email',
  groups: 'X-Forwarded-Groups',
  preferredUsername: 'X-Forwarded-Preferred-Username',
};

/** Who may enter a service through the forward-auth gate (a service's `access`, defaults filled in). */
export interface AccessRule {
  /** `name` or `name:port`, lower case; without a port any port matches. */
  hosts: string[];
  /** Path prefixes the service owns on those hosts. */
  paths: string[];
  roles: string[];
  /** Path prefixes anyone may reach without signing in. */
  publicPaths: string[];
  headers: IdentityHeader[];
}

export type GateDecision =
  | { kind: 'allow'; service: ServiceDef; headers: Record<string, string> }
  | { kind: 'public'; service: ServiceDef }
  | { kind: 'sign-in'; service: ServiceDef }
  | { kind: 'deny'; service: ServiceDef; reason: string }
  | { kind: 'unknown'; reason: string };

interface CompiledRule {
  service: ServiceDef;
  rule: AccessRule;
}

/** The rule of a service: its `access`, else its URL's host, the whole host, its roles and every header. */
export function accessRuleOf(service: ServiceDef): AccessRule {
  const url = new URL(service.url);
  return {
    hosts: (service.access?.hosts ?? [url.host]).map((host) => host.toLowerCase().replace(/\.$/, '')),
    paths: service.access?.paths ?? ['/'],
    roles: service.access?.roles ?? service.roles,
    publicPaths: service.access?.publicPaths ?? [],
    headers: service.access?.headers ?? (Object.keys(IDENTITY_HEADERS) as IdentityHeader[]),
  };
}

/**
 * Answers a reverse proxy's "may this request through?" for the services Home lists: the same
 * services and roles decide both what Home shows and what the gate opens.
 */
export class Gate {
  readonly #rules: CompiledRule[];
  /** The rules naming each host entry (`name` or `name:port`), in declaration order. */
  readonly #byHost = new Map<string, CompiledRule[]>();

  constructor(services: readonly ServiceDef[]) {
    this.#rules = services.map((service) => ({ service, rule: accessRuleOf(service) }));
    for (const compiled of this.#rules)
      for (const host of new Set(compiled.rule.hosts))
        this.#byHost.set(host, [...(this.#byHost.get(host) ?? []), compiled]);
  }

  /** True when some service's access names this URL's host (a sign-in may return there). */
  owns(url: URL): boolean {
    return (url.protocol === 'http:' || url.protocol === 'https:') && this.#onHost(url).length > 0;
  }

  /**
   * `rawPath` is the path as the browser sent it: a path that is not plain (dot segments, `;`,
   * encoded slashes or dots) may mean another path to the UI than to us, so it is never public and
   * must pass the rules of every service on that host.
   */
  decide(user: User | undefined, url: URL, rawPath: string): GateDecision {
    const onHost = this.#onHost(url);
    if (onHost.length === 0) return { kind: 'unknown', reason: `No service declares the host ${url.host}` };
    const plain = isPlainPath(rawPath);
    const owner = longestMatch(onHost, url.pathname);
    if (!owner) return { kind: 'unknown', reason: `No service owns ${url.host}${url.pathname}` };
    if (plain && owner.rule.publicPaths.some((prefix) => underPrefix(url.pathname, prefix)))
      return { kind: 'public', service: owner.service };
    if (!user) return { kind: 'sign-in', service: owner.service };
    const mustPass = plain ? [owner] : onHost;
    const refused = mustPass.find(({ rule }) => !hasAnyRole(user, rule.roles));
    if (refused)
      return {
        kind: 'deny',
        service: owner.service,
        reason: `${owner.service.name} needs one of the roles: ${refused.rule.roles.join(', ')}`,
      };
    return { kind: 'allow', service: owner.service, headers: identityHeaders(user, owner.rule.headers) };
  }

  #onHost(url: URL): CompiledRule[] {
    const name = url.hostname.toLowerCase().replace(/\.$/, '');
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const byName = this.#byHost.get(name);
    const byNameAndPort = this.#byHost.get(`${name}:${port}`);
    if (!byName || !byNameAndPort) return byName ?? byNameAndPort ?? [];
    return this.#rules.filter((rule) => byName.includes(rule) || byNameAndPort.includes(rule));
  }
}

function longestMatch(rules: CompiledRule[], path: string): CompiledRule | undefined {
  let best: CompiledRule | undefined;
  let bestLength = -1;
  for (const compiled of rules)
    for (const prefix of compiled.rule.paths)
      if (underPrefix(path, prefix) && prefix.length > bestLength) {
        best = compiled;
        bestLength = prefix.length;
      }
  return best;
}

/** `/ui` owns `/ui`, `/ui/` and `/ui/x`, not `/uix`; `/` owns everything. */
function underPrefix(path: string, prefix: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix) || path === prefix.slice(0, -1);
  return path === prefix || path.startsWith(`${prefix}/`);
}

const NOT_PLAIN = /(^|\/)\.\.?(\/|$)|;|%2e|%2f|%5c|\\/i;

/** No dot segments, matrix parameters, encoded dots or slashes, or backslashes. */
export const isPlainPath = (rawPath: string): boolean => !NOT_PLAIN.test(rawPath);

function identityHeaders(user: User, wanted: readonly IdentityHeader[]): Record<string, string> {
  const values: Record<IdentityHeader, string | undefined> = {
    user: user.id,
    email: user.email,
    groups: user.groups?.join(','),
    preferredUsername: user.id,
  };
  const headers: Record<string, string> = {};
  for (const name of wanted) {
    const value = values[name];
    if (value) headers[IDENTITY_HEADERS[name]] = headerSafe(value);
  }
  return headers;
}

/** Printable ASCII as it is; anything else percent-encoded (a header cannot carry it safely). */
const headerSafe = (value: string): string =>
  /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
