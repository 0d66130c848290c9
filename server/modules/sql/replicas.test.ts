import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { apiClient, createDatabase, startReplica, type TestApp } from '../../test/harness.ts';
import { ORPHANED_RUN_MESSAGE } from './service.ts';
import { endOf, type Json, readRun } from './test/run.ts';

/** Two replicas on one database, each with the same warehouse connection (a scratch database). */
describe('SQL runs across replicas', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: pg.Client;
  const sqlYaml = (scratchUrl: string) =>
    `sql:\n  sample: { enabled: false }\n  connections:\n    - { id: scratch, engine: postgres, url: "${scratchUrl}" }\n`;

  beforeAll(async () => {
    const databaseUrl = await createDatabase(inject('postgresUrl'));
    const scratchUrl = await createDatabase(inject('postgresUrl'));
    // A renews its lease rarely; B sweeps every 200 ms with a 1.5 s lease: A looks dead unless it beats.
    a = await startReplica(
      databaseUrl,
      `${sqlYaml(scratchUrl)}replicas: { heartbeatMs: 60000, leaseMs: 120000 }\n`,
    );
    b = await startReplica(
      databaseUrl,
      `${sqlYaml(scratchUrl)}replicas: { heartbeatMs: 200, leaseMs: 1500 }\n`,
    );
    admin = new pg.Client({ connectionString: scratchUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await a?.close();
    await b?.close();
  });

  const sleepers = async (seconds: number) =>
    (
      await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1 AND state = 'active'`,
        [`SELECT pg_sleep(${seconds})`],
      )
    ).rows[0]!.n;
  const historyState = async (app: TestApp, sql: string) => {
    const res = await apiClient(app.url).get(`/api/sql/history?q=${encodeURIComponent(sql)}`);
    return ((await res.json()) as Json).items[0] as { state: string; error: string | null };
  };

  it('cancels through B a query that runs on A, which stops it in PostgreSQL', async () => {
    await a.context.replica.beat();
    const beating = setInterval(() => void a.context.replica.beat(), 300);
    onTestFinished(() => clearInterval(beating));
    const atA = apiClient(a.url);
    const atB = apiClient(b.url);
    const started = Date.now();
    let runId = '';
    let cancel: Promise<Response> | undefined;
    const lines = await readRun(
      await atA.post('/api/sql/run', { connectionId: 'scratch', sql: 'SELECT pg_sleep(60)', tabId: 't1' }),
      (line) => {
        if (line.t === 'start') runId = line.runId as string;
        if (line.t === 'query') cancel = atB.post(`/api/sql/runs/${runId}/cancel`);
      },
    );
    const answer = await cancel!;
    expect(answer.status).toBe(202);
    expect(endOf(lines).state).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await sleepers(60)).toBe(0);
    expect((await historyState(b, 'pg_sleep(60)')).state).toBe('cancelled');
  });

  it('answers 404 at any replica for a run that is not running', async () => {
    const res = await apiClient(b.url).post('/api/sql/runs/00000000-0000-4000-8000-000000000000/cancel');
    expect(res.status).toBe(404);
  });

  it("reports A's in-flight run failed once A's lease runs out, instead of leaving it running", async () => {
    await a.context.replica.beat();
    const atA = apiClient(a.url);
    const res = await atA.post('/api/sql/run', {
      connectionId: 'scratch',
      sql: 'SELECT pg_sleep(61)',
      tabId: 't2',
    });
    const reader = res.body!.getReader();
    await reader.read();
    await expect.poll(() => sleepers(61), { timeout: 5_000 }).toBe(1);
    expect((await historyState(b, 'pg_sleep(61)')).state).toBe('running');
    // A is alive but silent: after 1.5 s B takes it for dead and reports its run.
    await expect
      .poll(() => historyState(b, 'pg_sleep(61)'), { timeout: 5_000 })
      .toEqual(expect.objectContaining({ state: 'failed', error: ORPHANED_RUN_MESSAGE }));
    await reader.cancel();
    await expect.poll(() => sleepers(61), { timeout: 10_000 }).toBe(0);
  });
});
