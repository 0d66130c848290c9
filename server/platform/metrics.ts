import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export function createMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'labdeck_' });
  return registry;
}

/** Request duration by method, route pattern (never the raw URL, to keep cardinality bounded) and status. */
export function httpMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'labdeck_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  return (req, res, next) => {
    const end = duration.startTimer();
    res.once('finish', () => {
      const route =
        (req as Request & { [ROUTE_LABEL]?: string })[ROUTE_LABEL] ??
        (req.route?.path
          ? `${req.baseUrl}${req.route.path}`
          : req.path.startsWith('/api')
            ? 'api:unmatched'
            : 'static');
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

const ROUTE_LABEL = Symbol('route label');

/** The route label of a request answered without Express's router (app.ts `forwardAuthLane`). */
export function labelRoute(req: Request, route: string): void {
  (req as Request & { [ROUTE_LABEL]?: string })[ROUTE_LABEL] = route;
}
