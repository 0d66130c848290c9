import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiClient, proxyAuthYaml, startTestApp, type TestApp, userClient } from '../../test/harness.ts';
import { authModule } from '../auth/index.ts';
import type { JobBoard, JobList, RerunResult, RunDetail, RunPage, RunView } from './contract.ts';
import { jobsModuleWith } from './index.ts';
import { FakeSource, fakeSourceKind, fakeSources, job, run } from './test/fake-source.ts';

const MIN = 60_000;
const DAY = 86_400_000;

describe('jobs API on a real Labdeck with fake sources', () => {
  const main = new FakeSource();
  const readOnly = new FakeSource();
  let app: TestApp;
  let db: pg.Client;
  let admin: ApiClient;
  let operator: ApiClient;
  let analyst: ApiClient;

  beforeAll(async () => {
    main.jobs = [job('etl', { owner: 'ada', tags: ['daily'] }), job('report')];
    main.setRun(run('etl', 'r1', 'success', 120 * MIN));
    main.setRun(run('etl', 'r2', 'failed', 60 * MIN));
    main.setRun(run('report', 'r1', 'running', 10_000, null));
    main.setRun(run('report', 'expired', 'success', 40 * DAY));
    main.setRun(run('report', 'kept', 'success', 29 * DAY));
    readOnly.jobs = [job('ingest')];
    fakeSources.set('main', main);
    fakeSources.set('ro', readOnly);
    app = await startTestApp({
      modules: [authModule, jobsModuleWith([fakeSourceKind])],
      config: `${proxyAuthYaml({ admin: ['lab-admins'], analyst: ['lab-analysts'], operator: ['lab-operators'] })}
jobs:
  sources:
    - { id: main, kind: fake, name: Main, url: "http://127.0.0.1:9/", intervalMs: 1000, timeoutMs: 300, roles: { trigger: [operator] } }
    - { id: ro, kind: fake, url: "http://127.0.0.1:9/", readOnly: true, intervalMs: 1000 }
`,
    });
    db = new pg.Client({ connectionString: app.databaseUrl });
    await db.connect();
    admin = userClient(app.url, { id: 'ada', groups: ['lab-admins'] });
    operator = userClient(app.url, { id: 'otto', groups: ['lab-operators'] });
    analyst = userClient(app.url, { id: 'ann', groups: ['lab-analysts'] });
  });
  afterEach(() => {
    main.failure = null;
    main.delayMs = 0;
  });
  afterAll(async () => {
    await db?.end();
    await app?.close();
  });

  const json = async <T>(res: Response | Promise<Response>, status = 200): Promise<T> => {
    const answer = await res;
    const body = await answer.json();
    expect(answer.status, JSON.stringify(body)).toBe(status);
    return body as T;
  };
  const list = (client: ApiClient = admin, query = '') => json<JobList>(client.get(`/api/jobs${query}`));
  const jobView = async (jobId: string) =>
    (await list()).jobs.find((j) => j.source === 'main' && j.jobId === jobId);
  const until = <T>(check: () => Promise<T>) => vi.waitFor(check, { timeout: 8_000, interval: 100 });

  it('lists jobs with their recent runs, counts and health after the first poll', async () => {
    const etl = await until(async () => {
      const view = await jobView('etl');
      // A read racing the first poll may see its runs before its job listing: wait for both.
      expect(view).toMatchObject({ owner: 'ada', recent: [{}, {}] });
      return view!;
    });
    expect(etl).toMatchObject({
      owner: 'ada',
      tags: ['daily'],
      health: 'failing',
      counts: { success: 1, failed: 1 },
    });
    expect(etl.recent.map((r) => r.runId)).toEqual(['r2', 'r1']);
    expect(etl.recent[1]!.durationMs).toBe(MIN);
    expect(await jobView('report')).toMatchObject({ health: 'running' });
    const body = await list();
    expect(body.sources.find((s) => s.id === 'main')).toMatchObject({
      name: 'Main',
      kind: 'fake',
      status: 'ok',
      error: null,
      jobCount: 2,
    });
    expect(body.window.from < body.window.to).toBe(true);
  });

  it('deletes runs past retentionDays and keeps younger ones', async () => {
    await until(async () => {
      const { rows } = await db.query("SELECT run_id FROM jobs_runs WHERE job_id = 'report' ORDER BY run_id");
      expect(rows.map((row) => row.run_id)).toEqual(['kept', 'r1']);
    });
  });

  it('passes the last cursor on the next poll, which brings only what changed', async () => {
    await until(async () => expect(main.sinces.length).toBeGreaterThanOrEqual(2));
    expect(main.sinces[0]).toBeNull();
    expect(main.sinces[1]).toBe('5');
    main.setRun(run('etl', 'r3', 'success', 5 * MIN));
    const etl = await until(async () => {
      const view = await jobView('etl');
      expect(view?.health).toBe('recovered');
      return view!;
    });
    expect(etl.recent.map((r) => r.runId)).toEqual(['r3', 'r2', 'r1']);
    await until(async () => expect(main.sinces.at(-1)).toBe('6'));
  });

  it('filters by source, state, owner, tag and search', async () => {
    const ids = async (query: string) => (await list(admin, query)).jobs.map((j) => `${j.source}/${j.jobId}`);
    // In order of attention: report is running, etl has recovered.
    expect(await ids('?source=main')).toEqual(['main/report', 'main/etl']);
    expect(await ids('?state=failed')).toEqual(['main/etl']);
    expect(await ids('?owner=ADA')).toEqual(['main/etl']);
    expect(await ids('?tag=daily')).toEqual(['main/etl']);
    expect(await ids('?q=ING')).toEqual(['ro/ingest']);
    const limited = await list(admin, '?limit=1');
    expect([limited.jobs.length, limited.total]).toEqual([1, 3]);
  });

  it('shows a failing source as degraded with the reason, keeping its runs, and recovers', async () => {
    main.failure = 'connection refused';
    await until(async () => {
      const source = (await list()).sources.find((s) => s.id === 'main');
      expect(source).toMatchObject({ status: 'degraded', error: 'connection refused' });
    });
    expect((await jobView('etl'))?.recent).toHaveLength(3);
    main.failure = null;
    main.delayMs = 1_000;
    await until(async () => {
      const source = (await list()).sources.find((s) => s.id === 'main');
      // Jobs are listed on every 10th poll: either call may be the one cut.
      expect(source?.error).toMatch(/^listing (jobs|runs) timed out after 300 ms$/);
    });
    main.delayMs = 0;
    await until(async () => expect((await list()).sources.find((s) => s.id === 'main')?.status).toBe('ok'));
  });

  it('makes one listRuns request per interval whatever the number of live clients, and tells them all', async () => {
    const stop = new AbortController();
    const streams = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(new URL('/api/events?topics=jobs', app.url), {
          headers: { 'X-Forwarded-User': 'ada', 'X-Forwarded-Groups': 'lab-admins' },
          signal: stop.signal,
        }),
      ),
    );
    for (const res of streams) expect(res.status).toBe(200);
    const told = streams.map(async (res) => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!text.includes('"runId":"r1","state":"success"')) {
        const { done, value } = await reader.read();
        if (done) break;
        text += value;
      }
      return text;
    });
    const before = main.calls.listRuns;
    main.setRun(run('report', 'r1', 'success', MIN));
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const polls = main.calls.listRuns - before;
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(polls).toBeLessThanOrEqual(4);
    const texts = await Promise.all(told);
    for (const text of texts) expect(text).toContain('"type":"runs"');
    stop.abort();
  });

  it('pages a job’s runs newest first', async () => {
    const first = await json<RunPage>(admin.get('/api/jobs/main/etl/runs?limit=2'));
    expect(first.runs.map((r) => r.runId)).toEqual(['r3', 'r2']);
    expect(first.job.jobId).toBe('etl');
    const second = await json<RunPage>(admin.get(`/api/jobs/main/etl/runs?limit=2&before=${first.next}`));
    expect(second.runs.map((r) => r.runId)).toEqual(['r1']);
    expect(second.next).toBeNull();
  });

  it('the board shows failing, running, late and recovered', async () => {
    main.setRun(run('report', 'long', 'running', 30 * MIN, null));
    main.setRun(run('etl', 'r4', 'failed', MIN));
    const board = await until(async () => {
      const answer = await json<JobBoard>(admin.get('/api/jobs/board'));
      expect(answer.failing.map((j) => j.jobId)).toEqual(['etl']);
      return answer;
    });
    // report's successes took 1 min (p90): the run started 30 min ago is late.
    expect(board.late.map((r) => r.runId)).toEqual(['long']);
    expect(board.running).toEqual([]);
    expect(board.recovered).toEqual([]);
    expect(board.failing[0]!.healthSince).toBe(
      board.failing[0]!.recent.find((r) => r.runId === 'r4')?.endedAt,
    );
  });

  it('run detail asks the source for tasks; a failing source answers 502 and the stored run still comes', async () => {
    const now = Date.now();
    main.tasks = [
      {
        id: 'extract',
        state: 'failed',
        nativeState: 'failed',
        startedAt: new Date(now - 2 * MIN),
        endedAt: new Date(now - MIN),
        tryNumber: 1,
        operator: 'BashOperator',
        mapIndex: null,
        error: 'exit 1',
        url: null,
      },
    ];
    const detail = await json<RunDetail>(admin.get('/api/jobs/main/etl/runs/r2'));
    expect(detail.run.runId).toBe('r2');
    expect(detail.tasks).toMatchObject([{ id: 'extract', durationMs: MIN, children: [] }]);
    main.failure = 'HTTP 500 from the API';
    const failed = await json<{ error: { code: string; message: string; details: { run: RunView } } }>(
      admin.get('/api/jobs/main/etl/runs/r2'),
      502,
    );
    main.failure = null;
    expect(failed.error.code).toBe('source_error');
    expect(failed.error.message).toBe('Main: HTTP 500 from the API');
    expect(failed.error.details.run.runId).toBe('r2');
    await json(admin.get('/api/jobs/main/etl/runs/nope'), 404);
  });

  it('an analyst sees no actions and the API refuses the trigger (403)', async () => {
    const body = await list(analyst);
    expect(body.sources.find((s) => s.id === 'main')?.actions).toEqual({
      trigger: false,
      rerunFailed: false,
      cancel: false,
    });
    const calls = main.calls.trigger;
    const refused = await json<{ error: { code: string } }>(
      analyst.post('/api/jobs/main/etl/trigger', {}),
      403,
    );
    expect(refused.error.code).toBe('forbidden');
    expect(main.calls.trigger).toBe(calls);
    const { rows } = await db.query("SELECT user_id, details FROM audit_log WHERE action = 'jobs.trigger'");
    expect(rows).toEqual([{ user_id: 'ann', details: expect.objectContaining({ ok: false, status: 403 }) }]);
  });

  it('an operator with the trigger role triggers (audited) but may not cancel', async () => {
    const sources = (await list(operator)).sources;
    expect(sources.find((s) => s.id === 'main')?.actions).toEqual({
      trigger: true,
      rerunFailed: false,
      cancel: false,
    });
    const started = await json<RunView>(
      operator.post('/api/jobs/main/etl/trigger', { conf: { day: '2026-12-01' } }),
      201,
    );
    expect(started).toMatchObject({ source: 'main', jobId: 'etl', state: 'queued' });
    expect((await jobView('etl'))?.recent[0]?.runId).toBe(started.runId);
    const { rows } = await db.query(
      "SELECT user_id, details FROM audit_log WHERE action = 'jobs.trigger' AND user_id = 'otto'",
    );
    expect(rows[0]?.details).toEqual({ source: 'main', job: 'etl', confKeys: ['day'], ok: true });
    await json(operator.post(`/api/jobs/main/etl/runs/${started.runId}/cancel`), 403);
  });

  it('an admin cancels and re-runs failed tasks (dry run first); a read-only kind answers 405', async () => {
    const cancel = await admin.post('/api/jobs/main/report/runs/long/cancel');
    expect(cancel.status).toBe(204);
    await until(async () => {
      const page = await json<RunPage>(admin.get('/api/jobs/main/report/runs'));
      expect(page.runs.find((r) => r.runId === 'long')?.state).toBe('cancelled');
    });
    const preview = await json<RerunResult>(
      admin.post('/api/jobs/main/etl/runs/r2/rerun-failed', { dryRun: true }),
    );
    expect(preview).toEqual({
      dryRun: true,
      tasks: [{ id: 'extract', state: 'failed', mapIndex: null }],
      run: null,
    });
    const done = await json<RerunResult>(
      admin.post('/api/jobs/main/etl/runs/r2/rerun-failed', { dryRun: false }),
    );
    expect(done.run?.runId).toBe('r2-rerun');
    const { rows } = await db.query(
      "SELECT action FROM audit_log WHERE action IN ('jobs.cancel', 'jobs.rerun_failed') AND user_id = 'ada' ORDER BY id",
    );
    expect(rows.map((row) => row.action)).toEqual(['jobs.cancel', 'jobs.rerun_failed']);
    expect((await list()).sources.find((s) => s.id === 'ro')?.actions).toEqual({
      trigger: false,
      rerunFailed: false,
      cancel: false,
    });
    const unsupported = await json<{ error: { code: string } }>(
      admin.post('/api/jobs/ro/ingest/trigger', {}),
      405,
    );
    expect(unsupported.error.code).toBe('not_supported');
  });

  it('refuses an action without the CSRF token', async () => {
    const res = await fetch(new URL('/api/jobs/main/etl/trigger', app.url), {
      method: 'POST',
      headers: {
        'X-Forwarded-User': 'ada',
        'X-Forwarded-Groups': 'lab-admins',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('csrf');
  });

  it.each([
    ['GET', '/api/jobs?limit=0&state=nope', undefined, ['query.state[0]', 'query.limit']],
    ['GET', '/api/jobs/main/etl/runs?before=yesterday', undefined, ['query.before']],
    ['GET', '/api/jobs/Not%20An%20Id/etl/runs', undefined, ['params.source']],
    ['POST', '/api/jobs/main/etl/trigger', { conf: 'x' }, ['body.conf']],
    ['POST', '/api/jobs/main/etl/runs/r2/rerun-failed', {}, ['body.dryRun']],
  ])('%s %s with bad input answers 400 naming every problem', async (method, path, body, where) => {
    const res = method === 'GET' ? await admin.get(path) : await admin.post(path, body);
    const answer = await json<{
      error: { code: string; details?: { problems: Array<{ in: string; path: string }> } };
    }>(res, 400);
    expect(answer.error.code).toBe('bad_request');
    const problems = answer.error.details?.problems.map((p) => (p.path ? `${p.in}.${p.path}` : p.in));
    expect(problems).toEqual(where);
  });

  it('answers 404 for an unknown source or job and 401 without a user', async () => {
    await json(admin.get('/api/jobs/nope/etl/runs'), 404);
    await json(admin.get('/api/jobs/main/nope/runs'), 404);
    expect((await app.fetch('/api/jobs')).status).toBe(401);
  });
});
