import type { Request, Router } from 'express';
import { z } from 'zod';
import { requireRole, requireUser } from '../../platform/access.ts';
import { audit } from '../../platform/audit.ts';
import { badRequest } from '../../platform/errors.ts';
import type { ModuleContext } from '../../platform/module.ts';
import type { DecodedMessage, GroupSummary, StreamsService, TopicSummary } from './service.ts';

const clusterId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'unknown cluster id');
const topicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name');
const groupId = z.string().min(1).max(1024);

const listQuery = z.strictObject({
  q: z.string().max(200).optional(),
  sort: z.enum(['name', 'rate', 'size', 'partitions', 'lag', 'status']).default('name'),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(500),
  internal: z.enum(['true', 'false']).default('false'),
});
const seriesQuery = z.strictObject({ range: z.enum(['5m', '1h', '24h', '7d']).default('1h') });
const peekQuery = z.strictObject({
  partition: z.coerce.number().int().min(0).max(1_000_000).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(20),
});

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length ? `${what}.${issue.path.join('.')}` : what;
    throw badRequest(`${where}: ${issue.message}`, {
      issues: result.error.issues.map((i) => ({ path: i.path, message: i.message })),
    });
  }
  return result.data;
}

const param = (req: Request, name: string) => req.params[name];
const severity = ['OK', 'WARN', 'STALL', 'REWIND', 'STOP', 'ERROR'];

/** GET only: Labdeck never writes to the user's Kafka. */
export function streamsRoutes(router: Router, ctx: ModuleContext, service: StreamsService): void {
  router.use('/streams', requireUser);

  router.get('/streams/clusters', (_req, res) => {
    res.json({ clusters: service.clusters() });
  });

  router.get('/streams/clusters/:id', (req, res) => {
    const id = parse(clusterId, param(req, 'id'), 'id');
    res.json(service.clusters().find((c) => c.id === id) ?? service.view(id));
  });

  router.get('/streams/clusters/:id/topics', (req, res) => {
    const id = parse(clusterId, param(req, 'id'), 'id');
    const query = parse(listQuery, req.query, 'query');
    const view = service.view(id);
    const needle = query.q?.toLowerCase();
    const matching = view.topics.filter(
      (t) => (query.internal === 'true' || !t.internal) && (!needle || t.name.toLowerCase().includes(needle)),
    );
    const key: Record<string, (t: TopicSummary) => number | string> = {
      name: (t) => t.name,
      rate: (t) => t.rate ?? -1,
      size: (t) => t.size ?? -1,
      partitions: (t) => t.partitions,
      lag: (t) => t.name,
      status: (t) => t.name,
    };
    const order = query.order ?? (query.sort === 'name' ? 'asc' : 'desc');
    const sorted = sortBy(matching, key[query.sort]!, order);
    res.json({
      cluster: { id: view.id, status: view.status, sampledAt: view.sampledAt, intervalMs: view.intervalMs },
      total: matching.length,
      topics: sorted.slice(0, query.limit).map(({ parts: _parts, ...topic }) => topic),
    });
  });

  router.get('/streams/clusters/:id/topics/:name', (req, res) => {
    const id = parse(clusterId, param(req, 'id'), 'id');
    const name = parse(topicName, param(req, 'name'), 'topic');
    const view = service.view(id);
    res.json({
      cluster: { id: view.id, status: view.status, sampledAt: view.sampledAt, intervalMs: view.intervalMs },
      ...service.topic(id, name),
    });
  });

  router.get('/streams/clusters/:id/topics/:name/configs', async (req, res) => {
    const id = parse(clusterId, param(req, 'id'), 'id');
    const name = parse(topicName, param(req, 'name'), 'topic');
    res.json({ configs: await service.topicConfigs(id, name) });
  });

  router.get('/streams/clusters/:id/topics/:name/series', async (req, res) => {
    const id = parse(clusterId, param(req, 'id'), 'id');
    const name = parse(topicName, param(req, 'name'), 'topic');
    const { range } = parse(seriesQuery, req.query, 'query');
    res.json({
      range,
      columns: ['t', 'msgsPerSec', 'bytesPerSec'],
      ...(await service.topicSeries(id, name, range)),
    });
  });

  router.get('/streams/clusters/:id/topics/:name/messages', requireRole('operator'), async (req, res) => {
    const id = parse(clusterId, param(req, 'id'), 'id');
    const name = parse(topicName, param(req, 'name'), 'topic');
    const { partition, limit } = parse(peekQuery, req.query, 'query');
    await audit(ctx, req, 'streams.peek', { cluster: id, topic: name, partition: partition ?? null, limit });
    const messages = await service.peek(id, name, partition, limit);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ messages: messages.map(encodeMessage) });
  });

  router.get('/streams/clusters/:id/groups', (req, res) => {
    const id = parse(clusterId, param(req, 'id'), 'id');
    const query = parse(listQuery, req.query, 'query');
    const view = service.view(id);
    const needle = query.q?.toLowerCase();
    const matching = view.groups.filter(
      (g) =>
        !needle ||
        g.id.toLowerCase().includes(needle) ||
        g.topics.some((t) => t.toLowerCase().includes(needle)),
    );
    const key: Record<string, (g: GroupSummary) => number | string> = {
      name: (g) => g.id,
      lag: (g) => g.totalLag ?? -1,
      status: (g) => severity.indexOf(g.status),
      rate: (g) => g.consumeRate ?? -1,
      size: (g) => g.totalLag ?? -1,
      partitions: (g) => g.topics.length,
    };
    const order = query.order ?? (query.sort === 'name' ? 'asc' : 'desc');
    res.json({
      cluster: { id: view.id, status: view.status, sampledAt: view.sampledAt, intervalMs: view.intervalMs },
      total: matching.length,
      groups: sortBy(matching, key[query.sort]!, order)
        .slice(0, query.limit)
        .map(({ parts: _parts, ...group }) => group),
    });
  });

  router.get('/streams/clusters/:id/groups/:group', (req, res) => {
    const id = parse(clusterId, param(req, 'id'), 'id');
    const group = parse(groupId, param(req, 'group'), 'group');
    const view = service.view(id);
    res.json({
      cluster: { id: view.id, status: view.status, sampledAt: view.sampledAt, intervalMs: view.intervalMs },
      group: service.group(id, group),
    });
  });

  router.get('/streams/clusters/:id/groups/:group/series', async (req, res) => {
    const id = parse(clusterId, param(req, 'id'), 'id');
    const group = parse(groupId, param(req, 'group'), 'group');
    const { range } = parse(seriesQuery, req.query, 'query');
    res.json({ range, columns: ['t', 'lag'], ...(await service.groupSeries(id, group, range)) });
  });
}

function sortBy<T>(items: readonly T[], key: (item: T) => number | string, order: 'asc' | 'desc'): T[] {
  const sign = order === 'asc' ? 1 : -1;
  return items
    .map((item) => ({ item, k: key(item) }))
    .sort(
      (a, b) =>
        sign *
        (typeof a.k === 'string'
          ? String(a.k).localeCompare(String(b.k))
          : (a.k as number) - (b.k as number)),
    )
    .map(({ item }) => item);
}

/** Raw bytes as base64 (the browser shows text, JSON or hex); schema-decoded data beside them. */
function encodeMessage(message: DecodedMessage) {
  return {
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key?.toString('base64') ?? null,
    value: message.value?.toString('base64') ?? null,
    headers: message.headers.map(([name, value]) => ({ name, value: value?.toString('base64') ?? null })),
    truncatedFrom: message.truncatedFrom ?? null,
    keyDecoded: message.keyDecoded,
    valueDecoded: message.valueDecoded,
  };
}
