import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import compression from 'compression';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
  Router,
} from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { z } from 'zod';
import { apiGuard } from './access.ts';
import { apiRoutes, type DocumentedRoute, documentedRoutesOf, type RouteMethod } from './api-routes.ts';
import { precompressedAssets } from './assets.ts';
import {
  bootScriptText,
  collectBootAnswers,
  indexHtmlReader,
  isDocumentRequest,
  withBootData,
} from './boot.ts';
import { type Csrf, createCsrf } from './csrf.ts';
import { apiNotFound, errorHandler, httpStatus, notFound } from './errors.ts';
import type { SseHub } from './events/sse.ts';
import { type HostPolicy, hostCheck, hostPolicy } from './hosts.ts';
import { httpMetrics, labelRoute } from './metrics.ts';
import type { ModuleContext, RunningModule } from './module.ts';
import { type ApiOperation, openApiDocument } from './openapi.ts';
import { healthRoutes, metricsAccess, metricsRoute } from './ops.ts';
import { requestId } from './request-id.ts';
import { pageRenderer, SSR_ENTRY, withAppMarkup } from './ssr.ts';
import { LABDECK_VERSION } from './version.ts';

export interface AppOptions {
  /** The started modules, in start order. */
  modules: readonly RunningModule[];
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
  app.use(httpMetrics(ctx.metrics));
  const { server } = ctx.config;
  const policy = hostPolicy(server.publicUrl, server.allowedHosts);
  const operations: ApiOperation[] = [];
  app.use(forwardAuthLane(modules, policy, operations));
  for (const handler of securityHeaders()) app.use(handler);
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
  app.use(
    compression({
      filter: (req, res) => !isStream(res.getHeader('Content-Type')) && compression.filter(req, res),
    }),
  );
  app.use(healthRoutes(ctx));
  app.use(hostCheck(policy));
  if (server.metrics.port === undefined) app.use(metricsRoute(ctx.metrics, [metricsAccessFor(ctx)]));
  for (const module of modules) if (module.identify) app.use(module.identify);
  for (const module of modules)
    for (const handler of module.middleware ?? []) {
      app.use(handler);
      operations.push(...documentedAs(module.name, '', documentedRoutesOf(handler)));
    }

  const csrf = createCsrf(
    server.publicUrl,
    modules.flatMap((module) => module.csrfExemptPaths ?? []),
  );
  const csrfExempt = modules.flatMap((module) => module.csrfExemptPaths ?? []).map((p) => `/api${p}`);
  app.use('/api', apiRouter(ctx, modules, sse, csrf, { operations, csrfExempt }));
  if (staticDir && existsSync(path.join(staticDir, 'index.html')))
    serveSpa(app, staticDir, ctx, modules, sse, csrf);
  app.use(errorHandler(ctx.log));
  return app;
}

/**
 * The forward-auth routes, which a reverse proxy calls for every request (every asset) of every UI it
 * guards. Only what their answer needs runs, the `Host` check and the caller's identity, and they are
 * found by one lookup of the exact path rather than by Express's router: at thousands of checks a
 * second, matching, params and the chain of layers cost more than the answer itself.
 */
function forwardAuthLane(
  modules: readonly RunningModule[],
  policy: HostPolicy,
  operations: ApiOperation[],
): RequestHandler {
  const lanes = new Map<string, { method: RouteMethod; chain: readonly RequestHandler[] }>();
  const before = [
    hostCheck(policy, { forwardedIsData: true }),
    ...modules.flatMap((module) => (module.identify ? [module.identify] : [])),
  ];
  for (const module of modules) {
    if (!module.forwardAuth) continue;
    const router = Router();
    module.forwardAuth.routes(router);
    const routes = documentedAs(module.name, '/api', documentedRoutesOf(router));
    for (const route of routes) {
      if (/[:*?()]/.test(route.path))
        throw new Error(`forward-auth route ${route.path} must be a plain path`);
      lanes.set(route.path, { method: route.method, chain: [...before, ...route.chain] });
    }
    operations.push(...routes);
  }
  const lane: RequestHandler = (req, res, next) => {
    const query = req.url.indexOf('?');
    const path = (query === -1 ? req.url : req.url.slice(0, query)).replace(/(.)\/$/, '$1');
    const found = lanes.get(path);
    if (!found || (found.method !== 'all' && found.method !== req.method.toLowerCase())) return next();
    labelRoute(req, path);
    runChain(found.chain, req, res, next);
  };
  laneRoutes.set(
    lane,
    [...lanes].map(([path, { method }]) => ({ method, path })),
  );
  return lane;
}

const laneRoutes = new WeakMap<object, { method: RouteMethod; path: string }[]>();

/** The routes a handler answers without being Express routes (`forwardAuthLane`), for the API listing's test. */
export const laneRoutesOf = (handler: object) => laneRoutes.get(handler) ?? [];

/** Runs `chain` as Express would run a route's handlers; an error, or the chain's end, goes to `done`. */
function runChain(
  chain: readonly RequestHandler[],
  req: Request,
  res: Response,
  done: (error?: unknown) => void,
): void {
  let at = 0;
  const next = (error?: unknown): void => {
    const handler = chain[at++];
    if (error !== undefined || !handler) {
      done(error);
      return;
    }
    try {
      const result: unknown = handler(req, res, next);
      if (result instanceof Promise) result.catch(done);
    } catch (thrown) {
      done(thrown);
    }
  };
  next();
}

/** Who may read /metrics, on whichever port serves it (runtime.ts starts the separate one). */
export function metricsAccessFor({ config: { server } }: ModuleContext): RequestHandler {
  return metricsAccess(server.metrics, server.trustProxy !== false && server.trustProxy !== 0);
}

/** The separate listener of `server.metrics.port`: /metrics and nothing else. */
export function createMetricsApp(ctx: ModuleContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.server.trustProxy);
  app.use(metricsRoute(ctx.metrics, ctx.config.server.metrics.token ? [metricsAccessFor(ctx)] : []));
  app.use(apiNotFound);
  app.use(errorHandler(ctx.log));
  return app;
}

/**
 * Every /api route: answers are never cached; anonymous callers are refused (JSON 401) before their
 * body is read, except on paths a module declared public (access.ts allowAnonymous), whose bodies
 * get a small limit (the lineage ingest reads its own, under lineage.ingest.bodyLimit).
 */
function apiRouter(
  ctx: ModuleContext,
  modules: readonly RunningModule[],
  sse: SseHub,
  csrf: Csrf,
  docs: { operations: ApiOperation[]; csrfExempt: string[] },
): Router {
  const api = Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(apiGuard(modules.flatMap((module) => module.publicPaths ?? [])));
  api.use(csrf.protect);
  const signedInJson = express.json({ limit: ctx.config.server.bodyLimit });
  const anonymousJson = express.json({ limit: ANONYMOUS_BODY_LIMIT });
  api.use((req, res, next) => (req.user ? signedInJson : anonymousJson)(req, res, next));
  const registerAs = (tag: string, register: () => void) => {
    const before = documentedRoutesOf(api).length;
    register();
    docs.operations.push(...documentedAs(tag, '/api', documentedRoutesOf(api).slice(before)));
  };
  const document = () => openApiDocument({ version: LABDECK_VERSION, ...docs });
  registerAs('platform', () => platformRoutes(api, sse, document));
  for (const module of modules) registerAs(module.name, () => module.routes?.(api));
  api.use(apiNotFound);
  return api;
}

/** The platform's own /api routes: the live channel and this API's description (built once, on first ask). */
function platformRoutes(api: Router, sse: SseHub, document: () => unknown): void {
  const routes = apiRoutes(api);
  routes.get(
    '/events',
    {
      summary: 'Live updates (Server-Sent Events)',
      description:
        'Messages `{ topic, type, data }` of the topics asked (comma-separated; all when none); resumes ' +
        'after the `Last-Event-ID` header (or `lastEventId`), or sends `reset` when it cannot.',
      query: eventsQuery,
      media: ['text/event-stream'],
    },
    sse.handler(),
  );
  let built: unknown;
  routes.get('/openapi.json', { summary: 'This API as an OpenAPI 3.1 document' }, (_req, res) => {
    built ??= document();
    res.json(built);
  });
}

const eventsQuery = z.object({
  topics: z.string().max(1000).optional(),
  lastEventId: z.string().max(100).optional(),
});

/** Routes of one module (or the platform) with their full paths, as the API document lists them. */
const documentedAs = (tag: string, prefix: string, routes: readonly DocumentedRoute[]): ApiOperation[] =>
  routes.map((route) => ({ ...route, path: `${prefix}${route.path}`, tag }));

const ANONYMOUS_BODY_LIMIT = '32kb';

/**
 * CSP and friends. Scripts, stylesheets and workers come from this origin only (Monaco's and ELK's
 * workers may start from blob: URLs). Style elements need this response's nonce: Monaco writes its
 * theme into `<style>` elements and the Mermaid export carries one in its SVG; the SPA gives them the
 * nonce it finds in `<meta name="csp-nonce">` (src/shared/csp-nonce.ts), so injected markup cannot
 * bring its own stylesheet. Inline `style` attributes stay allowed: the server-rendered first screen
 * and the charts position elements with them.
 */
function securityHeaders(): RequestHandler[] {
  const nonce: RequestHandler = (_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    next();
  };
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        styleSrcElem: ["'self'", (_req, res) => `'nonce-${(res as Response).locals.cspNonce}'`],
        styleSrcAttr: ["'unsafe-inline'"],
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
  return [nonce, headers];
}

/** index.html with this response's style nonce where the SPA looks for it. */
function withStyleNonce(html: string, nonce: string): string {
  return html.replace(/<head>/i, `<head>\n    <meta name="csp-nonce" content="${nonce}" />`);
}

/**
 * Hashed assets cache for a year; index.html never (a deploy is picked up on the next navigation, and
 * a navigation's copy carries the caller's boot data: platform/boot.ts).
 */
function serveSpa(
  app: Express,
  dir: string,
  ctx: ModuleContext,
  modules: readonly RunningModule[],
  sse: SseHub,
  csrf: Csrf,
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
  // serve-static answers 403 to a path that climbs out (`/assets/..%2f...`): there is no such asset.
  app.use('/assets', ((error, _req, _res, next) =>
    next(httpStatus(error) === 403 ? notFound() : error)) as ErrorRequestHandler);
  app.use(express.static(dir, { index: false, maxAge: '1h' }));
  const indexHtml = indexHtmlReader(path.join(dir, 'index.html'));
  const renderPage = pageRenderer(path.join(dir, SSR_ENTRY), ctx.log);
  app.get('/{*path}', async (req, res, next) => {
    if (!req.accepts('html')) return next();
    let html = await indexHtml();
    if (isDocumentRequest(req)) {
      // The live position first: events during the collection are replayed to the page, not lost.
      const liveEventId = sse.currentId();
      const answers = await collectBootAnswers(modules, req, req.log ?? ctx.log);
      // The first screen rendered from the same answers (pages that opt in; null otherwise): platform/ssr.ts.
      const markup = await renderPage(req, answers);
      html = withBootData(html, bootScriptText(answers, liveEventId));
      if (markup) html = withAppMarkup(html, markup);
      csrf.ensureCookie(req, res);
    }
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept, Cookie');
    res.type('html').send(withStyleNonce(html, res.locals.cspNonce as string));
  });
}

const isStream = (type: unknown) => typeof type === 'string' && /text\/event-stream|ndjson/.test(type);
const isQuiet = (url = '') =>
  url.startsWith('/healthz') ||
  url.startsWith('/readyz') ||
  url.startsWith('/metrics') ||
  url.startsWith('/assets/');
