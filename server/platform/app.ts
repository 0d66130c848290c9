import { existsSync } from 'node:fs';
import path from 'node:path';
import compression from 'compression';
import express, { type Express, type RequestHandler, Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { apiGuard } from './access.ts';
import { precompressedAssets } from './assets.ts';
import {
  bootScriptText,
  collectBootAnswers,
  indexHtmlReader,
  isDocumentRequest,
  withBootData,
} from './boot.ts';
import { csrfProtection, ensureCsrfCookie } from './csrf.ts';
import { apiNotFound, errorHandler } from './errors.ts';
import type { SseHub } from './events/sse.ts';
import { httpMetrics } from './metrics.ts';
import type { ModuleContext, ServerModule } from './module.ts';
import { opsRoutes } from './ops.ts';
import { requestId } from './request-id.ts';
import { pageRenderer, SSR_ENTRY, withAppMarkup } from './ssr.ts';

export interface AppOptions {
  modules: readonly ServerModule[];
  sse: SseHub;
  /** The built SPA (vite build output); omitted in API-only tests. */
  staticDir?: string;
}

export function createApp(ctx: ModuleContext, { modules, sse, staticDir }: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.server.trustProxy);
  app.set('query parser', 'simple');
  app.use(requestId());
  app.use(securityHeaders());
  app.use(
    pinoHttp({
      logger: ctx.log,
      genReqId: (req) => String(req.id),
      autoLogging: { ignore: (req) => isQuiet(req.url) },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
    }),
  );
  app.use(httpMetrics(ctx.metrics));
  app.use(
    compression({
      filter: (req, res) => !isStream(res.getHeader('Content-Type')) && compression.filter(req, res),
    }),
  );
  app.use(opsRoutes(ctx));
  for (const module of modules) for (const handler of module.middleware?.(ctx) ?? []) app.use(handler);

  const api = Router();
  api.use(csrfProtection());
  api.use(express.json({ limit: ctx.config.server.bodyLimit }));
  // Every /api route needs a signed-in user unless a module declared it public (access.ts allowAnonymous).
  api.use(apiGuard());
  api.get('/events', sse.handler());
  for (const module of modules) module.routes?.(api, ctx);
  api.use(apiNotFound);
  app.use('/api', api);

  if (staticDir && existsSync(path.join(staticDir, 'index.html')))
    serveSpa(app, staticDir, ctx, modules, sse);
  app.use(errorHandler(ctx.log));
  return app;
}

/**
 * CSP and friends. Monaco needs inline styles; Monaco's and ELK's workers may start from blob: URLs.
 * Everything else comes from this origin only.
 */
function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        workerSrc: ["'self'", 'blob:'],
        // Service icons may be any http(s) image URL (services.groups[].services[].icon).
        imgSrc: ["'self'", 'data:', 'blob:', 'https:', 'http:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'same-origin' },
  });
}

/**
 * Hashed assets cache for a year; index.html never (a deploy is picked up on the next navigation, and
 * a navigation's copy carries the caller's boot data: platform/boot.ts).
 */
function serveSpa(
  app: Express,
  dir: string,
  ctx: ModuleContext,
  modules: readonly ServerModule[],
  sse: SseHub,
): void {
  app.use('/assets', precompressedAssets(path.join(dir, 'assets')));
  app.use(
    '/assets',
    express.static(path.join(dir, 'assets'), {
      immutable: true,
      maxAge: '1y',
      index: false,
      fallthrough: false,
    }),
  );
  app.use(express.static(dir, { index: false, maxAge: '1h' }));
  const indexHtml = indexHtmlReader(path.join(dir, 'index.html'));
  const renderPage = pageRenderer(path.join(dir, SSR_ENTRY), ctx.log);
  app.get('/{*path}', async (req, res, next) => {
    if (!req.accepts('html')) return next();
    let html = await indexHtml();
    if (isDocumentRequest(req)) {
      // The live position first: events during the collection are replayed to the page, not lost.
      const liveEventId = sse.currentId();
      const answers = await collectBootAnswers(modules, ctx, req, req.log ?? ctx.log);
      // The first screen rendered from the same answers (pages that opt in; null otherwise): platform/ssr.ts.
      const markup = await renderPage(req, answers);
      html = withBootData(html, bootScriptText(answers, liveEventId));
      if (markup) html = withAppMarkup(html, markup);
      ensureCsrfCookie(req, res);
    }
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept, Cookie');
    res.type('html').send(html);
  });
}

const isStream = (type: unknown) => typeof type === 'string' && /text\/event-stream|ndjson/.test(type);
const isQuiet = (url = '') =>
  url.startsWith('/healthz') ||
  url.startsWith('/readyz') ||
  url.startsWith('/metrics') ||
  url.startsWith('/assets/');
