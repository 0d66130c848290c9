import type { Request, Router } from 'express';
import { requireUser } from '../../platform/access.ts';
import { apiRoutes } from '../../platform/api-routes.ts';
import { audit } from '../../platform/audit.ts';
import type { User } from '../../platform/identity.ts';
import { sendJsonBody } from '../../platform/json-body.ts';
import type { ModuleContext } from '../../platform/module.ts';
import { jobListQuery, jobParams, rerunBody, runPageQuery, runParams, triggerBody } from './contract.ts';
import type { JobsService } from './service.ts';

/** The signed-in user (every /jobs route runs after `requireUser`). */
const me = (req: { user?: User }): User => req.user!;

/** Runs an action and records it in the audit log, refused or failed attempts included. */
async function audited<T>(
  ctx: Pick<ModuleContext, 'db'>,
  req: Request,
  action: string,
  details: Record<string, unknown>,
  work: () => Promise<T>,
): Promise<T> {
  try {
    const result = await work();
    await audit(ctx, req, action, { ...details, ok: true });
    return result;
  } catch (error) {
    const { status, message } = error as { status?: number; message?: string };
    await audit(ctx, req, action, { ...details, ok: false, status: status ?? 500, error: message });
    throw error;
  }
}

/**
 * Jobs API: lists and the board answer from the shared snapshot; run detail asks the source for tasks;
 * actions check the source's roles, go through the source, and are audited. Path parts are URL-encoded
 * (Airflow run ids hold `:` and `+`, OpenLineage job ids hold `/`).
 */
export function jobsRoutes(router: Router, ctx: Pick<ModuleContext, 'db'>, service: JobsService): void {
  router.use('/jobs', requireUser);
  const routes = apiRoutes(router);

  routes.get(
    '/jobs',
    { summary: 'Job sources and the jobs matching the filters', query: jobListQuery },
    async (req, res) => {
      sendJsonBody(req, res, await service.listBody(me(req), req.query));
    },
  );

  routes.get(
    '/jobs/board',
    { summary: 'What is failing, running, late and recovered now' },
    async (req, res) => {
      sendJsonBody(req, res, await service.boardBody(me(req)));
    },
  );

  routes.get(
    '/jobs/:source/:job/runs',
    { summary: "A job's runs, newest first", params: jobParams, query: runPageQuery },
    async (req, res) => {
      const { source, job } = req.params;
      res.json(await service.runs(source, job, req.query.before, req.query.limit));
    },
  );

  routes.get(
    '/jobs/:source/:job/runs/:run',
    { summary: 'A run with its tasks and datasets', params: runParams },
    async (req, res) => {
      const { source, job, run } = req.params;
      res.json(await service.runDetail(source, job, run));
    },
  );

  routes.post(
    '/jobs/:source/:job/trigger',
    { summary: 'Start a run (audited)', params: jobParams, body: triggerBody, status: 201 },
    async (req, res) => {
      const { source, job } = req.params;
      // The conf may carry values meant for the run only: the log keeps its keys.
      const details = { source, job, confKeys: Object.keys(req.body.conf).slice(0, 50) };
      const run = await audited(ctx, req, 'jobs.trigger', details, () =>
        service.trigger(me(req), source, job, req.body.conf),
      );
      res.status(201).json(run);
    },
  );

  routes.post(
    '/jobs/:source/:job/runs/:run/rerun-failed',
    {
      summary: 'Re-run the failed tasks of a run, or preview them (dryRun)',
      params: runParams,
      body: rerunBody,
    },
    async (req, res) => {
      const { source, job, run } = req.params;
      const { dryRun } = req.body;
      const rerun = () => service.rerunFailed(me(req), source, job, run, dryRun);
      // A dry run changes nothing: only the real re-run is recorded.
      const result = dryRun
        ? await rerun()
        : await audited(ctx, req, 'jobs.rerun_failed', { source, job, run }, rerun);
      res.json(result);
    },
  );

  routes.post(
    '/jobs/:source/:job/runs/:run/cancel',
    { summary: 'Cancel a run (audited)', params: runParams, status: 204 },
    async (req, res) => {
      const { source, job, run } = req.params;
      await audited(ctx, req, 'jobs.cancel', { source, job, run }, () =>
        service.cancel(me(req), source, job, run),
      );
      res.status(204).end();
    },
  );
}
