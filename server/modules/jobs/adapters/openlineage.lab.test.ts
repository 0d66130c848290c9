// The Airflow -> dbt nesting for real: Airflow 3 (lab/airflow) runs DAG lab_dbt, whose task runs dbt-ol on the
// lab's dbt project with the task's OpenLineage run as parent; Airflow and dbt both send to a real Labdeck.
// Needs `bash lab/airflow/install.sh` and `bash lab/dbt/install.sh`; without them every test FAILS.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AirflowServer,
  airflowApi,
  airflowToken,
  startAirflow,
} from '../../../../lab/airflow/server.ts';
import { type LabPostgres, startLabPostgres } from '../../../../lab/dbt/postgres.ts';
import { applySeed, assertDbtOlInstalled } from '../../../../lab/dbt/run.ts';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { createOpenLineageSource, taskChildRuns } from './openlineage.ts';

const KEY = 'airflow-lab-key-0123456789';
let app: TestApp;
let pg: LabPostgres;
let airflow: AirflowServer;

beforeAll(async () => {
  assertDbtOlInstalled();
  app = await startTestApp({
    config: `lineage:\n  ingest:\n    keys:\n      - producer: airflow\n        key: ${KEY}\n`,
  });
  pg = await startLabPostgres();
  await applySeed(pg);
  airflow = await startAirflow({ openLineageUrl: app.url, openLineageApiKey: KEY });
}, 300_000);
afterAll(async () => {
  await airflow?.stop();
  await pg?.stop();
  await app?.close();
}, 120_000);

async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  return airflowApi<T>(airflow.url, await airflowToken(airflow.url, airflow.admin), path, init);
}

type DagRun = { dag_run_id: string; state: string; start_date: string | null; end_date: string | null };

describe('Airflow 3 task -> dbt-ol runs in Labdeck', { timeout: 600_000 }, () => {
  it('nests the dbt run and its model runs under the Airflow task that ran dbt-ol', async () => {
    // The DAG appears once the DAG processor parsed it.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const { dags } = await api<{ dags: { dag_id: string }[] }>('/dags?tags=lab-dbt');
      if (dags.some((d) => d.dag_id === 'lab_dbt')) break;
      await sleep(2_000);
    }
    const conf = {
      pg_host: pg.host,
      pg_port: pg.port,
      pg_user: pg.user,
      pg_password: pg.password,
      pg_db: pg.database,
      dbt_namespace: 'labdeck-lab',
    };
    let run = await api<DagRun>('/dags/lab_dbt/dagRuns', {
      method: 'POST',
      body: { logical_date: null, conf },
    });
    while (!['success', 'failed'].includes(run.state) && Date.now() < deadline + 300_000) {
      await sleep(3_000);
      run = await api<DagRun>(`/dags/lab_dbt/dagRuns/${encodeURIComponent(run.dag_run_id)}`);
    }
    expect(run.state).toBe('success');

    // dbt-ol posts after dbt finishes; Airflow's COMPLETE of the task may land a moment later.
    const from = new Date(run.start_date ?? 0);
    const to = new Date(new Date(run.end_date ?? Date.now()).getTime() + 60_000);
    let tree = await taskChildRuns(app.context.db, {
      dagId: 'lab_dbt',
      taskId: 'run_dbt',
      namespace: 'airflow',
      from,
      to,
    });
    for (let i = 0; i < 20 && (tree[0]?.children.length ?? 0) < 4; i++) {
      await sleep(1_000);
      tree = await taskChildRuns(app.context.db, {
        dagId: 'lab_dbt',
        taskId: 'run_dbt',
        namespace: 'airflow',
        from,
        to,
      });
    }
    expect(tree).toHaveLength(1);
    const dbtRun = tree[0]!;
    // dbt-ol 1.54 names the dbt run in its parent's namespace; the model runs keep OPENLINEAGE_NAMESPACE.
    expect(dbtRun).toMatchObject({ namespace: 'airflow', name: 'dbt-run-labdeck_lab', state: 'success' });
    expect(dbtRun.children.map((c) => [c.name, c.state]).sort()).toEqual([
      ['lab.marts.labdeck_lab.client_orders', 'success'],
      ['lab.marts.labdeck_lab.daily_revenue', 'success'],
      ['lab.staging.labdeck_lab.stg_customers', 'success'],
      ['lab.staging.labdeck_lab.stg_orders', 'success'],
    ]);

    // Airflow's provider reported the DAG run at the top: the OpenLineage source lists it, and its tasks
    // are the Airflow tasks (run_dbt), whose own child is the dbt run above.
    const source = createOpenLineageSource(app.context.db);
    const changes = await source.listRuns({ since: null, signal: AbortSignal.timeout(10_000) });
    const dagRun = changes.runs.find((r) => r.jobId === 'airflow/lab_dbt');
    expect(dagRun).toMatchObject({ state: 'success' });
    expect(changes.runs.some((r) => r.jobId === 'airflow/lab_dbt.run_dbt')).toBe(false);
    const tasks = await source.runTasks('airflow/lab_dbt', dagRun!.runId, AbortSignal.timeout(10_000));
    expect(tasks.map((t) => [t.id, t.state])).toEqual([['run_dbt', 'success']]);
  });
});
