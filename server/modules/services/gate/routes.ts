import type { Request, Response, Router } from 'express';
import { apiRoutes } from '../../../platform/api-routes.ts';
import { audit } from '../../../platform/audit.ts';
import type { ApiErrorBody } from '../../../platform/contract.ts';
import type { ModuleContext } from '../../../platform/module.ts';
import type { Gate, GateDecision } from './rules.ts';

/** One audit entry per user (or address) and service per this long: a denied UI loads many assets. */
const AUDIT_EVERY_MS = 60_000;
const MAX_URL = 8_192;

/**
 * The forward-auth gate, for reverse proxies: `/gate/auth` answers 200/401/403 (nginx auth_request);
 * `/gate/forward` sends browser navigations to the sign-in or denied page itself (Traefik
 * forwardAuth and Caddy forward_auth pass its answer to the browser). Identity comes only from the
 * caller's Labdeck session (the cookie the browser sent the UI); no header can stand in for it.
 */
export function gateRoutes(router: Router, ctx: ModuleContext, gate: () => Gate): void {
  const audited = new Map<string, number>();
  const publicUrl = ctx.config.server.publicUrl?.replace(/\/+$/, '');

  function answer(req: Request, res: Response, redirects: boolean): Response {
    res.setHeader('Cache-Control', 'no-store');
    if (ctx.openAccess)
      return refuse(res, 403, 'gate_off', 'The forward-auth gate needs sign-in (auth.mode oidc or proxy)');
    if (!publicUrl)
      return refuse(res, 503, 'gate_unconfigured', 'The forward-auth gate needs server.publicUrl');
    const original = originalRequest(req);
    if (typeof original === 'string') return refuse(res, 400, 'bad_request', original);
    const decision = gate().decide(req.user, original.url, original.rawPath);
    const navigation = redirects && isNavigation(req, original.method);
    switch (decision.kind) {
      case 'allow':
        return res.set(decision.headers).set('X-Labdeck-Service', decision.service.id).status(200).end();
      case 'public':
        return res.set('X-Labdeck-Service', decision.service.id).status(200).end();
      case 'sign-in': {
        const signIn = `${publicUrl}/signin?${new URLSearchParams({ returnTo: original.url.href })}`;
        if (navigation) return res.status(302).location(signIn).end();
        res.set('X-Labdeck-Sign-In', signIn);
        return refuse(res, 401, 'unauthorized', `Sign in at Labdeck to open ${decision.service.name}`);
      }
      default: {
        const name = decision.kind === 'deny' ? decision.service.name : original.url.host;
        const denied = `${publicUrl}/denied?${new URLSearchParams({ service: name, url: original.url.href })}`;
        auditDenial(req, decision, original.url);
        if (navigation) return res.status(302).location(denied).end();
        res.set('X-Labdeck-Denied', denied);
        return refuse(res, 403, 'forbidden', decision.reason);
      }
    }
  }

  function auditDenial(
    req: Request,
    decision: Exclude<GateDecision, { kind: 'allow' | 'public' | 'sign-in' }>,
    url: URL,
  ) {
    const service = decision.kind === 'deny' ? decision.service.id : url.host;
    const key = `${req.user?.id ?? req.ip}\n${service}`;
    const now = Date.now();
    if (now - (audited.get(key) ?? 0) < AUDIT_EVERY_MS) return;
    if (audited.size > 10_000) audited.clear();
    audited.set(key, now);
    audit(ctx, req, 'gate.denied', {
      service,
      host: url.host,
      path: url.pathname.slice(0, 500),
      reason: decision.reason,
    }).catch((error) => ctx.log.warn({ err: error }, 'could not audit a gate denial'));
  }

  const routes = apiRoutes(router);
  const question = {
    access: 'public',
    media: [],
    description:
      'Asked by a reverse proxy (nginx auth_request, Traefik/Caddy forward auth) with the original request in ' +
      'X-Forwarded-* headers, for any method: 200 with identity headers, 401/403 otherwise.',
  } as const;
  routes.all(
    '/gate/auth',
    { ...question, summary: 'Forward-auth question (401 when signed out)' },
    (req, res) => answer(req, res, false),
  );
  routes.all(
    '/gate/forward',
    { ...question, summary: 'Forward-auth question (redirects to sign-in)' },
    (req, res) => answer(req, res, true),
  );
}

interface OriginalRequest {
  url: URL;
  /** The path as the browser sent it, before URL parsing resolved dot segments. */
  rawPath: string;
  method: string;
}

/** What the proxy says the browser asked: X-Original-URL, or X-Forwarded-Proto/-Host/-Uri. */
function originalRequest(req: Request): OriginalRequest | string {
  const method = (req.get('x-original-method') ?? req.get('x-forwarded-method') ?? 'GET').toUpperCase();
  const originalUrl = req.get('x-original-url');
  let text: string;
  if (originalUrl) text = originalUrl;
  else {
    const host = firstOf(req.get('x-forwarded-host'));
    if (!host) return 'The proxy sent neither X-Original-URL nor X-Forwarded-Host';
    const proto = firstOf(req.get('x-forwarded-proto')) ?? 'http';
    const uri = req.get('x-forwarded-uri') ?? '/';
    if (!uri.startsWith('/')) return 'X-Forwarded-Uri must start with /';
    text = `${proto}://${host}${uri}`;
  }
  if (text.length > MAX_URL) return 'The original URL is too long';
  const raw = /^(https?):\/\/[^/?#]+([^?#]*)/i.exec(text);
  if (!raw) return `The original URL is not an absolute http(s) URL: ${text.slice(0, 200)}`;
  try {
    return { url: new URL(text), rawPath: raw[2] || '/', method };
  } catch {
    return `The original URL is not valid: ${text.slice(0, 200)}`;
  }
}

const firstOf = (value: string | undefined) => value?.split(',')[0]?.trim() || undefined;

/** A browser loading a page (not a script's fetch): worth sending to a page rather than a status. */
const isNavigation = (req: Request, method: string) =>
  (method === 'GET' || method === 'HEAD') && (req.get('accept') ?? '').includes('text/html');

const refuse = (res: Response, status: number, code: string, message: string): Response =>
  res.status(status).json({ error: { code, message } } satisfies ApiErrorBody);
