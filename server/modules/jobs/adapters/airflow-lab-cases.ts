// The lab tests both Airflow job sources pass against a real Airflow (airflow3.lab.test.ts, airflow2.lab.test.ts).

import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AirflowServer } from '../../../../lab/airflow/server.ts';
import type { RunState } from '../contract.ts';
import { sourceConfig } from '../test/fake-source.ts';
import { CANCEL_NOTE } from './airflow-api.ts';
import type { airflow2Source } from './airflow2.ts';
import type { airflow3Source } from './airflow3.ts';
import type { JobSource, SourceRun } from './types.ts';

const log = { warn() {}, info() {}, error() {}, debug() {} } as never;

export interface AirflowLab {
  airflow: AirflowServer;
  source: JobSource;
  /** A run as Airflow's own API answers it (not through the adapter). */
  rawRun(dagId: string, runId: string): Promise<{ state: string; note: string | null }>;
  rawTasks(
    dagId: string,
    runId: string,
  ): Promise<{ task_id: string; state: string | null; try_number: number }[]>;
}

interface LabSetup {
  start(): Promise<AirflowServer>;
  adapter: typeof airflow3Source | typeof airflow2Source;
  /** `/api/v2` or `/api/v1`. */
  api: string;
  /** The Authorization header for Airflow's own API as the admin. */
  authorization(airflow: AirflowServer): Promise<string>;
}

/** Starts Airflow once for the file (beforeAll) and gives the cases what they need. */
export function airflowLab(setup: LabSetup): () => AirflowLab {
  let lab: AirflowLab;
  const sourceAs = (airflow: AirflowServer, password: string) => {
    const config = { kind: setup.adapter.kind, url: airflow.url, username: airflow.admin.username, password };
    // biome-ignore lint/suspicious/noExplicitAny: either adapter's own schema parsed the config
    return setup.adapter.create(sourceConfig(setup.adapter as any, config) as any, {
      log,
      db: null as never,
    });
  };
  beforeAll(async () => {
    const airflow = await setup.start();
    const raw = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${airflow.url}${setup.api}${path}`, {
        headers: { authorization: await setup.authorization(airflow) },
      });
      if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
      return (await res.json()) as T;
    };
    const runPath = (dagId: string, runId: string) => `/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`;
    lab = {
      airflow,
      source: sourceAs(airflow, airflow.admin.password),
      rawRun: (dagId, runId) => raw(runPath(dagId, runId)),
      rawTasks: async (dagId, runId) =>
        (await raw<{ task_instances: [] }>(`${runPath(dagId, runId)}/taskInstances`)).task_instances,
    };
  });
  afterAll(() => lab?.airflow.stop());

  it('reports a wrong password as one line that names the request and not the secret', async () => {
    const wrong = sourceAs(lab.airflow, 'not-the-password');
    const error = await wrong.listJobs(AbortSignal.timeout(30_000)).catch((caught: Error) => caught.message);
    expect(error).toMatch(/^Airflow answered HTTP 40[13] to (POST \/auth\/token|GET \/api\/v1\/dags)/);
    expect(error).not.toContain('not-the-password');
  });
  return () => lab;
}

const signal = () => AbortSignal.timeout(30_000);

/** Polls like the jobs module does (each poll hands back the previous cursor) until `done` holds. */
async function pollUntil(
  source: JobSource,
  cursor: string | null,
  done: (seen: SourceRun[]) => boolean,
  timeoutMs = 240_000,
): Promise<{ seen: SourceRun[]; cursor: string | null }> {
  const seen: SourceRun[] = [];
  const deadline = Date.now() + timeoutMs;
  let next = cursor;
  while (Date.now() < deadline) {
    const changes = await source.listRuns({ since: next, signal: signal() });
    seen.push(...changes.runs);
    next = changes.cursor;
    if (done(seen)) return { seen, cursor: next };
    await sleep(2_000);
  }
  throw new Error(
    `polling gave up; last states: ${seen.map((run) => `${run.runId}=${run.state}`).join(' ')}`,
  );
}

const statesOf = (seen: SourceRun[], runId: string): RunState[] =>
  seen.filter((run) => run.runId === runId).map((run) => run.state);

/** The shared cases; `lab()` is read when a case runs (after beforeAll started Airflow). */
export function airflowSourceCases(lab: () => AirflowLab): void {
  let failedRun: SourceRun;

  it('lists the lab DAGs with owner, tags and a link into Airflow', async () => {
    const deadline = Date.now() + 120_000;
    let ids: string[] = [];
    while (Date.now() < deadline) {
      const jobs = await lab().source.listJobs(signal());
      ids = jobs.map((job) => job.jobId).sort();
      if (['lab_fails', 'lab_slow', 'lab_succeeds'].every((id) => ids.includes(id))) {
        const fails = jobs.find((job) => job.jobId === 'lab_fails')!;
        expect(fails).toMatchObject({
          name: 'lab_fails',
          owner: 'lab',
          tags: ['lab'],
          paused: false,
          schedule: null,
        });
        expect(fails.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dags\/lab_fails/);
        return;
      }
      await sleep(2_000);
    }
    throw new Error(`lab DAGs not listed, got ${ids.join(', ')}`);
  });

  it('triggers lab_fails and sees it queued, then failed, through the since-cursor', async () => {
    const source = lab().source;
    const first = await source.listRuns({ since: null, signal: signal() });
    const run = await source.trigger!('lab_fails', {}, signal());
    expect(run).toMatchObject({ jobId: 'lab_fails', state: 'queued', trigger: 'manual' });
    const { seen } = await pollUntil(source, first.cursor, (runs) =>
      statesOf(runs, run.runId).includes('failed'),
    );
    const states = statesOf(seen, run.runId);
    // Seen before it failed, and seen again once it changed state.
    expect(['queued', 'running']).toContain(states[0]);
    failedRun = seen.findLast((found) => found.runId === run.runId)!;
    expect(failedRun).toMatchObject({ state: 'failed', nativeState: 'failed' });
    expect(failedRun.endedAt).toBeInstanceOf(Date);

    const tasks = await source.runTasks('lab_fails', run.runId, signal());
    expect(tasks.map((task) => [task.id, task.state]).sort()).toEqual([
      ['break_on_purpose', 'failed'],
      ['prepare', 'success'],
    ]);
    expect(tasks.every((task) => task.tryNumber === 1 && task.mapIndex === null && task.url)).toBe(true);
  });

  it('previews re-running the failed tasks without clearing, then clears them', async () => {
    const source = lab().source;
    const { runId } = failedRun;
    const preview = await source.rerunFailed!('lab_fails', runId, true, signal());
    expect(preview.tasks.map((task) => [task.id, task.state])).toEqual([['break_on_purpose', 'failed']]);
    expect((await lab().rawRun('lab_fails', runId)).state).toBe('failed');
    expect(
      (await lab().rawTasks('lab_fails', runId)).find((t) => t.task_id === 'break_on_purpose')?.state,
    ).toBe('failed');

    const done = await source.rerunFailed!('lab_fails', runId, false, signal());
    expect(done.tasks.map((task) => task.id)).toEqual(['break_on_purpose']);
    expect(done.run?.state).not.toBe('failed');
    const raw = (await lab().rawTasks('lab_fails', runId)).find((t) => t.task_id === 'break_on_purpose')!;
    // Cleared: not failed any more, or already failed again on a second try.
    expect(raw.state !== 'failed' || raw.try_number > 1).toBe(true);
    expect((await lab().rawTasks('lab_fails', runId)).find((t) => t.task_id === 'prepare')?.state).toBe(
      'success',
    );
  });

  it('triggers lab_slow, sees it running, cancels it, and Airflow reports it failed with the cancel note', async () => {
    const source = lab().source;
    const first = await source.listRuns({ since: null, signal: signal() });
    const run = await source.trigger!('lab_slow', { seconds: 300 }, signal());
    const running = await pollUntil(source, first.cursor, (runs) =>
      statesOf(runs, run.runId).includes('running'),
    );
    await source.cancel!('lab_slow', run.runId, signal());
    expect(await lab().rawRun('lab_slow', run.runId)).toMatchObject({ state: 'failed', note: CANCEL_NOTE });
    const after = await pollUntil(source, running.cursor, (runs) =>
      statesOf(runs, run.runId).includes('cancelled'),
    );
    expect(after.seen.findLast((found) => found.runId === run.runId)).toMatchObject({
      state: 'cancelled',
      nativeState: 'failed',
    });
  });
}
