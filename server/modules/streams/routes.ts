import type { Router } from 'express';
import { requireRole, requireUser } from '../../platform/access.ts';
import { audit } from '../../platform/audit.ts';
import type { ModuleContext } from '../../platform/module.ts';
import { validate } from '../../platform/validate.ts';
import {
  clusterParams,
  type GroupDetail,
  groupParams,
  listQuery,
  peekQuery,
  type Series,
  seriesQuery,
  type TopicDetail,
  topicParams,
} from './contract.ts';
import { clusterRef, groupList, topicList } from './lists.ts';
import type { StreamsService } from './service.ts';

/** GET only: Labdeck never writes to the user's Kafka. */
export function streamsRoutes(router: Router, ctx: ModuleContext, service: StreamsService): void {
  router.use('/streams', requireUser);

  router.get('/streams/clusters', (_req, res) => {
    res.json({ clusters: service.clusters() });
  });

  router.get('/streams/clusters/:id', validate({ params: clusterParams }), (req, res) => {
    const { id } = req.params;
    res.json(service.clusters().find((c) => c.id === id) ?? service.view(id));
  });

  router.get(
    '/streams/clusters/:id/topics',
    validate({ params: clusterParams, query: listQuery }),
    (req, res) => {
      res.json(topicList(service.view(req.params.id), req.query));
    },
  );

  router.get('/streams/clusters/:id/topics/:name', validate({ params: topicParams }), (req, res) => {
    const { id, name } = req.params;
    const detail: TopicDetail = { cluster: clusterRef(service.view(id)), ...service.topic(id, name) };
    res.json(detail);
  });

  router.get(
    '/streams/clusters/:id/topics/:name/configs',
    validate({ params: topicParams }),
    async (req, res) => {
      res.json({ configs: await service.topicConfigs(req.params.id, req.params.name) });
    },
  );

  router.get(
    '/streams/clusters/:id/topics/:name/series',
    validate({ params: topicParams, query: seriesQuery }),
    async (req, res) => {
      const { range } = req.query;
      const series: Series = {
        range,
        columns: ['t', 'msgsPerSec', 'bytesPerSec'],
        ...(await service.topicSeries(req.params.id, req.params.name, range)),
      };
      res.json(series);
    },
  );

  router.use('/streams/clusters/:id/topics/:name/messages', requireRole('operator'));
  router.get(
    '/streams/clusters/:id/topics/:name/messages',
    validate({ params: topicParams, query: peekQuery }),
    async (req, res) => {
      const { id, name } = req.params;
      const { partition, limit } = req.query;
      await audit(ctx, req, 'streams.peek', {
        cluster: id,
        topic: name,
        partition: partition ?? null,
        limit,
      });
      const messages = await service.peek(id, name, partition, limit);
      res.setHeader('Cache-Control', 'no-store');
      res.json({ messages });
    },
  );

  router.get(
    '/streams/clusters/:id/groups',
    validate({ params: clusterParams, query: listQuery }),
    (req, res) => {
      res.json(groupList(service.view(req.params.id), req.query));
    },
  );

  router.get('/streams/clusters/:id/groups/:group', validate({ params: groupParams }), (req, res) => {
    const { id, group } = req.params;
    const detail: GroupDetail = { cluster: clusterRef(service.view(id)), group: service.group(id, group) };
    res.json(detail);
  });

  router.get(
    '/streams/clusters/:id/groups/:group/series',
    validate({ params: groupParams, query: seriesQuery }),
    async (req, res) => {
      const { range } = req.query;
      const series: Series = {
        range,
        columns: ['t', 'lag'],
        ...(await service.groupSeries(req.params.id, req.params.group, range)),
      };
      res.json(series);
    },
  );
}
