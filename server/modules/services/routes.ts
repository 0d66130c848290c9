import type { Router } from 'express';
import { requireUser } from '../../platform/access.ts';
import { apiRoutes } from '../../platform/api-routes.ts';
import { notFound } from '../../platform/errors.ts';
import { sendJsonBody } from '../../platform/json-body.ts';
import { checkShotParams, favouriteIds, historyQuery, serviceParams } from './contract.ts';
import type { ServicesService } from './service.ts';

export function servicesRoutes(router: Router, service: ServicesService): void {
  router.use('/services', requireUser);
  const routes = apiRoutes(router);

  routes.get(
    '/services',
    { summary: 'The services the caller may see, by group, with their health' },
    (req, res) => {
      sendJsonBody(req, res, service.listFor(req.user!));
    },
  );

  routes.get(
    '/services/discovery',
    { summary: 'What service discovery found and the problems it met', roles: ['admin'] },
    (_req, res) => {
      res.json(service.discovery());
    },
  );

  routes.get(
    '/services/favourites',
    { summary: "The caller's favourite services", response: favouriteIds },
    async (req, res) => {
      res.json({ ids: await service.favourites(req.user!) });
    },
  );

  routes.put(
    '/services/favourites/:id',
    { summary: 'Add a favourite service', params: serviceParams, status: 204 },
    async (req, res) => {
      await service.addFavourite(req.user!, req.params.id);
      res.status(204).end();
    },
  );

  routes.delete(
    '/services/favourites/:id',
    { summary: 'Remove a favourite service', params: serviceParams, status: 204 },
    async (req, res) => {
      await service.removeFavourite(req.user!, req.params.id);
      res.status(204).end();
    },
  );

  routes.get(
    '/services/:id/history',
    {
      summary: "A service's health history, in buckets, and its failures",
      params: serviceParams,
      query: historyQuery,
    },
    async (req, res) => {
      const { from, to } = req.query;
      res.json(await service.history(req.user!, req.params.id, from, to));
    },
  );

  routes.get(
    '/services/:id/checks',
    { summary: "A service's browser checks: last report and screenshots", params: serviceParams },
    async (req, res) => {
      const found = service.find(req.user!, req.params.id);
      if (!found) throw notFound(`No service ${req.params.id}`);
      res.json(await service.browserChecks.list(req.user!, found));
    },
  );

  routes.get(
    '/services/:id/checks/:shot',
    {
      summary: 'A browser check screenshot (`<n>.png|jpg`) or failure trace (`<n>.zip`)',
      params: checkShotParams,
      media: ['image/png', 'image/jpeg', 'application/zip'],
    },
    async (req, res) => {
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
    },
  );
}
