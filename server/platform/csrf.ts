import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parseCookie as parseCookies } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';
import { ApiError } from './errors.ts';

export const CSRF_COOKIE = 'labdeck_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Double-submit CSRF protection plus an Origin check for every mutating request that a browser
 * could send with cookies. Requests that carry only a bearer token and no cookie (OpenLineage
 * producers, scripts) cannot be forged by another site and pass.
 */
export function csrfProtection(): RequestHandler {
  return (req, res, next) => {
    const cookies = parseCookies(req.headers.cookie ?? '');
    ensureCsrfCookie(req, res);
    if (SAFE_METHODS.has(req.method)) return next();
    if (!req.headers.cookie && /^Bearer\s/i.test(req.get('authorization') ?? '')) return next();
    if (!req.headers.cookie && isExempt(req.path)) return next();
    if (!sameOrigin(req)) throw new ApiError(403, 'csrf', 'Cross-site request refused');
    const token = req.get(CSRF_HEADER) ?? '';
    const expected = cookies[CSRF_COOKIE] ?? '';
    if (!expected || !equal(token, expected))
      throw new ApiError(403, 'csrf', 'Missing or invalid CSRF token');
    next();
  };
}

/**
 * Gives the browser its CSRF token cookie when it has none: on every /api request, and on SPA pages
 * (which carry boot data, so the SPA may send its first change before any API read).
 */
export function ensureCsrfCookie(req: Request, res: Response): void {
  if (parseCookies(req.headers.cookie ?? '')[CSRF_COOKIE]) return;
  res.cookie(CSRF_COOKIE, randomBytes(24).toString('base64url'), {
    httpOnly: false,
    sameSite: 'lax',
    secure: req.secure,
    path: '/',
  });
}

const exemptPrefixes = new Set<string>();

/**
 * Server-to-server endpoints (relative to /api) that cookie-less callers POST to without a CSRF token,
 * e.g. OIDC back-channel logout. Requests that carry cookies are still checked.
 */
export function exemptFromCsrf(prefix: string): void {
  exemptPrefixes.add(prefix);
}

const isExempt = (path: string) => [...exemptPrefixes].some((prefix) => path.startsWith(prefix));

function sameOrigin(req: Request): boolean {
  const origin = req.get('origin');
  if (!origin) return true;
  try {
    return new URL(origin).host === req.get('host');
  } catch {
    return false;
  }
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
