// The OpenLineage source on the real embedded PostgreSQL, with events ingested by the lineage module.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { runEvent } from '../../lineage/test/events.ts';
import type { RunState } from '../contract.ts';
import { createOpenLineageSource, openLineageRunState, runDatasets, taskChildRuns } from './openlineage.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python';
const parentFacet = (namespace: string, name: string, runId: string) => ({
  parent: {
    _producer: PRODUCER,
    _schemaURL: 'https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet',
    run: { runId },
    job: { namespace, name },
  },
});
const errorFacet = (message: string) => ({
  errorMessage: {
    _producer: PRODUCER,
    _schemaURL:
      'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
    message,
    programmingLanguage: 'python',
  },
});

async function send(...events: unknown[]) {
  const res = await app.fetch('/api/v1/lineage/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString();

describe('OpenLineage states', () => {
  it.each<[string, RunState]>([
    ['START', 'running'],
    ['RUNNING', 'running'],
    ['COMPLETE', 'success'],
    ['COMPLETED', 'success'],
    ['FAIL', 'failed'],
    ['FAILED', 'failed'],
    ['ABORT', 'cancelled'],
    ['ABORTED', 'cancelled'],
    ['NEW', 'queued'],
    ['OTHER', 'queued'],
  ])('%s is %s', (state, expected) => expect(openLineageRunState(state)).toBe(expected));
});

describe('OpenLineage source', () => {
  // An Airflow task run (airflow/etl.run_dbt), the dbt run it started, two model runs under that (one failed).
  const task = randomUUID();
  const dbtRun = randomUUID();
  const [good, bad] = [randomUUID(), randomUUID()];
  const dbtNs = `dbt-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await send(
      runEvent({ eventType: 'START', runId: task, job: 'etl.run_dbt', jobNamespace: 'airflow', time: at(0) }),
      runEvent({
        eventType: 'START',
        runId: dbtRun,
        job: 'dbt-run-lab',
        jobNamespace: dbtNs,
        time: at(1),
        runFacets: parentFacet('airflow', 'etl.run_dbt', task),
      }),
      runEvent({
        eventType: 'COMPLETE',
        runId: good,
        job: 'dbt-run-lab.model_a',
        jobNamespace: dbtNs,
        time: at(2),
        inputs: [{ name: `${dbtNs}.raw.orders` }],
        outputs: [{ name: `${dbtNs}.analytics.model_a` }],
        runFacets: parentFacet(dbtNs, 'dbt-run-lab', dbtRun),
      }),
      runEvent({
        eventType: 'FAIL',
        runId: bad,
        job: 'dbt-run-lab.model_b',
        jobNamespace: dbtNs,
        time: at(3),
        runFacets: {
          ...parentFacet(dbtNs, 'dbt-run-lab', dbtRun),
          ...errorFacet('relation "raw.x" does not exist'),
        },
      }),
      runEvent({
        eventType: 'FAIL',
        runId: dbtRun,
        job: 'dbt-run-lab',
        jobNamespace: dbtNs,
        time: at(4),
        runFacets: parentFacet('airflow', 'etl.run_dbt', task),
      }),
    );
  });

  // Without the commit grace: nothing is read twice, so repeats are visible.
  const source = () => createOpenLineageSource(app.context.db, [], 0);

  it('lists only jobs at the top of their tree, as <namespace>/<name>, without excluded namespaces', async () => {
    const ids = (await source().listJobs(AbortSignal.timeout(5_000))).map((j) => j.jobId);
    expect(ids).toContain('airflow/etl.run_dbt');
    expect(ids).not.toContain(`${dbtNs}/dbt-run-lab`);
    expect(ids).not.toContain(`${dbtNs}/dbt-run-lab.model_b`);
    const withoutAirflow = createOpenLineageSource(app.context.db, ['airflow']);
    expect((await withoutAirflow.listJobs(AbortSignal.timeout(5_000))).map((j) => j.jobId)).not.toContain(
      'airflow/etl.run_dbt',
    );
  });

  it('reads top-level runs by the since-cursor, without repeats', async () => {
    const first = await source().listRuns({ since: `${at(0)}|`, signal: AbortSignal.timeout(5_000) });
    const ours = new Set<string>([task, dbtRun, good, bad]);
    const mine = first.runs.filter((r) => ours.has(r.runId));
    expect(mine.map((r) => [r.runId, r.jobId, r.state, r.nativeState])).toEqual([
      [task, 'airflow/etl.run_dbt', 'running', 'RUNNING'],
    ]);
    const again = await source().listRuns({ since: first.cursor, signal: AbortSignal.timeout(5_000) });
    expect(again.runs.filter((r) => ours.has(r.runId))).toEqual([]);

    await send(
      runEvent({
        eventType: 'COMPLETE',
        runId: task,
        job: 'etl.run_dbt',
        jobNamespace: 'airflow',
        time: at(5),
      }),
    );
    const later = await source().listRuns({ since: first.cursor, signal: AbortSignal.timeout(5_000) });
    expect(later.runs.map((r) => [r.runId, r.state])).toContainEqual([task, 'success']);
    const excluded = createOpenLineageSource(app.context.db, ['airflow'], 0);
    const none = await excluded.listRuns({ since: first.cursor, signal: AbortSignal.timeout(5_000) });
    expect(none.runs.filter((r) => ours.has(r.runId))).toEqual([]);
  });

  it('reads a run whose event time is behind the cursor: a late event, or a producer whose clock is behind', async () => {
    const ahead = randomUUID();
    await send(
      runEvent({ eventType: 'START', runId: ahead, job: 'clock_ahead', jobNamespace: 'spark', time: at(50) }),
    );
    const read = await source().listRuns({ since: `${at(0)}|`, signal: AbortSignal.timeout(5_000) });
    expect(read.runs.map((r) => r.runId)).toContain(ahead);

    const behind = randomUUID();
    await send(
      runEvent({
        eventType: 'FAIL',
        runId: behind,
        job: 'clock_behind',
        jobNamespace: 'spark',
        time: at(20),
      }),
    );
    const next = await source().listRuns({ since: read.cursor, signal: AbortSignal.timeout(5_000) });
    expect(next.runs.map((r) => [r.runId, r.state])).toEqual([[behind, 'failed']]);
  });

  it('keeps the cursor behind changes within the commit grace, so a later commit of earlier work is not skipped', async () => {
    const graceful = createOpenLineageSource(app.context.db, [], 60_000);
    const run = randomUUID();
    await send(
      runEvent({ eventType: 'START', runId: run, job: 'just_now', jobNamespace: 'spark', time: at(40) }),
    );
    const first = await graceful.listRuns({ since: `${at(0)}|`, signal: AbortSignal.timeout(5_000) });
    expect(first.runs.map((r) => r.runId)).toContain(run);
    const [cursorTime = '', cursorRun] = first.cursor?.split('|') ?? [];
    expect(Date.now() - new Date(cursorTime).getTime()).toBeGreaterThanOrEqual(59_000);
    expect(cursorRun).toBe('');
    const again = await graceful.listRuns({ since: first.cursor, signal: AbortSignal.timeout(5_000) });
    expect(again.runs.map((r) => r.runId)).toContain(run);
  });

  it('finds the datasets of runs for links into the lineage graph', async () => {
    expect(await runDatasets(app.context.db, ['manual__2026-01-01T00:00:00+00:00'])).toEqual([]);
    expect(await runDatasets(app.context.db, [good, bad])).toEqual([
      { id: `dataset:postgres://db:5432:${dbtNs}.raw.orders`, direction: 'in' },
      { id: `dataset:postgres://db:5432:${dbtNs}.analytics.model_a`, direction: 'out' },
    ]);
  });

  it('gives a run its direct children as tasks', async () => {
    const tasks = await source().runTasks(`${dbtNs}/dbt-run-lab`, dbtRun, AbortSignal.timeout(5_000));
    expect(tasks.map((t) => [t.id, t.state, t.error])).toEqual([
      ['model_a', 'success', null],
      ['model_b', 'failed', 'relation "raw.x" does not exist'],
    ]);
  });

  it('refuses a run of another job and ids that are not stored', async () => {
    const s = source();
    const signal = AbortSignal.timeout(5_000);
    await expect(s.runTasks(`${dbtNs}/dbt-run-lab.model_a`, dbtRun, signal)).rejects.toThrow(/has no run/);
    await expect(s.runTasks('nowhere/none', dbtRun, signal)).rejects.toThrow(/no job "nowhere\/none"/);
    await expect(s.runTasks(`${dbtNs}/dbt-run-lab`, 'not-a-uuid', signal)).rejects.toThrow(/are UUIDs/);
    expect('trigger' in s || 'cancel' in s || 'rerunFailed' in s).toBe(false);
  });

  it('nests the dbt run and its model runs under the Airflow task that started them', async () => {
    const tree = await taskChildRuns(app.context.db, {
      dagId: 'etl',
      taskId: 'run_dbt',
      namespace: 'airflow',
      from: new Date(at(0)),
      to: new Date(at(10)),
    });
    expect(tree).toEqual([
      expect.objectContaining({
        runId: dbtRun,
        name: 'dbt-run-lab',
        state: 'failed',
        children: [
          expect.objectContaining({
            runId: good,
            name: 'dbt-run-lab.model_a',
            state: 'success',
            children: [],
          }),
          expect.objectContaining({ runId: bad, state: 'failed', error: 'relation "raw.x" does not exist' }),
        ],
      }),
    ]);
    const outside = await taskChildRuns(app.context.db, {
      dagId: 'etl',
      taskId: 'run_dbt',
      from: new Date(at(20)),
      to: new Date(at(30)),
    });
    expect(outside).toEqual([]);
  });
});
