// Integration test against a real Airflow 2.11 (`airflow standalone`, /api/v1 with HTTP basic auth).
// Needs `bash lab/airflow/install.sh` first; without it every test FAILS (never skips).
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AirflowServer, startAirflow2 } from './server.ts';

type DagRun = { dag_id: string; dag_run_id: string; state: string; execution_date: string };

let airflow: AirflowServer;

beforeAll(async () => {
  airflow = await startAirflow2();
});
afterAll(() => airflow?.stop());

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${airflow.url}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: basic(airflow.admin.username, airflow.admin.password),
      'content-type': 'application/json',
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function waitForState(run: DagRun, timeoutMs = 240_000): Promise<DagRun> {
  const deadline = Date.now() + timeoutMs;
  let seen = run;
  while (Date.now() < deadline) {
    seen = await api<DagRun>(`/dags/${run.dag_id}/dagRuns/${encodeURIComponent(run.dag_run_id)}`);
    if (seen.state === 'success' || seen.state === 'failed') return seen;
    await sleep(1_000);
  }
  throw new Error(`${run.dag_id} ${run.dag_run_id} stayed ${seen.state}`);
}

describe('lab Airflow 2', () => {
  // Airflow 2.11 answers 403 (not 401) to both, with the basic_auth and session backends on.
  it('refuses /api/v1 without credentials or with a wrong password', async () => {
    expect((await fetch(`${airflow.url}/api/v1/dags`)).status).toBe(403);
    const wrong = await fetch(`${airflow.url}/api/v1/dags`, {
      headers: { authorization: basic('admin', 'nope') },
    });
    expect(wrong.status).toBe(403);
  });

  it('lists the lab DAGs, runs one to success and one to failure, and lists both across DAGs', async () => {
    const deadline = Date.now() + 120_000;
    let dags: { dag_id: string; is_paused: boolean }[] = [];
    while (Date.now() < deadline && dags.length < 3) {
      dags = (await api<{ dags: typeof dags }>('/dags?tags=lab')).dags;
      if (dags.length < 3) await sleep(1_000);
    }
    expect(dags.map((d) => d.dag_id).sort()).toEqual(['lab_fails', 'lab_slow', 'lab_succeeds']);
    expect(dags.every((d) => !d.is_paused)).toBe(true);

    const good = await api<DagRun>('/dags/lab_succeeds/dagRuns', { method: 'POST', body: { conf: {} } });
    const bad = await api<DagRun>('/dags/lab_fails/dagRuns', { method: 'POST', body: { conf: {} } });
    expect(good.state).toBe('queued');
    expect((await waitForState(good)).state).toBe('success');
    expect((await waitForState(bad)).state).toBe('failed');

    const listed = await api<{ dag_runs: DagRun[]; total_entries: number }>('/dags/~/dagRuns/list', {
      method: 'POST',
      body: { dag_ids: ['lab_succeeds', 'lab_fails'], order_by: '-execution_date', page_limit: 10 },
    });
    expect(listed.dag_runs.map((r) => [r.dag_id, r.dag_run_id, r.state])).toEqual(
      expect.arrayContaining([
        ['lab_succeeds', good.dag_run_id, 'success'],
        ['lab_fails', bad.dag_run_id, 'failed'],
      ]),
    );
    const tasks = await api<{ task_instances: { task_id: string; state: string }[] }>(
      `/dags/lab_fails/dagRuns/${encodeURIComponent(bad.dag_run_id)}/taskInstances`,
    );
    expect(tasks.task_instances.map((t) => [t.task_id, t.state]).sort()).toEqual([
      ['break_on_purpose', 'failed'],
      ['prepare', 'success'],
    ]);
  });
});
