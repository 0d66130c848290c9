import type { Router } from 'express';
import { z } from 'zod';
import { audit } from '../../platform/audit.ts';
import { badRequest, forbidden, notFound, unauthorized } from '../../platform/errors.ts';
import type { User } from '../../platform/identity.ts';
import type { ModuleContext } from '../../platform/module.ts';
import type { SqlService } from './service.ts';
import type { SqlStore } from './store.ts';

const tabId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a tab id of letters, digits, - and _');
const sqlText = z.string().min(1, 'SQL is empty').max(1_000_000, 'SQL text is larger than 1 MB');
const connectionId = z.string().min(1).max(64);

const runBody = z.strictObject({
  connectionId,
  sql: sqlText,
  tabId,
  mode: z.enum(['run', 'explain']).default('run'),
  maxRows: z.number().int().min(1).optional(),
});
const tabBody = z.strictObject({
  title: z.string().min(1).max(200),
  connectionId: connectionId.nullable(),
  sql: z.string().max(1_000_000),
  position: z.number().int().min(0).max(10_000),
});
const savedBody = z.strictObject({ name: z.string().trim().min(1).max(200), connectionId, sql: sqlText });
const exportBody = z.strictObject({
  connectionId,
  sql: sqlText,
  tabId: tabId.optional(),
  format: z.enum(['csv', 'jsonl']),
});
const metaQuery = z.strictObject({
  catalog: z.string().min(1).max(512).optional(),
  schema: z.string().min(1).max(512).optional(),
  table: z.string().min(1).max(512).optional(),
  /** Drop this user's cached metadata of the connection first (after DDL). */
  refresh: z.enum(['1']).optional(),
});
const historyQuery = z.strictObject({
  q: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
});
const uuid = z.uuid('expected a saved query id');

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw badRequest(`${issue.path.join('.') || 'body'}: ${issue.message}`, result.error.issues);
  }
  return result.data;
}

const userOf = (req: { user?: User }): User => {
  if (!req.user) throw unauthorized();
  return req.user;
};

const MAX_TABS = 100;

/**
 * SQL Lab API. POST /sql/run answers `application/x-ndjson`, one JSON object per line:
 *   {t:'start', runId, historyId, maxRows, explain?}  {t:'query', queryId}  {t:'columns', columns:[{name,type}]}
 *   {t:'rows', rows:[[...], ...]} (repeated)  {t:'progress', progress}  {t:'end', state, rows, truncated, elapsedMs, error?}
 * `error.line/column` are 1-based within the statement sent. Closing the response cancels the query;
 * so does POST /sql/runs/:runId/cancel. Exports: POST /sql/exports -> {url}, then GET url (once) streams the file.
 */
export function sqlRoutes(
  router: Router,
  service: SqlService,
  store: SqlStore,
  ctx: Pick<ModuleContext, 'db'>,
): void {
  router.get('/sql/connections', (req, res) => {
    res.json({ connections: service.connections(userOf(req)) });
  });

  router.post('/sql/run', async (req, res) => {
    const body = parse(runBody, req.body);
    await audit(ctx, req, 'sql.query', { connection: body.connectionId, sql: body.sql.slice(0, 4000) });
    await service.run(userOf(req), body, res);
  });

  router.post('/sql/runs/:runId/cancel', (req, res) => {
    if (!service.cancel(userOf(req), String(req.params.runId))) throw notFound('No such running query');
    res.status(202).json({ cancelled: true });
  });

  router.get('/sql/connections/:id/metadata', async (req, res) => {
    const q = parse(metaQuery, req.query);
    if ((q.schema && !q.catalog) || (q.table && !q.schema))
      throw badRequest('metadata path: give catalog, then schema, then table');
    const path = [q.catalog, q.schema, q.table].filter((p): p is string => Boolean(p));
    res.json({ items: await service.metadata(userOf(req), String(req.params.id), path, q.refresh === '1') });
  });

  router.get('/sql/connections/:id/functions', async (req, res) => {
    res.json({ functions: await service.functions(userOf(req), String(req.params.id)) });
  });

  router.post('/sql/exports', async (req, res) => {
    const user = userOf(req);
    const body = parse(exportBody, req.body);
    service.connectionFor(user, body.connectionId);
    await audit(ctx, req, 'sql.export', {
      connection: body.connectionId,
      format: body.format,
      sql: body.sql.slice(0, 4000),
    });
    const id = await store.createExport({
      userId: user.id,
      connectionId: body.connectionId,
      tabId: body.tabId ?? null,
      sql: body.sql,
      format: body.format,
    });
    res.status(201).json({ id, url: `/api/sql/exports/${id}` });
  });

  router.get('/sql/exports/:id', async (req, res) => {
    await service.exportRun(userOf(req), parse(uuid, req.params.id), res);
  });

  router.get('/sql/tabs', async (req, res) => {
    res.json({ tabs: await store.listTabs(userOf(req).id) });
  });
  router.put('/sql/tabs/:tabId', async (req, res) => {
    const user = userOf(req);
    const id = parse(tabId, req.params.tabId);
    const body = parse(tabBody, req.body);
    if (
      (await store.countTabs(user.id)) >= MAX_TABS &&
      !(await store.listTabs(user.id)).some((t) => t.id === id)
    ) {
      throw badRequest(`At most ${MAX_TABS} tabs; close some first`);
    }
    await store.saveTab(user.id, { id, ...body });
    res.status(204).end();
  });
  router.delete('/sql/tabs/:tabId', async (req, res) => {
    await store.deleteTab(userOf(req).id, parse(tabId, req.params.tabId));
    res.status(204).end();
  });

  router.get('/sql/history', async (req, res) => {
    const q = parse(historyQuery, req.query);
    res.json({ items: await store.history(userOf(req).id, q.q, q.limit, q.before) });
  });

  router.get('/sql/saved', async (req, res) => {
    const q = parse(z.strictObject({ q: z.string().max(500).optional() }), req.query);
    res.json({ items: await store.listSaved(userOf(req).id, q.q) });
  });
  router.get('/sql/saved/:id', async (req, res) => {
    const user = userOf(req);
    const saved = await store.getSaved(parse(uuid, req.params.id));
    if (!saved) throw notFound('No such saved query');
    if (saved.ownerId !== user.id) service.connectionFor(user, saved.connectionId); // shared by link: needs the connection
    res.json(saved);
  });
  router.post('/sql/saved', async (req, res) => {
    const user = userOf(req);
    const body = parse(savedBody, req.body);
    service.connectionFor(user, body.connectionId);
    res.status(201).json(await store.createSaved(user, body));
  });
  router.put('/sql/saved/:id', async (req, res) => {
    const user = userOf(req);
    const id = parse(uuid, req.params.id);
    const body = parse(savedBody, req.body);
    const saved = await store.getSaved(id);
    if (!saved) throw notFound('No such saved query');
    if (saved.ownerId !== user.id) throw forbidden('Only the owner may change a saved query');
    service.connectionFor(user, body.connectionId);
    res.json(await store.updateSaved(id, body));
  });
  router.delete('/sql/saved/:id', async (req, res) => {
    const user = userOf(req);
    const saved = await store.getSaved(parse(uuid, req.params.id));
    if (!saved) throw notFound('No such saved query');
    if (saved.ownerId !== user.id) throw forbidden('Only the owner may delete a saved query');
    await store.deleteSaved(saved.id);
    res.status(204).end();
  });
}
