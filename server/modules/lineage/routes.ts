import type { Router } from 'express';
import { validate } from '../../platform/validate.ts';
import type { LineageConfig } from './config.ts';
import {
  columnsQuery,
  graphQuery,
  nodeQuery,
  type RecentJobs,
  recentQuery,
  type SearchResults,
  searchQuery,
} from './contract.ts';
import type { LineageService } from './service.ts';

export function lineageRoutes(router: Router, service: LineageService, config: LineageConfig) {
  const { maxNodes } = config.graph;
  router.get('/lineage', validate({ query: graphQuery(config.graph) }), async (req, res) => {
    res.json(await service.lineage({ ...req.query, maxNodes }));
  });

  router.get('/lineage/columns', validate({ query: columnsQuery }), async (req, res) => {
    const q = req.query;
    res.json(await service.columns(q.nodeId, q.field, q.depth, q.asOf));
  });

  router.get('/lineage/search', validate({ query: searchQuery }), (req, res) => {
    const q = req.query;
    res.json({ results: service.search(q.q, q.limit, q.kind) } satisfies SearchResults);
  });

  router.get('/lineage/recent', validate({ query: recentQuery }), (req, res) => {
    res.json({ jobs: service.recentJobs(req.query.limit) } satisfies RecentJobs);
  });

  router.get('/lineage/node', validate({ query: nodeQuery }), async (req, res) => {
    res.json(await service.detail(req.query.nodeId, req.query.asOf));
  });

  router.get('/lineage/range', async (_req, res) => {
    res.json(await service.timeRange());
  });
}
