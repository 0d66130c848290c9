import type { Router } from 'express';
import { requireUser } from '../../platform/access.ts';
import { apiRoutes } from '../../platform/api-routes.ts';
import { audit } from '../../platform/audit.ts';
import { notFound } from '../../platform/errors.ts';
import type { User } from '../../platform/identity.ts';
import type { ModuleContext } from '../../platform/module.ts';
import {
  cancelAnswer,
  connectionParams,
  exportBody,
  exportId,
  historyQuery,
  metadataQuery,
  runBody,
  runMessage,
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
  const routes = apiRoutes(router);

  routes.get('/sql/connections', { summary: 'The SQL connections the caller may use' }, (req, res) => {
    res.json({ connections: service.connections(me(req)) });
  });

  routes.post(
    '/sql/run',
    {
      summary: 'Run a statement; the answer streams as NDJSON',
      description:
        'One `RunMessage` per line: start, query, columns, rows..., progress, end. Closing the response cancels the query.',
      body: runBody,
      media: ['application/x-ndjson'],
      response: runMessage,
    },
    async (req, res) => {
      const { body } = req;
      await audit(ctx, req, 'sql.query', { connection: body.connectionId, sql: body.sql.slice(0, 4000) });
      await service.run(me(req), body, res);
    },
  );

  routes.post(
    '/sql/runs/:runId/cancel',
    {
      summary: "Cancel one of the caller's running queries",
      params: runParams,
      status: 202,
      response: cancelAnswer,
    },
    async (req, res) => {
      if (!(await service.cancel(me(req), req.params.runId))) throw notFound('No such running query');
      res.status(202).json({ cancelled: true });
    },
  );

  routes.get(
    '/sql/connections/:id/metadata',
    {
      summary: 'Catalogs, schemas, tables or columns of a connection',
      params: connectionParams,
      query: metadataQuery,
    },
    async (req, res) => {
      const { catalog, schema, table, refresh } = req.query;
      const path = [catalog, schema, table].filter((p): p is string => Boolean(p));
      res.json({ items: await service.metadata(me(req), req.params.id, path, refresh === '1') });
    },
  );

  routes.get(
    '/sql/connections/:id/functions',
    { summary: 'The functions a connection knows', params: connectionParams },
    async (req, res) => {
      res.json({ functions: await service.functions(me(req), req.params.id) });
    },
  );

  routes.post(
    '/sql/exports',
    {
      summary: 'Prepare a full export of a query; answers its one-time download URL',
      body: exportBody,
      status: 201,
    },
    async (req, res) => {
      const { body } = req;
      const link = await workspace.createExport(me(req), body);
      await audit(ctx, req, 'sql.export', {
        connection: body.connectionId,
        format: body.format,
        sql: body.sql.slice(0, 4000),
      });
      res.status(201).json(link);
    },
  );

  routes.get(
    '/sql/exports/:id',
    {
      summary: 'Download an export (once): CSV or JSON lines, streamed',
      params: exportId,
      media: ['text/csv', 'application/x-ndjson'],
    },
    async (req, res) => {
      await service.exportRun(me(req), req.params.id, res);
    },
  );

  routes.get('/sql/tabs', { summary: "The caller's editor tabs" }, async (req, res) => {
    res.json({ tabs: await workspace.tabs(me(req)) });
  });
  routes.put(
    '/sql/tabs/:tabId',
    { summary: 'Save an editor tab', params: tabParams, body: tabBody, status: 204 },
    async (req, res) => {
      await workspace.saveTab(me(req), req.params.tabId, req.body);
      res.status(204).end();
    },
  );
  routes.delete(
    '/sql/tabs/:tabId',
    { summary: 'Close an editor tab', params: tabParams, status: 204 },
    async (req, res) => {
      await workspace.deleteTab(me(req), req.params.tabId);
      res.status(204).end();
    },
  );

  routes.get(
    '/sql/history',
    { summary: "The caller's query history, newest first", query: historyQuery },
    async (req, res) => {
      res.json({ items: await workspace.history(me(req), req.query) });
    },
  );

  routes.get('/sql/saved', { summary: 'Saved queries', query: savedListQuery }, async (req, res) => {
    res.json({ items: await workspace.listSaved(me(req), req.query.q) });
  });
  routes.get('/sql/saved/:id', { summary: 'A saved query', params: savedId }, async (req, res) => {
    res.json(await workspace.saved(me(req), req.params.id));
  });
  routes.post('/sql/saved', { summary: 'Save a query', body: savedBody, status: 201 }, async (req, res) => {
    res.status(201).json(await workspace.createSaved(me(req), req.body));
  });
  routes.put(
    '/sql/saved/:id',
    { summary: 'Change a saved query', params: savedId, body: savedBody },
    async (req, res) => {
      res.json(await workspace.updateSaved(me(req), req.params.id, req.body));
    },
  );
  routes.delete(
    '/sql/saved/:id',
    { summary: 'Delete a saved query', params: savedId, status: 204 },
    async (req, res) => {
      await workspace.deleteSaved(me(req), req.params.id);
      res.status(204).end();
    },
  );
}
