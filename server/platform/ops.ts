import { createHash, timingSafeEqual } from 'node:crypto';
import { type RequestHandler, Router } from 'express';
import type { Registry } from 'prom-client';
import type { ServerConfig } from './config/schema.ts';
import { ApiError } from './errors.ts';
import type { ModuleContext } from './module.ts';
import { addressList, isTrustedPeer } from './net.ts';

/**
 * Process liveness and database readiness, outside /api and its middleware and served to any host name
 * (orchestrators probe by pod IP or service name); they tell nothing but up or down.
 */
export function healthRoutes({ db }: ModuleContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await db.ping();
      res.json({ status: 'ready', database: 'up' });
    } catch (error) {
      res.status(503).json({ status: 'unavailable', database: 'down', error: (error as Error).message });
    }
  });
  return router;
}

/** GET /metrics: Prometheus text, for whoever the `access` checks let through. */
export function metricsRoute(metrics: Registry, access: RequestHandler[]): Router {
  const router = Router();
  router.get('/metrics', ...access, async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  return router;
}

/**
 * Who may read /metrics (`server.metrics`): with a `token`, callers that send it as a bearer token;
 * otherwise clients whose address is in `allowFrom` (loopback by default). The address is the one
 * Express derives under `trustProxy`; a request that came through a proxy Labdeck does not trust
 * (it carries forwarding headers) is refused, since its TCP peer is the proxy, not the client.
 */
export function metricsAccess(config: ServerConfig['metrics'], trustsProxy: boolean): RequestHandler {
  const token = config.token ? digest(config.token) : null;
  const allowed = addressList(config.allowFrom);
  return (req, _res, next) => {
    if (token) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
      if (given && timingSafeEqual(digest(given), token)) return next();
      throw new ApiError(401, 'unauthorized', 'Metrics need the bearer token of server.metrics.token');
    }
    const forwarded = Boolean(req.get('x-forwarded-for') || req.get('forwarded'));
    if ((!forwarded || trustsProxy) && isTrustedPeer(allowed, req.ip)) return next();
    throw new ApiError(
      403,
      'forbidden',
      'Metrics are served to server.metrics.allowFrom addresses only (or set server.metrics.token)',
    );
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest();
