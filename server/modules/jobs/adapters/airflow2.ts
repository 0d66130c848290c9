// Airflow 2 (/api/v1) behind HTTP basic auth (the FAB basic_auth backend).
import { z } from 'zod';
import {
  type AirflowConfig,
  type AirflowDialect,
  CANCEL_NOTE,
  defineAirflowSource,
  PAGE_SIZE,
  query,
  segment,
} from './airflow-api.ts';

const basicAuth = (config: AirflowConfig) => {
  const header = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
  return { header: async () => header };
};

/** What /clearTaskInstances answers: references only (no state), in both modes. */
const clearedReferences = z.object({
  task_instances: z.array(z.object({ task_id: z.string() })).max(10_000),
});

export const airflow2Dialect: AirflowDialect = {
  api: 'api/v1',
  // v1 pages by offset (no keyset cursor); ordered by update, a run changing meanwhile comes again later.
  runPage: (page) => ({ offset: typeof page === 'number' ? page : 0 }),
  nextRunPage: (page, items) =>
    items.length < PAGE_SIZE ? null : (typeof page === 'number' ? page : 0) + PAGE_SIZE,
  // schedule_interval: {__type: "CronExpression", value} or a TimeDelta (no `value`): then the description.
  schedule: (dag) =>
    dag.schedule_interval ? (dag.schedule_interval.value ?? dag.timetable_description ?? null) : null,
  nextRunAt: (dag) => dag.next_dagrun_create_after,
  links: (ui) => {
    const grid = (dagId: string) => `${ui}/dags/${segment(dagId)}/grid`;
    return {
      dag: grid,
      run: (dagId, runId) => `${grid(dagId)}?${query({ dag_run_id: runId })}`,
      task: (dagId, runId, taskId, mapIndex) =>
        `${grid(dagId)}?${query({ dag_run_id: runId, task_id: taskId, map_index: mapIndex ?? undefined })}`,
    };
  },
  triggerBody: (conf) => ({ conf }),
  async cancel(client, runPath, signal) {
    await client.call('PATCH', runPath, signal, { state: 'failed' });
    await client.call('PATCH', `${runPath}/setNote`, signal, { note: CANCEL_NOTE });
  },
  // v1's dagRuns/{run}/clear clears every task of the run; clearTaskInstances can take only the failed ones.
  async clearFailed(client, { dagId, runId }, dryRun, signal) {
    const path = `api/v1/dags/${segment(dagId)}/clearTaskInstances`;
    const { value } = await client.read('POST', path, signal, clearedReferences, {
      dry_run: dryRun,
      dag_run_id: runId,
      only_failed: true,
      reset_dag_runs: true,
    });
    return { taskIds: value.task_instances.map((task) => task.task_id) };
  },
};

export const airflow2Source = defineAirflowSource('airflow2', airflow2Dialect, basicAuth);
