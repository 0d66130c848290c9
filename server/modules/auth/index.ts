import path from 'node:path';
import type { Request } from 'express';
import { isDocumentRequest } from '../../platform/boot.ts';
import { ConfigError } from '../../platform/config/errors.ts';
import { migrationsIn } from '../../platform/db/migrate.ts';
import { defineServerModule, type ModuleContext } from '../../platform/module.ts';
import { type AuthConfig, authSection } from './config.ts';
import { authRoutes } from './routes.ts';
import { type AuthService, createAuthService } from './service.ts';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/** One service per running Labdeck (tests run several in one process). */
const services = new WeakMap<ModuleContext, AuthService>();
/** Page requests whose caller was identified (only those get the session as boot data). */
const identified = new WeakSet<Request>();
const serviceOf = (ctx: ModuleContext) => {
  const service = services.get(ctx);
  if (!service) throw new Error('auth module not started');
  return service;
};

/**
 * Sign-in for the whole BFF: OIDC (code + PKCE, sessions in PostgreSQL, tokens server-side only),
 * forward-auth proxy headers from trusted addresses, or none (local admin, loopback only).
 */
export const authModule = defineServerModule({
  name: 'auth',
  config: { key: 'auth', schema: authSection },
  migrations: () => migrationsIn('auth', path.join(import.meta.dirname, 'migrations')),
  start(ctx) {
    const config = ctx.config.auth as AuthConfig;
    const host = ctx.config.server.host;
    if (config.mode === 'none' && !LOOPBACK.test(host) && !config.allowRemoteWithoutAuth) {
      throw new ConfigError([
        {
          file: ctx.configFile ?? '(defaults)',
          path: ['auth', 'mode'],
          message: `authentication is off (mode: none), so Labdeck listens on loopback only, but server.host is ${host}. Configure auth.mode oidc or proxy, listen on 127.0.0.1, or set auth.allowRemoteWithoutAuth: true to expose it without sign-in.`,
        },
      ]);
    }
    services.set(ctx, createAuthService(ctx, config));
  },
  middleware: (ctx) => {
    const service = serviceOf(ctx);
    return [
      async (req, res, next) => {
        if (req.path.startsWith('/api/')) await service.identify(req, res);
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
    ];
  },
  routes(router, ctx) {
    authRoutes(router, ctx, serviceOf(ctx));
  },
  bootData(req, ctx) {
    if (!identified.has(req)) return undefined;
    return { '/session': serviceOf(ctx).describeSession(req) };
  },
});
