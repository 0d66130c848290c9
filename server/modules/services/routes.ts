import type { Router } from 'express';
import { requireRole, requireUser } from '../../platform/access.ts';
import { notFound } from '../../platform/errors.ts';
import { sendJsonBody } from '../../platform/json-body.ts';
import { validate } from '../../platform/validate.ts';
import { checkShotParams, historyQuery, serviceParams } from './contract.ts';
import type { ServicesService } from './service.ts';

export function servicesRoutes(router: Router, service: ServicesService): void {
  router.use('/services', requireUser);

  router.get('/services', (req, res) => {
    sendJsonBody(req, res, service.listFor(req.user!));
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

  router.get('/services/:id/checks', validate({ params: serviceParams }), async (req, res) => {
    const found = service.find(req.user!, req.params.id);
    if (!found) throw notFound(`No service ${req.params.id}`);
    res.json(await service.browserChecks.list(req.user!, found));
  });

  router.get('/services/:id/checks/:shot', validate({ params: checkShotParams }), async (req, res) => {
    const found = service.find(req.user!, req.params.id);
    if (!found) throw notFound(`No service ${req.params.id}`);
    if (req.params.shot.endsWith('.zip')) {
      const zip = await service.browserChecks.trace(req.user!, found, req.params.shot);
      const name = `${found.id}-check-${Number.parseInt(req.params.shot, 10)}-trace.zip`;
      res
        .set({
          'content-type': 'application/zip',
          'content-disposition': `attachment; filename="${name}"`,
          'cache-control': 'private, max-age=86400, immutable',
        })
        .send(zip);
      return;
    }
    const shot = await service.browserChecks.image(req.user!, found, req.params.shot);
    res
      .set({ 'content-type': shot.mime, 'cache-control': 'private, max-age=86400, immutable' })
      .send(shot.image);
  });
}
