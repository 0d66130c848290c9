// Answers of the Jobs API for web tests, typed by the contract so a changed field breaks them.
import type {
  JobActions,
  JobBoard,
  JobList,
  JobSourceView,
  JobView,
  RunDetail,
  RunView,
  TaskView,
} from '@contracts/jobs';

export const NO_ACTIONS: JobActions = { trigger: false, rerunFailed: false, cancel: false };
export const ALL_ACTIONS: JobActions = { trigger: true, rerunFailed: true, cancel: true };

export const sourceView = (id: string, overrides: Partial<JobSourceView> = {}): JobSourceView => ({
  id,
  kind: 'airflow3',
  name: id === 'airflow' ? 'Airflow' : id,
  url: `https://${id}.lab/`,
  service: null,
  status: 'ok',
  error: null,
  lastPollAt: new Date(Date.now() - 10_000).toISOString(),
  jobCount: 2,
  actions: ALL_ACTIONS,
  ...overrides,
});

export const runView = (jobId: string, runId: string, overrides: Partial<RunView> = {}): RunView => ({
  source: 'airflow',
  jobId,
  runId,
  state: 'success',
  nativeState: 'success',
  queuedAt: null,
  startedAt: '2026-12-03T10:00:00Z',
  endedAt: '2026-12-03T10:01:00Z',
  durationMs: 60_000,
  trigger: 'scheduled',
  triggeredBy: null,
  error: null,
  url: `https://airflow.lab/dags/${jobId}/runs/${runId}`,
  ...overrides,
});

export const jobView = (jobId: string, overrides: Partial<JobView> = {}): JobView => ({
  source: 'airflow',
  jobId,
  name: jobId,
  owner: 'data-eng',
  tags: ['nightly'],
  schedule: '0 2 * * *',
  nextRunAt: null,
  paused: false,
  url: `https://airflow.lab/dags/${jobId}`,
  health: 'ok',
  healthSince: null,
  recent: [runView(jobId, 'r2'), runView(jobId, 'r1')],
  counts: { success: 2 },
  p90DurationMs: 60_000,
  ...overrides,
});

export const jobList = (jobs: JobView[], sources = [sourceView('airflow')]): JobList => ({
  sources,
  jobs,
  total: jobs.length,
  window: { from: '2026-11-26T00:00:00Z', to: '2026-12-03T00:00:00Z' },
});

export const jobBoard = (overrides: Partial<JobBoard> = {}): JobBoard => ({
  failing: [],
  running: [],
  late: [],
  recovered: [],
  sources: [sourceView('airflow')],
  ...overrides,
});

export const taskView = (id: string, overrides: Partial<TaskView> = {}): TaskView => ({
  id,
  state: 'success',
  nativeState: 'success',
  startedAt: '2026-12-03T10:00:00Z',
  endedAt: '2026-12-03T10:00:30Z',
  durationMs: 30_000,
  tryNumber: 1,
  operator: 'BashOperator',
  mapIndex: -1,
  error: null,
  url: null,
  children: [],
  ...overrides,
});

export const runDetail = (run: RunView, tasks: TaskView[], job = jobView(run.jobId)): RunDetail => ({
  job,
  run,
  tasks,
  datasets: [],
});
