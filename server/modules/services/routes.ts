import type { Router } from 'express';
import { z } from 'zod';
import { requireRole, requireUser } from '../../platform/access.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import { SERVICE_ID } from './config.ts';
import type { ServicesService } from './service.ts';

const DAY = 86_400_000;

const historyQuery = z
  .strictObject({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .transform(({ from, to }) => {
    const end = to ? new Date(to) : new Date();
    return { from: from ? new Date(from) : new Date(end.getTime() - DAY), to: end };
  })
  .refine(({ from, to }) => from < to, 'from must be before to')
  .refine(
    ({ from, to }) => to.getTime() - from.getTime() <= 400 * DAY,
    'the range may span at most 400 days',
  );

function serviceId(value: unknown): string {
  if (typeof value !== 'string' || !SERVICE_ID.test(value)) throw badRequest('Invalid service id');
  return value;
}

export function servicesRoutes(router: Router, service: ServicesService): void {
  router.get('/services', requireUser, (req, res) => {
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

  /** Admin view of discovery: each source's state and the objects skipped with the reason. */
  router.get('/services/discovery', requireRole('admin'), (_req, res) => {
    res.json({
      sources: service.catalog.sourceStatus(),
      problems: service.catalog.problems(),
      leader: service.isLeader,
    });
  });

  router.get('/services/favourites', requireUser, async (req, res) => {
    res.json({ ids: await service.store.favourites(req.user!.id) });
  });

  router.put('/services/favourites/:id', requireUser, async (req, res) => {
    const id = serviceId(req.params.id);
    if (!service.find(req.user!, id)) throw notFound(`No service ${id}`);
    await service.store.addFavourite(req.user!.id, id);
    res.status(204).end();
  });

  router.delete('/services/favourites/:id', requireUser, async (req, res) => {
    await service.store.removeFavourite(req.user!.id, serviceId(req.params.id));
    res.status(204).end();
  });

  router.get('/services/:id/history', requireUser, async (req, res) => {
    const id = serviceId(req.params.id);
    if (!service.find(req.user!, id)) throw notFound(`No service ${id}`);
    const parsed = historyQuery.safeParse(req.query);
    if (!parsed.success) {
      throw badRequest(
        'Invalid history query',
        parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      );
    }
    const { from, to } = parsed.data;
    const [buckets, failures] = await Promise.all([
      service.store.history(id, from, to),
      service.store.failures(id, from, to),
    ]);
    res.json({ id, from: from.toISOString(), to: to.toISOString(), buckets, failures });
  });
}
