// Integration test against a real Airflow 3 (`airflow standalone`, see lab/airflow/README.md).
// Needs `bash lab/airflow/install.sh` first; without it every test FAILS (never skips).
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AirflowServer, airflowApi, airflowToken, type Credentials, startAirflow } from './server.ts';

type DagRun = { dag_id: string; dag_run_id: string; state: string; logical_date: string | null };

let airflow: AirflowServer;
let lineage: Server;
const lineageEvents: { eventType: string; job: { namespace: string; name: string } }[] = [];

beforeAll(async () => {
  lineage = await openLineageReceiver();
  const address = lineage.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  airflow = await startAirflow({ openLineageUrl: `http://127.0.0.1:${port}` });
});
afterAll(async () => {
  await airflow?.stop();
  lineage?.close();
});

/** Records the OpenLineage events POSTed to /api/v1/lineage (plain or gzip). */
function openLineageReceiver(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      if (req.url === '/api/v1/lineage') lineageEvents.push(JSON.parse(text.toString('utf8')));
      res.writeHead(201).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const token = (user: Credentials) => airflowToken(airflow.url, user);
const api = <T>(jwt: string, path: string, init: { method?: string; body?: unknown } = {}) =>
  airflowApi<T>(airflow.url, jwt, path, init);

async function trigger(jwt: string, dagId: string, conf: object = {}): Promise<DagRun> {
  return api<DagRun>(jwt, `/dags/${dagId}/dagRuns`, { method: 'POST', body: { logical_date: null, conf } });
}

async function waitForState(
  jwt: string,
  run: DagRun,
  states: string[],
  timeoutMs = 180_000,
): Promise<DagRun> {
  const deadline = Date.now() + timeoutMs;
  let seen = run;
  while (Date.now() < deadline) {
    seen = await api<DagRun>(jwt, `/dags/${run.dag_id}/dagRuns/${encodeURIComponent(run.dag_run_id)}`);
    if (states.includes(seen.state)) return seen;
    await sleep(1_000);
  }
  throw new Error(`${run.dag_id} ${run.dag_run_id} stayed ${seen.state}, expected ${states.join(' or ')}`);
}

describe('lab Airflow 3', () => {
  it('lists the lab DAGs, unpaused', async () => {
    const jwt = await token(airflow.admin);
    const deadline = Date.now() + 120_000;
    let dags: { dag_id: string; is_paused: boolean; tags: { name: string }[] }[] = [];
    while (Date.now() < deadline && dags.length < 3) {
      dags = (await api<{ dags: typeof dags }>(jwt, '/dags?tags=lab')).dags;
      if (dags.length < 3) await sleep(1_000);
    }
    expect(dags.map((d) => d.dag_id).sort()).toEqual(['lab_fails', 'lab_slow', 'lab_succeeds']);
    expect(dags.every((d) => !d.is_paused)).toBe(true);
  });

  it('runs a DAG to success and one to failure, and lists both across DAGs', async () => {
    const jwt = await token(airflow.admin);
    const [good, bad] = [await trigger(jwt, 'lab_succeeds'), await trigger(jwt, 'lab_fails')];
    expect(good).toMatchObject({ state: 'queued', logical_date: null });
    expect((await waitForState(jwt, good, ['success', 'failed'])).state).toBe('success');
    expect((await waitForState(jwt, bad, ['success', 'failed'])).state).toBe('failed');

    const tasks = await api<{ task_instances: { task_id: string; state: string; try_number: number }[] }>(
      jwt,
      `/dags/lab_fails/dagRuns/${encodeURIComponent(bad.dag_run_id)}/taskInstances`,
    );
    expect(tasks.task_instances.map((t) => [t.task_id, t.state]).sort()).toEqual([
      ['break_on_purpose', 'failed'],
      ['prepare', 'success'],
    ]);

    const listed = await api<{ dag_runs: DagRun[]; total_entries: number }>(jwt, '/dags/~/dagRuns/list', {
      method: 'POST',
      body: { dag_ids: ['lab_succeeds', 'lab_fails'], order_by: '-start_date', page_limit: 10 },
    });
    expect(listed.dag_runs.map((r) => [r.dag_id, r.dag_run_id, r.state])).toEqual(
      expect.arrayContaining([
        ['lab_succeeds', good.dag_run_id, 'success'],
        ['lab_fails', bad.dag_run_id, 'failed'],
      ]),
    );
  });

  it('cancels a running slow DAG by marking its run failed, which stops its task', async () => {
    const jwt = await token(airflow.admin);
    const run = await waitForState(jwt, await trigger(jwt, 'lab_slow', { seconds: 120 }), ['running']);
    const taskState = async () =>
      (
        await api<{ task_instances: { state: string | null }[] }>(
          jwt,
          `/dags/lab_slow/dagRuns/${encodeURIComponent(run.dag_run_id)}/taskInstances`,
        )
      ).task_instances[0]?.state;
    for (let i = 0; i < 60 && (await taskState()) !== 'running'; i++) await sleep(1_000);
    expect(await taskState()).toBe('running');
    await api(jwt, `/dags/lab_slow/dagRuns/${encodeURIComponent(run.dag_run_id)}`, {
      method: 'PATCH',
      body: { state: 'failed' },
    });
    expect((await waitForState(jwt, run, ['failed'], 30_000)).state).toBe('failed');
    expect(await taskState()).toBe('failed');
  });

  it('refuses a trigger by the viewer', async () => {
    const jwt = await token(airflow.viewer as Credentials);
    const res = await fetch(`${airflow.url}/api/v2/dags/lab_succeeds/dagRuns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ logical_date: null }),
    });
    expect(res.status).toBe(403);
  });

  it('sends OpenLineage events for the DAG runs to the configured receiver', async () => {
    const deadline = Date.now() + 60_000;
    const completed = () =>
      lineageEvents.filter((e) => e.eventType === 'COMPLETE' && e.job.name.startsWith('lab_succeeds'));
    while (Date.now() < deadline && completed().length === 0) await sleep(1_000);
    expect(completed().map((e) => e.job.namespace)).toContain('airflow');
  });
});
