import type { RequestHandler } from 'express';
import { forbidden, unauthorized } from './errors.ts';
import type { User } from './identity.ts';

/**
 * The one access policy of the BFF. The auth module establishes `req.user`; `apiGuard` (mounted once in
 * app.ts before every module's routes) refuses anonymous requests; routes add `requireRole` where a
 * role is needed, and lists filter with `visibleTo`. `admin` may do everything.
 */

/** True when the user holds one of `roles`; an empty or absent list means everyone signed in. */
export function hasAnyRole(user: User | undefined, roles: readonly string[] | undefined): boolean {
  if (!user) return false;
  if (!roles || roles.length === 0 || user.roles.includes('admin')) return true;
  return roles.some((role) => user.roles.includes(role));
}

/** A resource's access rule, e.g. a SQL connection: who may use it, and who only read-only. */
export interface AccessRule {
  /** Roles with full use; empty or absent: everyone signed in. */
  roles?: readonly string[];
  /** Roles with read-only use (never more than `roles` would give). */
  readOnlyRoles?: readonly string[];
}

export type AccessLevel = 'none' | 'read' | 'write';

/** `write` for `roles` (and admins), `read` for `readOnlyRoles`, `none` for everyone else. */
export function accessLevel(user: User | undefined, rule: AccessRule): AccessLevel {
  if (!user) return 'none';
  const hasFullList = Boolean(rule.roles?.length);
  if (user.roles.includes('admin') || (hasFullList && hasAnyRole(user, rule.roles))) return 'write';
  if (rule.readOnlyRoles?.length && rule.readOnlyRoles.some((role) => user.roles.includes(role)))
    return 'read';
  return hasFullList || rule.readOnlyRoles?.length ? 'none' : 'write';
}

/** The items of a list the user may see (items without `roles` are visible to everyone signed in). */
export function visibleTo<T extends { roles?: readonly string[] }>(
  user: User | undefined,
  items: readonly T[],
): T[] {
  return items.filter((item) => hasAnyRole(user, item.roles));
}

/**
 * A guard that fits before any route handler, whatever its validated params, query and body types
 * (it reads only `req.user`).
 */
// biome-ignore lint/suspicious/noExplicitAny: a guard is indifferent to the route's input types
type Guard = RequestHandler<any, any, any, any>;

export const requireUser: Guard = (req, _res, next) => {
  if (!req.user) throw unauthorized();
  next();
};

export function requireRole(...roles: string[]): Guard {
  return (req, _res, next) => {
    if (!req.user) throw unauthorized();
    if (!hasAnyRole(req.user, roles)) throw forbidden(`Requires one of the roles: ${roles.join(', ')}`);
    next();
  };
}

/**
 * Refuses every anonymous /api request (JSON 401, never an HTML redirect) except on the paths modules
 * declared public (`ModuleInstance.publicPaths`: `/session` or a prefix ending in `/`).
 */
export function apiGuard(publicPaths: readonly string[]): RequestHandler {
  for (const path of publicPaths)
    if (!path.startsWith('/')) throw new Error(`public API path ${path} must start with /`);
  const isPublic = (path: string) =>
    publicPaths.some(
      (prefix) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`),
    );
  return (req, _res, next) => {
    if (req.user || isPublic(req.path)) return next();
    throw unauthorized();
  };
}
