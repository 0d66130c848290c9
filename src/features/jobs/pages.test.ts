import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { api } from '@/shared/api/client';
import { usePaletteStore } from '@/shared/palette/palette';
import {
  ALL_ACTIONS,
  jobBoard,
  jobList,
  jobView,
  NO_ACTIONS,
  runDetail,
  runView,
  sourceView,
  taskView,
} from './test/fixtures';
import { FakeEventSource, type FakeRequest, fakeBff, settle, showJobs } from './test/mount';

// echarts needs a real layout engine: the Gantt here only says what it was given.
vi.mock('./gantt', async (original) => ({
  ...(await original<typeof import('./gantt')>()),
  GanttChart: defineComponent({
    props: ['gantt', 'label'],
    setup: (props) => () =>
      h(
        'figure',
        { 'data-testid': 'gantt' },
        props.gantt.rows.map((r: { label: string }) => r.label).join('|'),
      ),
  }),
}));

const XSS = '<img src=x onerror="window.pwned=1">';
const adapter = api.defaults.adapter;
beforeEach(() => vi.stubGlobal('EventSource', FakeEventSource));
afterEach(() => {
  api.defaults.adapter = adapter;
  vi.unstubAllGlobals();
  vi.useRealTimers();
  document.body.innerHTML = '';
});

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe('the Jobs page', () => {
  it('shows the board: failing since when, running with elapsed, late, recovered; the nav badge counts failing jobs', async () => {
    const failing = jobView('lab_fails', {
      health: 'failing',
      healthSince: minutesAgo(12),
      recent: [
        runView('lab_fails', 'r9', { state: 'failed', nativeState: 'failed', error: 'ValueError: boom' }),
      ],
    });
    const board = jobBoard({
      failing: [failing],
      running: [runView('lab_slow', 'r1', { state: 'running', startedAt: minutesAgo(3), endedAt: null })],
      late: [runView('lab_late', 'r2', { state: 'running', startedAt: minutesAgo(90), endedAt: null })],
      recovered: [jobView('lab_ok', { health: 'recovered', healthSince: minutesAgo(5) })],
      sources: [
        sourceView('airflow'),
        sourceView('dagster', { kind: 'dagster', status: 'degraded', error: 'timed out after 10 s' }),
      ],
    });
    fakeBff({ 'GET /jobs/board': board, 'GET /jobs': jobList([failing], board.sources) });
    const { wrapper } = await showJobs('/jobs');

    expect(wrapper.get('[data-testid="board-failing"]').text()).toMatch(
      /lab_fails.*Airflow · since 12 min ago.*ValueError: boom/,
    );
    expect(wrapper.get('[data-testid="board-running"]').text()).toContain('lab_slow');
    expect(wrapper.get('[data-testid="board-running"]').text()).toMatch(/running for 3 min/);
    expect(wrapper.get('[data-testid="board-late"]').text()).toMatch(/lab_late.*running for 90 min/);
    expect(wrapper.get('[data-testid="board-recovered"]').text()).toMatch(/lab_ok.*recovered 5 min ago/);
    expect(wrapper.get('[data-testid="board-running"] a').attributes('href')).toBe(
      '/jobs/airflow/lab_slow/runs/r1',
    );
    expect(wrapper.get('[data-source="dagster"]').text()).toMatch(/degraded.*timed out after 10 s/);
    expect(wrapper.get('[data-testid="badge"]').text()).toBe('1 failing job');
  });

  it('refetches the board when the live channel reports changed runs', async () => {
    let failing = 0;
    const requests = fakeBff({
      'GET /jobs/board': () =>
        jobBoard({ failing: Array.from({ length: failing }, (_, i) => jobView(`j${i}`)) }),
      'GET /jobs': jobList([jobView('j0')]),
    });
    const { wrapper } = await showJobs('/jobs');
    expect(wrapper.get('[data-testid="badge"]').text()).toBe('');
    failing = 2;
    FakeEventSource.last!.emit({
      topic: 'jobs',
      type: 'runs',
      data: [runView('j0', 'r3', { state: 'failed' })],
    });
    await settle();
    expect(requests.filter((r) => r.url === '/jobs/board')).toHaveLength(2);
    expect(wrapper.get('[data-testid="badge"]').text()).toBe('2 failing jobs');
  });

  it('shows a source turning degraded on the live channel, keeping its jobs on screen', async () => {
    fakeBff({ 'GET /jobs/board': jobBoard(), 'GET /jobs': jobList([jobView('lab_ok')]) });
    const { wrapper } = await showJobs('/jobs');
    expect(wrapper.get('[data-source="airflow"]').text()).toContain('ok');
    FakeEventSource.last!.emit({
      topic: 'jobs',
      type: 'sources',
      data: [sourceView('airflow', { status: 'degraded', error: 'HTTP 502 from /api/v2/dags' })],
    });
    await settle();
    expect(wrapper.get('[data-source="airflow"]').text()).toMatch(/degraded.*HTTP 502 from \/api\/v2\/dags/);
    expect(wrapper.find('[data-job="airflow/lab_ok"]').exists()).toBe(true);
  });

  it('keeps the matrix filters in the URL and asks the API with them', async () => {
    const requests = fakeBff({
      'GET /jobs/board': jobBoard(),
      'GET /jobs': jobList([jobView('lab_fails', { counts: { failed: 3, success: 1 } })]),
    });
    const { wrapper, router } = await showJobs('/jobs?source=airflow&q=lab');
    expect(requests.find((r) => r.url === '/jobs')?.params).toEqual({
      source: 'airflow',
      q: 'lab',
      limit: 100,
    });
    expect(wrapper.get<HTMLInputElement>('[data-testid="jobs-search"]').element.value).toBe('lab');

    await wrapper.get('[data-testid="filter-state"]').setValue('failed');
    await settle();
    expect(router.currentRoute.value.query).toEqual({ source: 'airflow', state: 'failed', q: 'lab' });
    expect(requests.at(-1)?.params).toEqual({ source: 'airflow', state: 'failed', q: 'lab', limit: 100 });

    await wrapper.get('[data-testid="filter-tag"]').setValue(' nightly ');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await settle();
    expect(router.currentRoute.value.query).toMatchObject({ tag: 'nightly' });
    expect(requests.at(-1)?.params).toEqual({
      source: 'airflow',
      state: 'failed',
      q: 'lab',
      tag: 'nightly',
      limit: 100,
    });

    const cell = wrapper.get('[data-job="airflow/lab_fails"] [data-cell="failed"]');
    expect(cell.text()).toBe('3');
    expect(cell.attributes('href')).toBe('/jobs/airflow/lab_fails?state=failed');
    expect(cell.attributes('aria-label')).toBe('3 failed runs of lab_fails');
  });

  it('shows the first 100 jobs and 100 more per click, back to 100 when the filters change', async () => {
    const all = Array.from({ length: 250 }, (_, i) => jobView(`job_${i}`));
    const requests = fakeBff({
      'GET /jobs/board': jobBoard(),
      'GET /jobs': (request: FakeRequest) => ({
        ...jobList(all.slice(0, (request.params as { limit: number }).limit)),
        total: all.length,
      }),
    });
    const { wrapper } = await showJobs('/jobs');
    expect(wrapper.findAll('[data-job]')).toHaveLength(100);
    expect(wrapper.get('[data-testid="job-matrix"] caption').text()).toContain('showing 100 of 250 jobs');
    await wrapper.get('[data-testid="jobs-more"]').trigger('click');
    await settle();
    expect(requests.at(-1)?.params).toEqual({ limit: 200 });
    expect(wrapper.findAll('[data-job]')).toHaveLength(200);
    expect(wrapper.get('[data-testid="jobs-more"]').text()).toBe('Show 50 more jobs');
    await wrapper.get('[data-testid="jobs-more"]').trigger('click');
    await settle();
    expect(wrapper.findAll('[data-job]')).toHaveLength(250);
    expect(wrapper.find('[data-testid="jobs-more"]').exists()).toBe(false);

    await wrapper.get('[data-testid="filter-state"]').setValue('failed');
    await settle();
    expect(requests.at(-1)?.params).toEqual({ state: 'failed', limit: 100 });
  });

  it('draws the last runs as squares oldest first, with glyph, words and the native state', async () => {
    const recent = [
      runView('etl', 'r3', { state: 'running', nativeState: 'running', endedAt: null, durationMs: null }),
      runView('etl', 'r2', { state: 'upstream_failed', nativeState: 'upstream_failed', durationMs: 5_000 }),
      runView('etl', 'r1', { state: 'success', nativeState: 'success', durationMs: 60_000 }),
    ];
    fakeBff({ 'GET /jobs/board': jobBoard(), 'GET /jobs': jobList([jobView('etl', { recent })]) });
    const { wrapper } = await showJobs('/jobs');
    const squares = wrapper.findAll('[data-job="airflow/etl"] .square');
    expect(squares.map((s) => [s.attributes('data-state'), s.text()])).toEqual([
      ['success', '✓'],
      ['upstream_failed', '!'],
      ['running', '▶'],
    ]);
    expect(squares[1]!.attributes('title')).toMatch(
      /^Upstream failed \(upstream_failed\), started .*, run r2$/,
    );
    expect(squares[2]!.attributes('href')).toBe('/jobs/airflow/etl/runs/r3');
    expect(wrapper.get('[data-job="airflow/etl"] svg[role="img"]').attributes('aria-label')).toBe(
      'Durations of the last 3 runs of etl',
    );
  });

  it('explains how to add a source when none is configured and nothing was reported', async () => {
    const openlineage = sourceView('openlineage', {
      kind: 'openlineage',
      name: 'OpenLineage',
      jobCount: 0,
      actions: NO_ACTIONS,
    });
    fakeBff({
      'GET /jobs/board': jobBoard({ sources: [openlineage] }),
      'GET /jobs': jobList([], [openlineage]),
    });
    const { wrapper } = await showJobs('/jobs');
    expect(wrapper.text()).toContain('No job source yet');
    expect(wrapper.get('[data-testid="jobs-example"]').text()).toMatch(
      /jobs:\n {2}sources:\n.*kind: airflow3/s,
    );
    expect(wrapper.find('[data-testid="job-matrix"]').exists()).toBe(false);
  });

  it('shows names, errors and source reasons from a source as text, never as markup', async () => {
    const evil = jobView(XSS, {
      name: XSS,
      tags: [XSS],
      owner: XSS,
      health: 'failing',
      healthSince: minutesAgo(1),
      recent: [runView(XSS, XSS, { state: 'failed', error: XSS })],
    });
    const sources = [sourceView('airflow', { status: 'degraded', error: XSS })];
    fakeBff({
      'GET /jobs/board': jobBoard({ failing: [evil], sources }),
      'GET /jobs': jobList([evil], sources),
    });
    const { wrapper } = await showJobs('/jobs');
    expect(document.querySelector('img')).toBeNull();
    expect(wrapper.get('[data-testid="board-failing"]').text()).toContain(XSS);
    expect(wrapper.get('.job-name').text()).toBe(XSS);
    expect(wrapper.get('[data-testid="source-error"]').text()).toBe(XSS);
  });
});

describe('the job page', () => {
  const job = jobView('lab_fails');
  const runs = [
    runView('lab_fails', 'manual__2026-12-03T10:00:00+00:00', { state: 'failed', error: 'boom' }),
    runView('lab_fails', 'scheduled__2026-12-02', { state: 'success' }),
  ];
  const page = { job, runs, next: null };

  it('asks for runs with encoded ids, filters by the state in the URL, offers no Trigger without the action', async () => {
    const requests = fakeBff({
      'GET /jobs/board': jobBoard({ sources: [sourceView('airflow', { actions: NO_ACTIONS })] }),
      'GET /jobs': jobList([]),
      'GET /jobs/airflow/lab_fails/runs': page,
    });
    const { wrapper, router } = await showJobs('/jobs/airflow/lab_fails?state=failed');
    expect(requests.find((r) => r.url.endsWith('/runs'))?.params).toEqual({ limit: 50 });
    expect(wrapper.findAll('[data-run]').map((row) => row.attributes('data-run'))).toEqual([runs[0]!.runId]);
    // ':' and '+' may stay in a path; the link leads back to the same run id.
    const href = wrapper.get('[data-run] a').attributes('href')!;
    expect(router.resolve(href).params).toEqual({ source: 'airflow', job: 'lab_fails', run: runs[0]!.runId });
    expect(wrapper.find('[data-testid="trigger"]').exists()).toBe(false);
  });

  it('checks the trigger conf is a JSON object before sending it, then opens the new run', async () => {
    const requests = fakeBff({
      'GET /jobs/board': jobBoard({ sources: [sourceView('airflow', { actions: ALL_ACTIONS })] }),
      'GET /jobs': jobList([]),
      'GET /jobs/airflow/lab_fails/runs': page,
      'POST /jobs/airflow/lab_fails/trigger': ({ body }: { body: { conf: object } }) =>
        runView('lab_fails', 'manual__new', { state: 'queued', conf: body.conf } as never),
      'GET /jobs/airflow/lab_fails/runs/manual__new': runDetail(
        runView('lab_fails', 'manual__new', { state: 'queued' }),
        [],
      ),
    });
    const { wrapper, router } = await showJobs('/jobs/airflow/lab_fails');
    await wrapper.get('[data-testid="trigger"]').trigger('click');
    await settle();

    await wrapper.get('[data-testid="trigger-conf"]').setValue('[1, 2]');
    await wrapper.get('#trigger-form').trigger('submit');
    await settle();
    expect(wrapper.get('[data-testid="conf-error"]').text()).toContain('must be a JSON object');
    expect(wrapper.get('[data-testid="trigger-conf"]').attributes('aria-invalid')).toBe('true');
    await wrapper.get('[data-testid="trigger-conf"]').setValue('{"date": ');
    await wrapper.get('#trigger-form').trigger('submit');
    await settle();
    expect(wrapper.get('[data-testid="conf-error"]').text()).toMatch(/^Not valid JSON/);
    expect(requests.filter((r) => r.method === 'POST')).toEqual([]);

    await wrapper.get('[data-testid="trigger-conf"]').setValue('{"date": "2026-12-03"}');
    await wrapper.get('#trigger-form').trigger('submit');
    await settle();
    expect(requests.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([
      { conf: { date: '2026-12-03' } },
    ]);
    // The run page loads lazily on the first visit.
    await vi.waitFor(() =>
      expect(router.currentRoute.value.fullPath).toBe('/jobs/airflow/lab_fails/runs/manual__new'),
    );
  });

  it('shows a refused trigger inline', async () => {
    fakeBff({
      'GET /jobs/board': jobBoard(),
      'GET /jobs': jobList([]),
      'GET /jobs/airflow/lab_fails/runs': page,
      'POST /jobs/airflow/lab_fails/trigger': () => {
        throw { status: 403, message: 'You may not trigger jobs of Airflow' };
      },
    });
    const { wrapper } = await showJobs('/jobs/airflow/lab_fails');
    await wrapper.get('[data-testid="trigger"]').trigger('click');
    await settle();
    await wrapper.get('#trigger-form').trigger('submit');
    await settle();
    expect(wrapper.get('[data-testid="trigger-error"]').text()).toBe('You may not trigger jobs of Airflow');
  });
});

describe('the run page', () => {
  const runId = 'manual__2026-12-03T10:00:00+00:00';
  const path = `/jobs/airflow/lab_fails/runs/${encodeURIComponent(runId)}`;
  const failed = runView('lab_fails', runId, {
    state: 'failed',
    nativeState: 'failed',
    error: `Traceback\n${XSS}`,
  });
  const tasks = [
    taskView('extract'),
    taskView('load', {
      state: 'failed',
      nativeState: 'failed',
      error: 'ValueError: boom',
      startedAt: '2026-12-03T10:00:30Z',
    }),
  ];
  const detail = {
    ...runDetail(failed, tasks),
    datasets: [{ id: 'dataset:postgres://db:5432:public.orders', direction: 'out' as const }],
  };

  it('draws the Gantt and the tasks, the error as text, and links the datasets into Lineage', async () => {
    const requests = fakeBff({
      'GET /jobs/board': jobBoard(),
      'GET /jobs': jobList([]),
      [`GET ${path}`]: detail,
    });
    const { wrapper, router } = await showJobs(path);
    expect(requests.some((r) => r.url === path)).toBe(true);
    expect(wrapper.get('[data-testid="gantt"]').text()).toBe('extract|load');
    expect(wrapper.get('[data-testid="run-error"]').text()).toBe(`Traceback\n${XSS}`);
    expect(document.querySelector('img')).toBeNull();
    expect(wrapper.get('[data-task="load"]').text()).toContain('ValueError: boom');
    const lineage = router.resolve(wrapper.get('a[href^="/lineage"]').attributes('href')!);
    expect(lineage.query).toEqual({ node: 'dataset:postgres://db:5432:public.orders' });
  });

  it('re-runs failed tasks only after a dry run listed them and the user confirmed', async () => {
    const requests = fakeBff({
      'GET /jobs/board': jobBoard(),
      'GET /jobs': jobList([]),
      [`GET ${path}`]: detail,
      [`POST ${path}/rerun-failed`]: ({ body }: { body: { dryRun: boolean } }) => ({
        dryRun: body.dryRun,
        tasks: [
          { id: 'load', state: 'failed', mapIndex: -1 },
          { id: 'report', state: 'upstream_failed', mapIndex: null },
        ],
        run: null,
      }),
    });
    const { wrapper } = await showJobs(path);
    expect(wrapper.find('[data-testid="cancel"]').exists()).toBe(false);
    await wrapper.get('[data-testid="rerun"]').trigger('click');
    await settle();
    const posts = () => requests.filter((r) => r.method === 'POST').map((r) => r.body);
    expect(posts()).toEqual([{ dryRun: true }]);
    expect(wrapper.get('[data-testid="rerun-preview"]').text()).toMatch(
      /Failed\s*load.*Upstream failed\s*report/s,
    );

    await wrapper.get('[data-testid="rerun-confirm"]').trigger('click');
    await settle();
    expect(posts()).toEqual([{ dryRun: true }, { dryRun: false }]);
    expect(wrapper.get('[data-testid="rerun-done"]').text()).toContain('Re-run started for 2 tasks');
  });

  it('cancels a running run after confirming, its Gantt bar open', async () => {
    const running = runView('lab_slow', 'r1', {
      state: 'running',
      nativeState: 'running',
      endedAt: null,
      durationMs: null,
    });
    const runPath = '/jobs/airflow/lab_slow/runs/r1';
    const requests = fakeBff({
      'GET /jobs/board': jobBoard(),
      'GET /jobs': jobList([]),
      [`GET ${runPath}`]: runDetail(running, [
        taskView('sleep', { state: 'running', endedAt: null, durationMs: null }),
      ]),
      [`POST ${runPath}/cancel`]: undefined,
    });
    const { wrapper } = await showJobs(runPath);
    expect(wrapper.find('[data-testid="rerun"]').exists()).toBe(false);
    await wrapper.get('[data-testid="cancel"]').trigger('click');
    await settle();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
    await wrapper.get('[data-testid="cancel-confirm"]').trigger('click');
    await settle();
    expect(requests.filter((r) => r.method === 'POST').map((r) => r.url)).toEqual([`${runPath}/cancel`]);
    expect(wrapper.find('[data-testid="cancel-confirm"]').exists()).toBe(false);
  });

  it('draws no timeline while no task has started (a queued run, tasks that never ran)', async () => {
    const queued = runView('lab_fails', 'r2', { state: 'queued', nativeState: 'queued', startedAt: null });
    const notStarted = { startedAt: null, endedAt: null, durationMs: null };
    fakeBff({
      'GET /jobs/board': jobBoard(),
      'GET /jobs': jobList([]),
      'GET /jobs/airflow/lab_fails/runs/r2': runDetail(queued, [
        taskView('prepare', { state: 'queued', nativeState: 'queued', ...notStarted }),
        taskView('break_on_purpose', { state: 'queued', nativeState: 'none', ...notStarted }),
      ]),
    });
    const { wrapper } = await showJobs('/jobs/airflow/lab_fails/runs/r2');
    expect(wrapper.find('[data-testid="gantt"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="gantt-none"]').text()).toBe(
      'No task has started, so there is no timeline yet.',
    );
    expect(wrapper.findAll('[data-testid="task-table"] tbody tr')).toHaveLength(2);
  });

  it('comes back by itself when the run was opened before Labdeck stored it', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      let stored = false;
      fakeBff({
        'GET /jobs/board': jobBoard(),
        'GET /jobs': jobList([]),
        [`GET ${path}`]: () => {
          if (!stored) throw { status: 404, message: `No run ${runId} in source airflow` };
          return detail;
        },
      });
      const { wrapper } = await showJobs(path);
      expect(wrapper.text()).toContain('This run could not be loaded');
      stored = true;
      await vi.advanceTimersByTimeAsync(5_500);
      await settle();
      expect(wrapper.text()).not.toContain('This run could not be loaded');
      expect(wrapper.get('[data-testid="gantt"]').text()).toBe('extract|load');
    } finally {
      vi.useRealTimers();
    }
  });

  it('offers no actions when the source allows none', async () => {
    const running = runView('lab_slow', 'r1', { state: 'running', endedAt: null });
    fakeBff({
      'GET /jobs/board': jobBoard({ sources: [sourceView('airflow', { actions: NO_ACTIONS })] }),
      'GET /jobs': jobList([]),
      'GET /jobs/airflow/lab_fails/runs/r1': runDetail({ ...failed, runId: 'r1' }, tasks),
      'GET /jobs/airflow/lab_slow/runs/r1': runDetail(running, []),
    });
    for (const path of ['/jobs/airflow/lab_fails/runs/r1', '/jobs/airflow/lab_slow/runs/r1']) {
      const { wrapper } = await showJobs(path);
      expect(wrapper.find('[data-testid="run-duration"]').exists()).toBe(true);
      expect(wrapper.findAll('button[data-testid]').map((b) => b.attributes('data-testid'))).toEqual([]);
      wrapper.unmount();
    }
  });
});

describe('the palette', () => {
  it('finds jobs by name once it is opened, and opens the job', async () => {
    const requests = fakeBff({
      'GET /jobs/board': jobBoard(),
      'GET /jobs': jobList([jobView('ns/orders_daily', { name: 'orders_daily', source: 'airflow' })]),
      'GET /jobs/airflow/ns%2Forders_daily/runs': { job: jobView('ns/orders_daily'), runs: [], next: null },
    });
    const { router } = await showJobs('/jobs/airflow/ns%2Forders_daily');
    expect(requests.some((r) => r.url === '/jobs')).toBe(false);
    const palette = usePaletteStore();
    palette.open();
    await settle();
    const command = palette.commands.find((c) => c.group === 'Jobs');
    expect([command?.title, command?.hint]).toEqual(['orders_daily', 'Airflow']);
    await router.push('/jobs');
    command!.run({ newTab: false });
    await settle();
    expect(router.currentRoute.value.name).toBe('jobs-job');
    expect(router.currentRoute.value.params).toEqual({ source: 'airflow', job: 'ns/orders_daily' });
  });
});
