import path from 'node:path';
import type { Request } from 'express';
import { isDocumentRequest } from '../../platform/boot.ts';
import type { AppConfig } from '../../platform/config/schema.ts';
import { migrationsIn } from '../../platform/db/migrate.ts';
import { type ConfigCheckProblem, defineServerModule } from '../../platform/module.ts';
import { type AuthConfig, authSection } from './config.ts';
import { authRoutes } from './routes.ts';
import { createAuthService } from './service.ts';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/**
 * Sign-in for the whole BFF: OIDC (code + PKCE, sessions in PostgreSQL, tokens server-side only),
 * forward-auth proxy headers from trusted addresses, or none (local admin, loopback only).
 */
export const authModule = defineServerModule({
  name: 'auth',
  config: { key: 'auth', schema: authSection, check: checkAuthConfig },
  migrations: () => migrationsIn('auth', path.join(import.meta.dirname, 'migrations')),
  create(ctx, config: AuthConfig) {
    const service = createAuthService(ctx, config);
    /** Page requests whose caller was identified (only those get the session as boot data). */
    const identified = new WeakSet<Request>();
    return {
      identify: async (req, res, next) => {
        // originalUrl: the forward-auth routes run this inside the router mounted at /api.
        if (req.originalUrl.startsWith('/api/')) await service.identify(req, res);
        else if (isDocumentRequest(req)) {
          // An SPA page carries the caller's session (boot data); when identifying fails the page
          // still loads, without it, and the SPA asks /api/session as it always did.
          try {
            await service.identify(req, res);
            identified.add(req);
          } catch (error) {
            (req.log ?? ctx.log).warn({ err: error }, 'could not identify the caller of a page');
          }
        }
        next();
      },
      routes: (router) => authRoutes(router, ctx, service),
      publicPaths: ['/session', '/auth/'],
      // OpenID Connect back-channel logout: the provider posts without cookies or a CSRF token.
      csrfExemptPaths: ['/auth/backchannel-logout/'],
      bootData: (req) => (identified.has(req) ? { '/session': service.describeSession(req) } : undefined),
      stop: service.stop,
    };
  },
});

/** Rules across sections, checked before anything starts (platform/config/app-config.ts). */
function checkAuthConfig(auth: AuthConfig, config: AppConfig): ConfigCheckProblem[] {
  const host = config.server.host;
  const problems: ConfigCheckProblem[] = [];
  if (auth.mode === 'none' && !LOOPBACK.test(host) && !auth.allowRemoteWithoutAuth) {
    problems.push({
      path: ['auth', 'mode'],
      message: `authentication is off (mode: none), so Labdeck listens on loopback only, but server.host is ${host}. Configure auth.mode oidc or proxy, listen on 127.0.0.1, or set auth.allowRemoteWithoutAuth: true to expose it without sign-in.`,
    });
  }
  const cookie = cookieDomainProblem(config.server.publicUrl, auth.session.cookieDomain);
  return cookie ? [...problems, cookie] : problems;
}

/** A cookie for a domain the public URL is not under would be refused by every browser: say so at start. */
function cookieDomainProblem(
  publicUrl: string | undefined,
  domain: string | undefined,
): ConfigCheckProblem | null {
  if (!domain || !publicUrl) return null;
  const host = new URL(publicUrl).hostname.toLowerCase();
  if (host === domain || host.endsWith(`.${domain}`)) return null;
  return {
    path: ['auth', 'session', 'cookieDomain'],
    message: `${domain} does not contain server.publicUrl's host ${host}: browsers would refuse the session cookie. Use a domain ${host} is under.`,
  };
}
