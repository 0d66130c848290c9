import type { Router } from 'express';
import { apiRoutes } from '../../platform/api-routes.ts';
import type { LineageConfig } from './config.ts';
import {
  columnsQuery,
  graphQuery,
  lineageGraph,
  nodeQuery,
  type RecentJobs,
  recentJobs,
  recentQuery,
  type SearchResults,
  searchQuery,
  searchResults,
  timeRange,
} from './contract.ts';
import type { LineageService } from './service.ts';

export function lineageRoutes(router: Router, service: LineageService, config: LineageConfig) {
  const { maxNodes } = config.graph;
  const routes = apiRoutes(router);
  routes.get(
    '/lineage',
    {
      summary: 'The lineage graph around a node, now or as of a past time',
      query: graphQuery(config.graph),
      response: lineageGraph,
    },
    async (req, res) => {
      res.json(await service.lineage({ ...req.query, maxNodes }));
    },
  );

  routes.get(
    '/lineage/columns',
    { summary: 'Column-level lineage around one field', query: columnsQuery },
    async (req, res) => {
      const q = req.query;
      res.json(await service.columns(q.nodeId, q.field, q.depth, q.asOf));
    },
  );

  routes.get(
    '/lineage/search',
    { summary: 'Find jobs and datasets by name', query: searchQuery, response: searchResults },
    (req, res) => {
      const q = req.query;
      res.json({ results: service.search(q.q, q.limit, q.kind) } satisfies SearchResults);
    },
  );

  routes.get(
    '/lineage/recent',
    { summary: 'Jobs whose runs changed state last', query: recentQuery, response: recentJobs },
    (req, res) => {
      res.json({ jobs: service.recentJobs(req.query.limit) } satisfies RecentJobs);
    },
  );

  routes.get(
    '/lineage/node',
    { summary: 'A job or dataset in detail', query: nodeQuery },
    async (req, res) => {
      res.json(await service.detail(req.query.nodeId, req.query.asOf));
    },
  );

  routes.get(
    '/lineage/range',
    { summary: 'The first and last event times stored', response: timeRange },
    async (_req, res) => {
      res.json(await service.timeRange());
    },
  );
}
