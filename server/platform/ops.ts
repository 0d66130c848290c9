import { Router } from 'express';
import type { ModuleContext } from './module.ts';

/** Process liveness, database readiness and Prometheus metrics, outside /api and its middleware. */
export function opsRoutes({ db, metrics }: ModuleContext): Router {
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
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  return router;
}
