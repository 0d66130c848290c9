import type { Request, RequestHandler, Response, Router } from 'express';
import express from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { apiRoutes } from '../../platform/api-routes.ts';
import { audit, queryAudit } from '../../platform/audit.ts';
import { ApiError, badRequest, notFound } from '../../platform/errors.ts';
import type { ModuleContext } from '../../platform/module.ts';
import { PgRateLimitStore } from '../../platform/rate-limit.ts';
import { type AuditPage, auditQuery, backchannelLogoutBody, loginQuery, sessionParams } from './contract.ts';
import { SignInError } from './oidc.ts';
import { safeReturnTo } from './returnto.ts';
import type { AuthService } from './service.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const tooMany =
  (what: string): RequestHandler =>
  (_req, _res, next) =>
    next(new ApiError(429, 'rate_limited', `Too many ${what}; try again in a minute`));
const clientKey = (req: Request) => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');

export function authRoutes(router: Router, ctx: ModuleContext, auth: AuthService): void {
  const { config } = auth;
  const loginLimiter = rateLimit({
    windowMs: 60_000,
    limit: config.rateLimit.loginPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: clientKey,
    handler: (req, res, next) => tooMany('sign-in attempts')(req, res, next),
    // Counted in PostgreSQL across replicas; a failing count lets the request through (it fails on its own).
    store: new PgRateLimitStore(ctx.db, 'login'),
    passOnStoreError: true,
    validate: false,
  });
  const writeLimiter = rateLimit({
    windowMs: 60_000,
    limit: config.rateLimit.writesPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: (req) => SAFE_METHODS.has(req.method),
    keyGenerator: (req) => (req.user ? `user:${req.user.id}` : clientKey(req)),
    handler: (req, res, next) => tooMany('changes')(req, res, next),
    store: new PgRateLimitStore(ctx.db, 'writes'),
    passOnStoreError: true,
    validate: false,
  });
  router.use(writeLimiter);
  const routes = apiRoutes(router);
  const signIn = { access: 'public', use: [loginLimiter], status: 303 } as const;

  routes.get(
    '/session',
    { summary: "The caller's session and the sign-in options", access: 'public' },
    (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json(auth.describeSession(req));
    },
  );

  routes.get(
    '/auth/login',
    {
      ...signIn,
      summary: 'Start signing in (redirects to the provider)',
      query: loginQuery,
      checkedByHandler: true,
    },
    async (req, res) => {
      const returnTo = safeReturnTo(req.query.returnTo, ctx.returnTargets);
      if (config.mode !== 'oidc') return res.redirect(303, returnTo);
      try {
        const provider = typeof req.query.provider === 'string' ? req.query.provider : undefined;
        res.setHeader('Cache-Control', 'no-store');
        res.redirect(303, await auth.startLogin(req, res, provider, returnTo));
      } catch (error) {
        failSignIn(req, res, error, returnTo);
      }
    },
  );

  routes.get(
    '/auth/callback',
    { ...signIn, summary: "The OpenID provider's redirect back (redirects into the app)" },
    async (req, res) => {
      if (config.mode !== 'oidc') throw notFound();
      try {
        res.setHeader('Cache-Control', 'no-store');
        res.redirect(303, await auth.finishLogin(req, res));
      } catch (error) {
        await audit(ctx, req, 'auth.login_failed', {
          reason: error instanceof SignInError ? error.code : 'error',
        }).catch(() => {});
        failSignIn(req, res, error, '/');
      }
    },
  );

  routes.post('/auth/logout', { summary: 'Sign out here', access: 'public' }, async (req, res) => {
    res.json({ redirect: await auth.logout(req, res, false) });
  });

  routes.post(
    '/auth/logout-everywhere',
    { summary: 'Sign out of every session of the caller', access: 'public' },
    async (req, res) => {
      res.json({ redirect: await auth.logout(req, res, true) });
    },
  );

  // OpenID Connect Back-Channel Logout: the provider tells us a user signed out there.
  routes.post(
    '/auth/backchannel-logout/:provider',
    {
      summary: 'OpenID Connect Back-Channel Logout (called by the provider)',
      access: 'public',
      use: [express.urlencoded({ extended: false, limit: '32kb' })],
      body: backchannelLogoutBody,
      bodyMedia: 'application/x-www-form-urlencoded',
      checkedByHandler: true,
      media: [],
    },
    async (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      const provider = auth.providers.get(String(req.params.provider));
      if (config.mode !== 'oidc' || !provider?.config.backchannelLogout) throw notFound();
      const token = (req.body as Record<string, unknown> | undefined)?.logout_token;
      if (typeof token !== 'string') throw badRequest('logout_token is required');
      let claims: Awaited<ReturnType<typeof provider.verifyLogoutToken>>;
      try {
        claims = await provider.verifyLogoutToken(token);
      } catch (error) {
        throw badRequest(`Invalid logout token: ${(error as Error).message}`);
      }
      const users = await auth.store.revokeByIdp(provider.config.id, claims.sid, claims.sub);
      for (const user of new Set(users)) {
        await audit(
          ctx,
          req,
          'auth.backchannel_logout',
          { provider: provider.config.id, sessions: users.filter((u) => u === user).length },
          { id: user, name: user },
        );
      }
      res.status(200).end();
    },
  );

  routes.get('/admin/sessions', { summary: 'Active sessions', roles: ['admin'] }, async (_req, res) => {
    res.json({ items: await auth.store.listActive(config.session.idleTimeoutMinutes) });
  });

  routes.delete(
    '/admin/sessions/:id',
    { summary: 'End a session (audited)', roles: ['admin'], params: sessionParams, status: 204 },
    async (req, res) => {
      const { id } = req.params;
      const ended = await auth.store.revokeByPublicId(id, `ended by ${req.user!.id}`);
      if (!ended) throw notFound('No active session with this id');
      await audit(ctx, req, 'auth.session_ended', { session: id, user: ended.user_id });
      res.status(204).end();
    },
  );

  routes.get(
    '/admin/audit',
    { summary: 'The audit log, newest first', roles: ['admin'], query: auditQuery },
    async (req, res) => {
      const q = req.query;
      const from = q.from ? new Date(q.from) : undefined;
      const to = q.to ? new Date(q.to) : undefined;
      res.json(
        (await queryAudit(ctx.db, {
          ...q,
          user: q.user || undefined,
          action: q.action || undefined,
          from,
          to,
        })) satisfies AuditPage,
      );
    },
  );

  function failSignIn(req: Request, res: Response, error: unknown, returnTo: string) {
    const code = error instanceof SignInError ? error.code : 'error';
    (req.log ?? ctx.log).warn({ err: error, code }, 'sign-in failed');
    const target = new URLSearchParams({ error: code });
    if (returnTo !== '/') target.set('returnTo', returnTo);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, `/signin?${target}`);
  }
}
