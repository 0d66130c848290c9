import type { Router } from 'express';
import { requireRole, requireUser } from '../../platform/access.ts';
import { validate } from '../../platform/validate.ts';
import { historyQuery, serviceParams } from './contract.ts';
import type { ServicesService } from './service.ts';

export function servicesRoutes(router: Router, service: ServicesService): void {
  router.use('/services', requireUser);

  router.get('/services', (req, res) => {
    const body = service.listFor(req.user!);
    res.setHeader('Cache-Control', 'private, no-cache');
    res.setHeader('ETag', body.etag);
    res.setHeader('Vary', 'Accept-Encoding, Cookie');
    if (req.get('if-none-match') === body.etag) {
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    const bytes = gzip ? body.gzip : body.json;
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', bytes.length);
    res.end(bytes);
  });

  router.get('/services/discovery', requireRole('admin'), (_req, res) => {
    res.json(service.discovery());
  });

  router.get('/services/favourites', async (req, res) => {
    res.json({ ids: await service.favourites(req.user!) });
  });

  router.put('/services/favourites/:id', validate({ params: serviceParams }), async (req, res) => {
    await service.addFavourite(req.user!, req.params.id);
    res.status(204).end();
  });

  router.delete('/services/favourites/:id', validate({ params: serviceParams }), async (req, res) => {
    await service.removeFavourite(req.user!, req.params.id);
    res.status(204).end();
  });

  router.get(
    '/services/:id/history',
    validate({ params: serviceParams, query: historyQuery }),
    async (req, res) => {
      const { from, to } = req.query;
      res.json(await service.history(req.user!, req.params.id, from, to));
    },
  );
}
