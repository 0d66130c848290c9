import type { Router } from 'express';
import { requireUser } from '../../platform/access.ts';
import { apiRoutes } from '../../platform/api-routes.ts';
import { audit } from '../../platform/audit.ts';
import type { ModuleContext } from '../../platform/module.ts';
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
  const routes = apiRoutes(router);

  routes.get('/streams/clusters', { summary: 'Kafka clusters with their overview' }, (_req, res) => {
    res.json({ clusters: service.clusters() });
  });

  routes.get('/streams/clusters/:id', { summary: 'One cluster', params: clusterParams }, (req, res) => {
    const { id } = req.params;
    res.json(service.clusters().find((c) => c.id === id) ?? service.view(id));
  });

  routes.get(
    '/streams/clusters/:id/topics',
    { summary: "A cluster's topics with live rates", params: clusterParams, query: listQuery },
    (req, res) => {
      res.json(topicList(service.view(req.params.id), req.query));
    },
  );

  routes.get(
    '/streams/clusters/:id/topics/:name',
    { summary: 'A topic with its partitions and consumer groups', params: topicParams },
    (req, res) => {
      const { id, name } = req.params;
      const detail: TopicDetail = { cluster: clusterRef(service.view(id)), ...service.topic(id, name) };
      res.json(detail);
    },
  );

  routes.get(
    '/streams/clusters/:id/topics/:name/configs',
    { summary: "A topic's configuration", params: topicParams },
    async (req, res) => {
      res.json({ configs: await service.topicConfigs(req.params.id, req.params.name) });
    },
  );

  routes.get(
    '/streams/clusters/:id/topics/:name/series',
    { summary: "A topic's message and byte rates over time", params: topicParams, query: seriesQuery },
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

  routes.get(
    '/streams/clusters/:id/topics/:name/messages',
    {
      summary: "Peek at a topic's last messages (audited; nothing committed)",
      roles: ['operator'],
      params: topicParams,
      query: peekQuery,
    },
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

  routes.get(
    '/streams/clusters/:id/groups',
    { summary: "A cluster's consumer groups with lag", params: clusterParams, query: listQuery },
    (req, res) => {
      res.json(groupList(service.view(req.params.id), req.query));
    },
  );

  routes.get(
    '/streams/clusters/:id/groups/:group',
    { summary: 'A consumer group with its partitions', params: groupParams },
    (req, res) => {
      const { id, group } = req.params;
      const detail: GroupDetail = { cluster: clusterRef(service.view(id)), group: service.group(id, group) };
      res.json(detail);
    },
  );

  routes.get(
    '/streams/clusters/:id/groups/:group/series',
    { summary: "A group's lag over time", params: groupParams, query: seriesQuery },
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
