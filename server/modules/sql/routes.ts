import type { Router } from 'express';
import { requireUser } from '../../platform/access.ts';
import { audit } from '../../platform/audit.ts';
import { notFound } from '../../platform/errors.ts';
import type { User } from '../../platform/identity.ts';
import type { ModuleContext } from '../../platform/module.ts';
import { validate } from '../../platform/validate.ts';
import {
  connectionParams,
  exportBody,
  exportId,
  historyQuery,
  metadataQuery,
  runBody,
  runParams,
  savedBody,
  savedId,
  savedListQuery,
  tabBody,
  tabParams,
} from './contract.ts';
import type { SqlService } from './service.ts';
import type { SqlWorkspace } from './workspace.ts';

/** The signed-in user (every /sql route runs after `requireUser`). */
const me = (req: { user?: User }): User => req.user!;

/**
 * SQL Lab API. POST /sql/run answers `application/x-ndjson`, one `RunMessage` (contract.ts) per line.
 * `error.line/column` are 1-based within the statement sent. Closing the response cancels the query;
 * so does POST /sql/runs/:runId/cancel. Exports: POST /sql/exports -> {url}, then GET url (once) streams the file.
 */
export function sqlRoutes(
  router: Router,
  service: SqlService,
  workspace: SqlWorkspace,
  ctx: Pick<ModuleContext, 'db'>,
): void {
  router.use('/sql', requireUser);

  router.get('/sql/connections', (req, res) => {
    res.json({ connections: service.connections(me(req)) });
  });

  router.post('/sql/run', validate({ body: runBody }), async (req, res) => {
    const { body } = req;
    await audit(ctx, req, 'sql.query', { connection: body.connectionId, sql: body.sql.slice(0, 4000) });
    await service.run(me(req), body, res);
  });

  router.post('/sql/runs/:runId/cancel', validate({ params: runParams }), async (req, res) => {
    if (!(await service.cancel(me(req), req.params.runId))) throw notFound('No such running query');
    res.status(202).json({ cancelled: true });
  });

  router.get(
    '/sql/connections/:id/metadata',
    validate({ params: connectionParams, query: metadataQuery }),
    async (req, res) => {
      const { catalog, schema, table, refresh } = req.query;
      const path = [catalog, schema, table].filter((p): p is string => Boolean(p));
      res.json({ items: await service.metadata(me(req), req.params.id, path, refresh === '1') });
    },
  );

  router.get('/sql/connections/:id/functions', validate({ params: connectionParams }), async (req, res) => {
    res.json({ functions: await service.functions(me(req), req.params.id) });
  });

  router.post('/sql/exports', validate({ body: exportBody }), async (req, res) => {
    const { body } = req;
    const link = await workspace.createExport(me(req), body);
    await audit(ctx, req, 'sql.export', {
      connection: body.connectionId,
      format: body.format,
      sql: body.sql.slice(0, 4000),
    });
    res.status(201).json(link);
  });

  router.get('/sql/exports/:id', validate({ params: exportId }), async (req, res) => {
    await service.exportRun(me(req), req.params.id, res);
  });

  router.get('/sql/tabs', async (req, res) => {
    res.json({ tabs: await workspace.tabs(me(req)) });
  });
  router.put('/sql/tabs/:tabId', validate({ params: tabParams, body: tabBody }), async (req, res) => {
    await workspace.saveTab(me(req), req.params.tabId, req.body);
    res.status(204).end();
  });
  router.delete('/sql/tabs/:tabId', validate({ params: tabParams }), async (req, res) => {
    await workspace.deleteTab(me(req), req.params.tabId);
    res.status(204).end();
  });

  router.get('/sql/history', validate({ query: historyQuery }), async (req, res) => {
    res.json({ items: await workspace.history(me(req), req.query) });
  });

  router.get('/sql/saved', validate({ query: savedListQuery }), async (req, res) => {
    res.json({ items: await workspace.listSaved(me(req), req.query.q) });
  });
  router.get('/sql/saved/:id', validate({ params: savedId }), async (req, res) => {
    res.json(await workspace.saved(me(req), req.params.id));
  });
  router.post('/sql/saved', validate({ body: savedBody }), async (req, res) => {
    res.status(201).json(await workspace.createSaved(me(req), req.body));
  });
  router.put('/sql/saved/:id', validate({ params: savedId, body: savedBody }), async (req, res) => {
    res.json(await workspace.updateSaved(me(req), req.params.id, req.body));
  });
  router.delete('/sql/saved/:id', validate({ params: savedId }), async (req, res) => {
    await workspace.deleteSaved(me(req), req.params.id);
    res.status(204).end();
  });
}
