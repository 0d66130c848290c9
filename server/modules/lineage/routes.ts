import type { Router } from 'express';
import { z } from 'zod';
import { badRequest } from '../../platform/errors.ts';
import type { LineageConfig } from './config.ts';
import type { LineageService } from './service.ts';

const nodeId = z
  .string()
  .min(1)
  .max(10_000)
  .regex(/^(job|dataset):/, 'expected a node id like dataset:<namespace>:<name> or job:<namespace>:<name>');
const asOf = z.iso
  .datetime({ offset: true, error: 'expected an ISO 8601 date-time with a time zone' })
  .optional();

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw badRequest('Invalid query', {
    problems: result.error.issues.map((i) => ({
      parameter: i.path.join('.'),
      message: i.message.replace(/^Invalid input: /, ''),
    })),
  });
}

const toDate = (value: string | undefined) => (value ? new Date(value) : null);

export function lineageRoutes(router: Router, service: LineageService, config: LineageConfig) {
  const lineageQuery = z.strictObject({
    nodeId,
    depth: z.coerce.number().int().min(0).max(config.graph.maxDepth).default(2),
    direction: z.enum(['up', 'down', 'both']).default('both'),
    asOf,
    pageSize: z.coerce.number().int().min(1).max(10_000).default(config.graph.pageSize),
    offset: z.coerce.number().int().min(0).default(0),
  });
  router.get('/lineage', async (req, res) => {
    const q = parse(lineageQuery, req.query);
    res.json(await service.lineage({ ...q, asOf: toDate(q.asOf), maxNodes: config.graph.maxNodes }));
  });

  const columnsQuery = z.strictObject({
    nodeId,
    field: z.string().min(1).max(1024),
    depth: z.coerce.number().int().min(1).max(50).default(10),
    asOf,
  });
  router.get('/lineage/columns', async (req, res) => {
    const q = parse(columnsQuery, req.query);
    res.json(await service.columns(q.nodeId, q.field, q.depth, toDate(q.asOf)));
  });

  const searchQuery = z.strictObject({
    q: z.string().max(200).default(''),
    kind: z.enum(['job', 'dataset']).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  });
  router.get('/lineage/search', (req, res) => {
    const q = parse(searchQuery, req.query);
    res.json({ results: service.search(q.q, q.limit, q.kind) });
  });

  router.get('/lineage/node', async (req, res) => {
    const q = parse(z.strictObject({ nodeId, asOf }), req.query);
    res.json(await service.detail(q.nodeId, toDate(q.asOf)));
  });

  router.get('/lineage/range', async (_req, res) => {
    res.json(await service.timeRange());
  });
}
