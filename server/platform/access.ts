import type { RequestHandler } from 'express';
import { forbidden, unauthorized } from './errors.ts';
import type { User } from './identity.ts';

/** True when the user holds one of `roles`; an empty or absent list means everyone signed in. */
export function hasAnyRole(user: User | undefined, roles: readonly string[] | undefined): boolean {
  if (!user) return false;
  if (!roles || roles.length === 0 || user.roles.includes('admin')) return true;
  return roles.some((role) => user.roles.includes(role));
}

export const requireUser: RequestHandler = (req, _res, next) => {
  if (!req.user) throw unauthorized();
  next();
};

export function requireRole(...roles: string[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.user) throw unauthorized();
    if (!hasAnyRole(req.user, roles)) throw forbidden(`Requires one of the roles: ${roles.join(', ')}`);
    next();
  };
}
