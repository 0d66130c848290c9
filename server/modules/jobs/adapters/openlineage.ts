// OpenLineage runs the lineage module stored (every producer: dbt, Spark, Airflow's provider...), read-only.
// Reads only the lineage module's published views lineage_runs_v1 and lineage_jobs_v1 (see its migration
// 006), never its tables. Job ids are `<namespace>/<name>`; either part may hold '/', so an id is resolved
// against the stored jobs. The since-cursor is `(changed_at, run_id)` of the last run read: when Labdeck
// stored the change, not the producer's event time (see the lineage module's migration 008).
import { z } from 'zod';
import type { Db } from '../../../platform/db/pool.ts';
import type { ChildRunView, RunState } from '../contract.ts';
import { excerpt } from './graphql.ts';
import { defineJobSource, type JobSource, type SourceJob, type SourceRun, type SourceTask } from './types.ts';

type SqlReader = Pick<Db, 'query'>;

export const openLineageSchema = z.strictObject({
  kind: z.literal('openlineage'),
  /** Nothing to reach: the runs are in Labdeck's own database. */
  url: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * Job namespaces not to list, such as the one Airflow's provider reports in when the Airflow itself is a
   * source (its DAG runs would show twice).
   */
  excludeNamespaces: z.array(z.string().min(1)).max(100).default([]),
});

const RUNS_PER_POLL = 1000;
/**
 * A run's changed_at is its ingest transaction's start, and the transaction may commit later: the cursor
 * never passes `now() - this`, so a change committed within it is read on a later poll (runs read twice
 * are no change to the jobs store, which keeps only what differs).
 */
export const CHANGE_COMMIT_GRACE_MS = 10_000;
const FIRST_POLL_LOOKBACK_MS = 7 * 24 * 3600_000;
const MAX_JOBS = 5000;
const MAX_TASKS = 1000;
/** The nesting the child-run tree follows (Airflow task → dbt run → model → ...), and its size. */
const MAX_CHILD_DEPTH = 4;
const MAX_CHILD_RUNS = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Stored states (NEW, RUNNING, COMPLETED, FAILED, ABORTED) and event types (START, COMPLETE, FAIL...). */
const STATE: Record<string, RunState> = {
  NEW: 'queued',
  START: 'running',
  RUNNING: 'running',
  COMPLETE: 'success',
  COMPLETED: 'success',
  FAIL: 'failed',
  FAILED: 'failed',
  ABORT: 'cancelled',
  ABORTED: 'cancelled',
};
export const openLineageRunState = (state: string): RunState => STATE[state] ?? 'queued';

interface RunRow {
  run_id: string;
  job_namespace: string;
  job_name: string;
  state: string;
  started_at: Date | null;
  ended_at: Date | null;
  state_time: Date;
  parent_run_id: string | null;
  error_message: string | null;
}

interface ChangedRunRow extends RunRow {
  /** Microsecond ISO text: a JavaScript Date would round the cursor down and re-read a whole page. */
  changed_at: string;
  horizon: string;
  past_horizon: boolean;
}

const isoMicros = (sql: string) => `to_char((${sql}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const runColumns = (t = '') =>
  `${t}run_id::text AS run_id, ${t}job_namespace, ${t}job_name, ${t}state, ${t}started_at, ${t}ended_at,
   ${t}state_time, ${t}parent_run_id::text AS parent_run_id, left(${t}error_message, 2000) AS error_message`;
const RUN_COLUMNS = runColumns();

export const openLineageJobId = (namespace: string, name: string) => `${namespace}/${name}`;

function toSourceRun(row: RunRow): SourceRun {
  return {
    jobId: openLineageJobId(row.job_namespace, row.job_name),
    runId: row.run_id,
    state: openLineageRunState(row.state),
    nativeState: row.state,
    queuedAt: null,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    trigger: row.parent_run_id ? 'parent run' : null,
    triggeredBy: null,
    error: row.error_message ? excerpt(row.error_message, 2000) : null,
    url: null,
  };
}

function toSourceTask(row: RunRow, parentJob: string): SourceTask {
  // A child named under its parent (`dag.task` under `dag`) shows by its own part.
  const id = row.job_name.startsWith(`${parentJob}.`)
    ? row.job_name.slice(parentJob.length + 1)
    : row.job_name;
  return {
    id,
    state: openLineageRunState(row.state),
    nativeState: row.state,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    tryNumber: null,
    operator: row.job_namespace,
    mapIndex: null,
    error: row.error_message ? excerpt(row.error_message, 2000) : null,
    url: null,
  };
}

/** Cursor text: `<changed_at ISO>|<run_id>`. */
function parseCursor(since: string | null): { at: string; runId: string } {
  if (since === null) return { at: new Date(Date.now() - FIRST_POLL_LOOKBACK_MS).toISOString(), runId: '' };
  const [at = '', runId = ''] = since.split('|');
  if (Number.isNaN(new Date(at).getTime()))
    throw new Error(`OpenLineage: bad cursor "${excerpt(since, 80)}"`);
  return { at, runId };
}

/** After the last run read, or at the commit horizon when that run is past it; unchanged without runs. */
function nextCursor(last: ChangedRunRow | undefined, since: string | null, at: string): string {
  if (!last) return since ?? `${at}|`;
  return last.past_horizon ? `${last.horizon}|` : `${last.changed_at}|${last.run_id}`;
}

function assertRunId(runId: string): void {
  if (!UUID.test(runId)) throw new Error(`OpenLineage run ids are UUIDs, got "${excerpt(runId, 80)}"`);
}

/** The stored job a `<namespace>/<name>` id names, trying each '/' as the separator. */
async function resolveJob(db: SqlReader, jobId: string): Promise<{ namespace: string; name: string }> {
  const splits: [string, string][] = [];
  for (let i = jobId.indexOf('/'); i > 0 && splits.length < 20; i = jobId.indexOf('/', i + 1))
    splits.push([jobId.slice(0, i), jobId.slice(i + 1)]);
  if (splits.length > 0) {
    const { rows } = await db.query<{ namespace: string; name: string }>(
      `SELECT namespace, name FROM lineage_jobs_v1
        WHERE (namespace, name) IN (SELECT * FROM unnest($1::text[], $2::text[])) LIMIT 1`,
      [splits.map((s) => s[0]), splits.map((s) => s[1])],
    );
    if (rows[0]) return rows[0];
  }
  throw new Error(`OpenLineage has no job "${excerpt(jobId, 200)}" (expected <namespace>/<name>)`);
}

/**
 * Jobs and runs at the top of their tree only (a dbt run, a Spark application, an Airflow DAG run): the runs
 * they started (dbt models, Spark stages, Airflow tasks) show as their tasks, not as jobs of their own.
 */
export function createOpenLineageSource(
  db: SqlReader,
  excludeNamespaces: string[] = [],
  commitGraceMs = CHANGE_COMMIT_GRACE_MS,
): JobSource {
  return {
    async listJobs() {
      const { rows } = await db.query<{ namespace: string; name: string }>(
        `SELECT j.namespace, j.name FROM lineage_jobs_v1 j
          WHERE NOT (j.namespace = ANY($1))
            AND EXISTS (SELECT 1 FROM lineage_runs_v1 r
                         WHERE r.job_namespace = j.namespace AND r.job_name = j.name AND r.parent_run_id IS NULL)
          ORDER BY j.latest_event_time DESC NULLS LAST LIMIT ${MAX_JOBS}`,
        [excludeNamespaces],
      );
      return rows.map(
        (row): SourceJob => ({
          jobId: openLineageJobId(row.namespace, row.name),
          name: row.name,
          owner: null,
          tags: [row.namespace],
          schedule: null,
          nextRunAt: null,
          paused: null,
          url: null,
        }),
      );
    },

    async listRuns({ since }) {
      const cursor = parseCursor(since);
      const horizon = `now() - $4 * interval '1 millisecond'`;
      const { rows } = await db.query<ChangedRunRow>(
        `SELECT ${RUN_COLUMNS}, ${isoMicros('changed_at')} AS changed_at, ${isoMicros(horizon)} AS horizon,
                changed_at > ${horizon} AS past_horizon
           FROM lineage_runs_v1
          WHERE (changed_at, run_id::text) > ($1::timestamptz, $2) AND parent_run_id IS NULL
            AND NOT (job_namespace = ANY($3))
          ORDER BY changed_at, run_id::text LIMIT ${RUNS_PER_POLL}`,
        [cursor.at, cursor.runId, excludeNamespaces, commitGraceMs],
      );
      return { runs: rows.map(toSourceRun), cursor: nextCursor(rows.at(-1), since, cursor.at) };
    },

    async runTasks(jobId, runId) {
      assertRunId(runId);
      const job = await resolveJob(db, jobId);
      const { rows: owner } = await db.query(
        'SELECT 1 FROM lineage_runs_v1 WHERE run_id = $1 AND job_namespace = $2 AND job_name = $3',
        [runId, job.namespace, job.name],
      );
      if (owner.length === 0) throw new Error(`OpenLineage job ${excerpt(jobId, 200)} has no run ${runId}`);
      const { rows } = await db.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM lineage_runs_v1 WHERE parent_run_id = $1
          ORDER BY coalesce(started_at, state_time), job_name LIMIT ${MAX_TASKS}`,
        [runId],
      );
      return rows.map((row) => toSourceTask(row, job.name));
    },
  };
}

export interface TaskChildRunsQuery {
  dagId: string;
  taskId: string;
  /** The task instance's time range: child runs overlapping it are returned. */
  from: Date;
  to: Date;
  /** The Airflow provider's OpenLineage namespace; any when omitted. */
  namespace?: string;
}

interface TreeRow extends RunRow {
  depth: number;
}

/**
 * The OpenLineage runs an Airflow task started (parent facet naming job `<dag>.<task>`, as the provider's
 * `lineage_parent_id` macro hands to dbt-ol), with their own children nested (dbt model runs under the
 * dbt run), for TaskView.children.
 */
export async function taskChildRuns(db: SqlReader, query: TaskChildRunsQuery): Promise<ChildRunView[]> {
  const { rows } = await db.query<TreeRow>(
    `WITH RECURSIVE tree AS (
       SELECT ${RUN_COLUMNS}, 0 AS depth FROM lineage_runs_v1
        WHERE parent_job_name = $1 AND ($2::text IS NULL OR parent_job_namespace = $2)
          AND state_time >= $3 AND coalesce(started_at, state_time) <= $4
       UNION ALL
       SELECT ${runColumns('c.')}, t.depth + 1
         FROM tree t JOIN lineage_runs_v1 c ON c.parent_run_id = t.run_id::uuid
        WHERE t.depth < ${MAX_CHILD_DEPTH - 1}
     )
     SELECT * FROM tree ORDER BY depth, coalesce(started_at, state_time), job_name LIMIT ${MAX_CHILD_RUNS}`,
    [`${query.dagId}.${query.taskId}`, query.namespace ?? null, query.from, query.to],
  );
  return childTree(rows);
}

/** Rows of a run tree (each after its parent) as nested ChildRunViews. */
export function childTree(rows: TreeRow[]): ChildRunView[] {
  const views = new Map<string, ChildRunView>();
  const roots: ChildRunView[] = [];
  for (const row of rows) {
    if (views.has(row.run_id)) continue;
    const view: ChildRunView = {
      runId: row.run_id,
      namespace: row.job_namespace,
      name: row.job_name,
      state: openLineageRunState(row.state),
      startedAt: row.started_at?.toISOString() ?? null,
      endedAt: row.ended_at?.toISOString() ?? null,
      error: row.error_message ? excerpt(row.error_message, 2000) : null,
      children: [],
    };
    views.set(row.run_id, view);
    const parent = row.depth > 0 && row.parent_run_id ? views.get(row.parent_run_id) : undefined;
    if (parent) parent.children.push(view);
    else if (row.depth === 0) roots.push(view);
  }
  return roots;
}

/** The lineage graph's ids (`dataset:<namespace>:<name>`) of the datasets the given runs read and wrote. */
export async function runDatasets(
  db: SqlReader,
  runIds: string[],
): Promise<{ id: string; direction: 'in' | 'out' }[]> {
  const ids = runIds.filter((id) => UUID.test(id));
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ namespace: string; name: string; direction: 'in' | 'out' }>(
    `SELECT DISTINCT namespace, name, direction FROM lineage_run_io_v1
      WHERE run_id = ANY($1::uuid[]) ORDER BY direction, namespace, name LIMIT 500`,
    [ids],
  );
  return rows.map((row) => ({ id: `dataset:${row.namespace}:${row.name}`, direction: row.direction }));
}

export const openLineageSource = defineJobSource({
  kind: 'openlineage',
  schema: openLineageSchema,
  create: (config, ctx) => createOpenLineageSource(ctx.db, config.excludeNamespaces),
});
