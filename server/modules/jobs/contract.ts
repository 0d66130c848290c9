// The Jobs API as both tiers see it (the SPA imports it with `import type` from '@contracts/jobs').
// Types and zod schemas only: nothing here may import server code.
import { z } from 'zod';

/** Live topic of the jobs module on the SSE channel. */
export const JOBS_TOPIC = 'jobs';

/** A run's state in one vocabulary across sources; the source's own word is kept as `nativeState`. */
export const RUN_STATES = [
  'queued',
  'running',
  'success',
  'failed',
  'cancelled',
  'skipped',
  'upstream_failed',
] as const;
export type RunState = (typeof RUN_STATES)[number];
/** States a run does not leave by itself. */
export const FINISHED_STATES: readonly RunState[] = [
  'success',
  'failed',
  'cancelled',
  'skipped',
  'upstream_failed',
];

/** A source's health as the last poll found it. */
export type SourceStatus = 'ok' | 'degraded' | 'unknown';

/** The actions the caller may take on a source's jobs: allowed by the source kind and by the caller's roles. */
export interface JobActions {
  trigger: boolean;
  /** "Re-run failed": Airflow clear (with a dry-run preview), Dagster re-execution from failure. */
  rerunFailed: boolean;
  cancel: boolean;
}

/** One configured source (an Airflow, a Dagster) or `openlineage` (runs the lineage module stored). */
export interface JobSourceView {
  id: string;
  kind: string;
  name: string;
  /** The source's own UI, for links. */
  url: string | null;
  /** The Home service this source is (its tile shows the failing-jobs count), from `service:` in the config. */
  service: string | null;
  status: SourceStatus;
  /** Why the source is degraded: shown as text. */
  error: string | null;
  lastPollAt: string | null;
  jobCount: number;
  actions: JobActions;
}

/** A run as every list shows it. Keys are `<source>/<jobId>/<runId>` path parts, URL-encoded by clients. */
export interface RunView {
  source: string;
  jobId: string;
  runId: string;
  state: RunState;
  nativeState: string;
  queuedAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  /** How it started: `scheduled`, `manual`, `backfill`, `asset`, `sensor`... as the source says. */
  trigger: string | null;
  /** Who triggered it, where the source records it. */
  triggeredBy: string | null;
  /** First lines of the failure, plain text. */
  error: string | null;
  /** The run in the source's own UI. */
  url: string | null;
}

/** What the Jobs page shows of a job: its latest runs and a health verdict. */
export type JobHealth = 'failing' | 'running' | 'late' | 'recovered' | 'ok' | 'idle';

export interface JobView {
  source: string;
  jobId: string;
  name: string;
  owner: string | null;
  tags: string[];
  /** Human-readable schedule (cron or timetable summary), null when triggered only. */
  schedule: string | null;
  nextRunAt: string | null;
  paused: boolean | null;
  url: string | null;
  health: JobHealth;
  /** Since when the health verdict holds (the first failure of a failing streak, for example). */
  healthSince: string | null;
  /** The last runs, newest first (at most `JOB_RECENT_RUNS`). */
  recent: RunView[];
  /** Run counts per state over the matrix window. */
  counts: Partial<Record<RunState, number>>;
  /** The job's usual duration (p90 of its recent successful runs), to tell a late run. */
  p90DurationMs: number | null;
}

export const JOB_RECENT_RUNS = 20;

/** GET /api/jobs: every source and the jobs matching the filters. */
export interface JobList {
  sources: JobSourceView[];
  jobs: JobView[];
  /** Jobs matching the filters; `jobs` holds at most `limit` of them. */
  total: number;
  /** The window of `counts`, for the matrix header. */
  window: { from: string; to: string };
}

/** GET /api/jobs/board: the glance: what is broken now, what runs, what runs late, what recovered. */
export interface JobBoard {
  failing: JobView[];
  running: RunView[];
  late: RunView[];
  recovered: JobView[];
  sources: JobSourceView[];
}

/** GET /api/jobs/:source/:job/runs: a job's runs, newest first, pages by `before`. */
export interface RunPage {
  job: JobView;
  runs: RunView[];
  /** Pass as `before` for the next page; null on the last. */
  next: string | null;
}

/** A task (Airflow) or step (Dagster) of a run, for the Gantt. */
export interface TaskView {
  id: string;
  state: RunState;
  nativeState: string;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  tryNumber: number | null;
  operator: string | null;
  mapIndex: number | null;
  error: string | null;
  url: string | null;
  /** OpenLineage runs this task started (a dbt model run under the Airflow task that ran dbt-ol). */
  children: ChildRunView[];
}

/** An OpenLineage run nested under a task, with its own children (dbt models under the dbt job run). */
export interface ChildRunView {
  runId: string;
  namespace: string;
  name: string;
  state: RunState;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
  children: ChildRunView[];
}

/** GET /api/jobs/:source/:job/runs/:run. */
export interface RunDetail {
  job: JobView;
  run: RunView;
  tasks: TaskView[];
  /** Datasets the run read and wrote, as lineage node ids (`dataset:<ns>:<name>`), for links into Lineage. */
  datasets: { id: string; direction: 'in' | 'out' }[];
}

/** POST /api/jobs/:source/:job/runs/:run/rerun-failed: what was (or, on a dry run, would be) re-run. */
export interface RerunResult {
  dryRun: boolean;
  tasks: { id: string; state: RunState; mapIndex: number | null }[];
  /** The new run where the source starts one (Dagster re-execution). */
  run: RunView | null;
}

/** Live changes: runs that changed since the last poll of a source, and source status changes. */
export type JobsLiveEvent =
  | { topic: typeof JOBS_TOPIC; type: 'runs'; data: RunView[] }
  | { topic: typeof JOBS_TOPIC; type: 'sources'; data: JobSourceView[] };

export const SOURCE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const sourceId = z.string().regex(SOURCE_ID, 'expected a job source id');
// Airflow DAG and run ids, Dagster job names and run ids, OpenLineage `<namespace>/<name>`: printable text.
const sourceKey = z
  .string()
  .min(1)
  .max(1000)
  .refine((text) => !/\p{Cc}/u.test(text), 'must not contain control characters');

export const jobParams = z.strictObject({ source: sourceId, job: sourceKey });
export const runParams = z.strictObject({ source: sourceId, job: sourceKey, run: sourceKey });

const csv = <T extends string>(item: z.ZodType<T, string>) =>
  z
    .string()
    .max(2000)
    .transform((text) => text.split(',').filter(Boolean))
    .pipe(z.array(item).max(50));

export const jobListQuery = z.strictObject({
  source: csv(sourceId).optional(),
  state: csv(z.enum(RUN_STATES)).optional(),
  owner: z.string().max(200).optional(),
  tag: z.string().max(200).optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

export const runPageQuery = z.strictObject({
  before: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** Trigger: an optional JSON object handed to the run (Airflow `conf`, Dagster run config). */
export const triggerBody = z.strictObject({
  conf: z.record(z.string(), z.unknown()).default({}),
});

export const rerunBody = z.strictObject({ dryRun: z.boolean() });
