import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parseCookie as parseCookies } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';
import { ApiError } from './errors.ts';
import { publicOriginOf, secureCookies } from './hosts.ts';

export const CSRF_COOKIE = 'labdeck_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Csrf {
  /** The middleware for /api: mutating requests need the token and a same-site Origin. */
  protect: RequestHandler;
  /**
   * Gives the browser its CSRF token cookie when it has none: on every /api request, and on SPA pages
   * (which carry boot data, so the SPA may send its first change before any API read).
   */
  ensureCookie(req: Request, res: Response): void;
}

/**
 * Double-submit CSRF protection plus an Origin check for every mutating request that a browser
 * could send with cookies. Requests that carry only a bearer token and no cookie (OpenLineage
 * producers, scripts) cannot be forged by another site and pass. With `publicUrl` set, Origin must be
 * exactly that origin; without it, the origin of the host the request came to (which hosts.ts has
 * already checked against the allowed names, so a DNS-rebound page cannot pass by naming itself).
 */
export function createCsrf(publicUrl: string | undefined, exemptPaths: readonly string[] = []): Csrf {
  const isExempt = (path: string) => exemptPaths.some((prefix) => path.startsWith(prefix));
  const publicOrigin = publicOriginOf(publicUrl);
  const secure = secureCookies(publicUrl);
  const ensureCookie = (req: Request, res: Response) => {
    if (parseCookies(req.headers.cookie ?? '')[CSRF_COOKIE]) return;
    res.cookie(CSRF_COOKIE, randomBytes(24).toString('base64url'), {
      httpOnly: false,
      sameSite: 'lax',
      secure: secure(req),
      path: '/',
    });
  };
  const protect: RequestHandler = (req, res, next) => {
    const cookies = parseCookies(req.headers.cookie ?? '');
    ensureCookie(req, res);
    if (SAFE_METHODS.has(req.method)) return next();
    if (!req.headers.cookie && /^Bearer\s/i.test(req.get('authorization') ?? '')) return next();
    if (!req.headers.cookie && isExempt(req.path)) return next();
    if (!originAllowed(req, publicOrigin)) throw new ApiError(403, 'csrf', 'Cross-site request refused');
    const token = req.get(CSRF_HEADER) ?? '';
    const expected = cookies[CSRF_COOKIE] ?? '';
    if (!expected || !equal(token, expected))
      throw new ApiError(403, 'csrf', 'Missing or invalid CSRF token');
    next();
  };
  return { protect, ensureCookie };
}

function originAllowed(req: Request, publicOrigin: string | undefined): boolean {
  const origin = req.get('origin');
  if (!origin) return true;
  if (publicOrigin) return origin === publicOrigin;
  try {
    const url = new URL(origin);
    return url.origin === origin && url.host === req.get('host');
  } catch {
    return false;
  }
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
