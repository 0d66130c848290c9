import { setImmediate } from 'node:timers/promises';
import type { Db, Queryable } from '../../platform/db/pool.ts';
import type { SourceJob, SourceRun } from './adapters/types.ts';
import type { JobView, RunState, RunView, SourceStatus } from './contract.ts';

export interface SourceStateRow {
  source: string;
  status: SourceStatus;
  error: string | null;
  cursor: string | null;
  lastPollAt: Date | null;
}

/** A stored job: what its source reported, before the module derives health and counts. */
export type JobRow = Pick<
  JobView,
  'source' | 'jobId' | 'name' | 'owner' | 'tags' | 'schedule' | 'nextRunAt' | 'paused' | 'url'
>;

/** A stored run as the API shows it, with its paging position. */
export interface StoredRun extends RunView {
  /** `<sort_at epoch ms>.<id>` (sort_at is kept to the millisecond): `before` for the page after this run. */
  position: string;
}

// Times come as epoch milliseconds (what JavaScript's Date keeps): parsing timestamptz text costs more than
// the query when a snapshot reads 100,000 runs.
const epochMs = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::float8 AS ${column}`;
const RUN_COLUMNS = `source, job_id, run_id, state, native_state, ${epochMs('queued_at')}, ${epochMs('started_at')},
  ${epochMs('ended_at')}, trigger, triggered_by, error, url, id, (extract(epoch FROM sort_at) * 1000)::int8 AS sort_ms`;

interface RunRow {
  source: string;
  job_id: string;
  run_id: string;
  state: RunState;
  native_state: string;
  queued_at: number | null;
  started_at: number | null;
  ended_at: number | null;
  trigger: string | null;
  triggered_by: string | null;
  error: string | null;
  url: string | null;
  id: number;
  sort_ms: number;
}

const iso = (date: Date | number | null) => (date === null ? null : new Date(date).toISOString());

function toRun(row: RunRow): StoredRun {
  const { started_at: started, ended_at: ended } = row;
  return {
    source: row.source,
    jobId: row.job_id,
    runId: row.run_id,
    state: row.state,
    nativeState: row.native_state,
    queuedAt: iso(row.queued_at),
    startedAt: iso(started),
    endedAt: iso(ended),
    durationMs: started !== null && ended !== null ? ended - started : null,
    trigger: row.trigger,
    triggeredBy: row.triggered_by,
    error: row.error,
    url: row.url,
    position: `${row.sort_ms}.${row.id}`,
  };
}

/** Jobs of `sources`, or only the listed ones of them (a snapshot refreshing the jobs a poll changed). */
export interface JobScope {
  sources: readonly string[];
  only?: ReadonlyArray<{ source: string; jobId: string }>;
}

/** The scope as $1..$3, and its condition on the job columns of `alias`. */
function scoped(scope: JobScope, alias: string) {
  return {
    params: [
      scope.sources,
      scope.only?.map((job) => job.source) ?? null,
      scope.only?.map((job) => job.jobId) ?? null,
    ],
    where: `${alias}.source = ANY($1) AND ($2::text[] IS NULL OR (${alias}.source, ${alias}.job_id) IN
      (SELECT * FROM unnest($2::text[], $3::text[])))`,
  };
}

/** Maps rows in slices, yielding to the event loop between them (a snapshot maps 100,000 runs). */
async function mapInSlices<R, T>(rows: readonly R[], map: (row: R) => T, slice = 2_000): Promise<T[]> {
  const out: T[] = [];
  for (let at = 0; at < rows.length; at += slice) {
    if (at) await setImmediate();
    for (const row of rows.slice(at, at + slice)) out.push(map(row));
  }
  return out;
}

/** Parses a `before` cursor; null when it is not one this store wrote. */
export function parsePosition(text: string): { sortMs: number; id: number } | null {
  const match = /^(\d{1,16})\.(\d{1,18})$/.exec(text);
  return match ? { sortMs: Number(match[1]), id: Number(match[2]) } : null;
}

/** The last of duplicate (job, run) keys wins: one statement may not update a row twice. */
function lastOfEach(runs: readonly SourceRun[]): SourceRun[] {
  const byKey = new Map<string, SourceRun>();
  for (const run of runs) byKey.set(JSON.stringify([run.jobId, run.runId]), run);
  return [...byKey.values()];
}

/**
 * Inserts or updates runs in one statement; returns only the rows that are new or changed, so a poll
 * that brings the same runs again publishes nothing.
 */
async function upsertRuns(db: Queryable, source: string, input: readonly SourceRun[]): Promise<StoredRun[]> {
  const runs = lastOfEach(input);
  if (!runs.length) return [];
  const col = <T>(pick: (run: SourceRun) => T) => runs.map(pick);
  const time = (pick: (run: SourceRun) => Date | null) => col((run) => iso(pick(run)));
  const { rows } = await db.query<RunRow>(
    `INSERT INTO jobs_runs AS r (source, job_id, run_id, state, native_state, queued_at, started_at, ended_at,
       trigger, triggered_by, error, url, sort_at)
     SELECT $1, u.*, date_trunc('milliseconds', COALESCE(u.queued_at, u.started_at, u.ended_at, now()))
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[],
       $8::timestamptz[], $9::text[], $10::text[], $11::text[], $12::text[])
       AS u(job_id, run_id, state, native_state, queued_at, started_at, ended_at, trigger, triggered_by, error, url)
     ON CONFLICT (source, job_id, run_id) DO UPDATE SET
       state = EXCLUDED.state, native_state = EXCLUDED.native_state, queued_at = EXCLUDED.queued_at,
       started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at, trigger = EXCLUDED.trigger,
       triggered_by = EXCLUDED.triggered_by, error = EXCLUDED.error, url = EXCLUDED.url,
       sort_at = COALESCE(date_trunc('milliseconds', COALESCE(EXCLUDED.queued_at, EXCLUDED.started_at, EXCLUDED.ended_at)), r.sort_at),
       updated_at = now()
     WHERE (r.state, r.native_state, r.queued_at, r.started_at, r.ended_at, r.trigger, r.triggered_by, r.error, r.url)
       IS DISTINCT FROM (EXCLUDED.state, EXCLUDED.native_state, EXCLUDED.queued_at, EXCLUDED.started_at,
       EXCLUDED.ended_at, EXCLUDED.trigger, EXCLUDED.triggered_by, EXCLUDED.error, EXCLUDED.url)
     RETURNING ${RUN_COLUMNS}`,
    [
      source,
      col((r) => r.jobId),
      col((r) => r.runId),
      col((r) => r.state),
      col((r) => r.nativeState),
      time((r) => r.queuedAt),
      time((r) => r.startedAt),
      time((r) => r.endedAt),
      col((r) => r.trigger),
      col((r) => r.triggeredBy),
      col((r) => r.error),
      col((r) => r.url),
    ],
  );
  // Jobs a source reports runs of before listing them (or never lists: OpenLineage) get a row named by id.
  await db.query(
    `INSERT INTO jobs_jobs (source, job_id, name) SELECT $1, j, j FROM unnest($2::text[]) AS j
     ON CONFLICT DO NOTHING`,
    [source, [...new Set(runs.map((run) => run.jobId))]],
  );
  return rows.map(toRun);
}

export type JobsStore = ReturnType<typeof createJobsStore>;

/** SQL of the Jobs module: source poll state, jobs, runs. */
export function createJobsStore(db: Db) {
  return {
    upsertRuns: (source: string, runs: readonly SourceRun[]) =>
      db.transaction((client) => upsertRuns(client, source, runs)),

    /** One successful poll, atomically: its runs, the new cursor, and the source back to ok. */
    async pollSucceeded(
      source: string,
      runs: readonly SourceRun[],
      cursor: string | null,
    ): Promise<StoredRun[]> {
      return db.transaction(async (client) => {
        const changed = await upsertRuns(client, source, runs);
        await client.query(
          `INSERT INTO jobs_sources (source, status, error, cursor, last_poll_at, last_ok_at)
           VALUES ($1, 'ok', NULL, $2, now(), now())
           ON CONFLICT (source) DO UPDATE SET status = 'ok', error = NULL, cursor = EXCLUDED.cursor,
             last_poll_at = now(), last_ok_at = now()`,
          [source, cursor],
        );
        return changed;
      });
    },

    /** A failed poll: the source is degraded with the reason; its cursor and runs stay. */
    async pollFailed(source: string, error: string): Promise<void> {
      await db.query(
        `INSERT INTO jobs_sources (source, status, error, last_poll_at) VALUES ($1, 'degraded', $2, now())
         ON CONFLICT (source) DO UPDATE SET status = 'degraded', error = EXCLUDED.error, last_poll_at = now()`,
        [source, error],
      );
    },

    async sourceStates(): Promise<SourceStateRow[]> {
      const { rows } = await db.query<{
        source: string;
        status: SourceStatus;
        error: string | null;
        cursor: string | null;
        last_poll_at: Date | null;
      }>('SELECT source, status, error, cursor, last_poll_at FROM jobs_sources');
      return rows.map((row) => ({
        source: row.source,
        status: row.status,
        error: row.error,
        cursor: row.cursor,
        lastPollAt: row.last_poll_at,
      }));
    },

    /** Inserts or updates the listed jobs; returns how many were new or changed. */
    async saveJobs(source: string, jobs: readonly SourceJob[]): Promise<number> {
      if (!jobs.length) return 0;
      const { rowCount } = await db.query(
        `INSERT INTO jobs_jobs AS j (source, job_id, name, owner, tags, schedule, next_run_at, paused, url)
         SELECT $1, u.job_id, u.name, u.owner, ARRAY(SELECT jsonb_array_elements_text(u.tags)), u.schedule,
           u.next_run_at, u.paused, u.url
         FROM unnest($2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::timestamptz[],
           $8::boolean[], $9::text[]) AS u(job_id, name, owner, tags, schedule, next_run_at, paused, url)
         ON CONFLICT (source, job_id) DO UPDATE SET name = EXCLUDED.name, owner = EXCLUDED.owner,
           tags = EXCLUDED.tags, schedule = EXCLUDED.schedule, next_run_at = EXCLUDED.next_run_at,
           paused = EXCLUDED.paused, url = EXCLUDED.url
         WHERE (j.name, j.owner, j.tags, j.schedule, j.next_run_at, j.paused, j.url) IS DISTINCT FROM
           (EXCLUDED.name, EXCLUDED.owner, EXCLUDED.tags, EXCLUDED.schedule, EXCLUDED.next_run_at,
           EXCLUDED.paused, EXCLUDED.url)`,
        [
          source,
          jobs.map((j) => j.jobId),
          jobs.map((j) => j.name),
          jobs.map((j) => j.owner),
          jobs.map((j) => JSON.stringify(j.tags)),
          jobs.map((j) => j.schedule),
          jobs.map((j) => iso(j.nextRunAt)),
          jobs.map((j) => j.paused),
          jobs.map((j) => j.url),
        ],
      );
      return rowCount ?? 0;
    },

    async jobs(scope: JobScope): Promise<JobRow[]> {
      const { params, where } = scoped(scope, 'j');
      const { rows } = await db.query<{
        source: string;
        job_id: string;
        name: string;
        owner: string | null;
        tags: string[];
        schedule: string | null;
        next_run_at: Date | null;
        paused: boolean | null;
        url: string | null;
      }>(`SELECT * FROM jobs_jobs j WHERE ${where} ORDER BY lower(name), source, job_id`, params);
      return rows.map((row) => ({
        source: row.source,
        jobId: row.job_id,
        name: row.name,
        owner: row.owner,
        tags: row.tags,
        schedule: row.schedule,
        nextRunAt: iso(row.next_run_at),
        paused: row.paused,
        url: row.url,
      }));
    },

    /** The last `perJob` runs of every job of `sources`, newest first within a job. */
    async recentRuns(scope: JobScope, perJob: number): Promise<StoredRun[]> {
      const { params, where } = scoped(scope, 'j');
      const { rows } = await db.query<RunRow>(
        `SELECT r.* FROM jobs_jobs j CROSS JOIN LATERAL (
           SELECT ${RUN_COLUMNS} FROM jobs_runs
           WHERE source = j.source AND job_id = j.job_id ORDER BY sort_at DESC, id DESC LIMIT $4) r
         WHERE ${where}`,
        [...params, perJob],
      );
      return mapInSlices(rows, toRun);
    },

    /** Run counts per job and state since `from`. */
    async counts(
      scope: JobScope,
      from: Date,
    ): Promise<Array<{ source: string; jobId: string; state: RunState; n: number }>> {
      const { params, where } = scoped(scope, 'r');
      const { rows } = await db.query<{ source: string; job_id: string; state: RunState; n: number }>(
        `SELECT source, job_id, state, count(*)::int AS n FROM jobs_runs r
         WHERE sort_at >= $4 AND ${where} GROUP BY source, job_id, state`,
        [...params, from],
      );
      return rows.map((row) => ({ source: row.source, jobId: row.job_id, state: row.state, n: row.n }));
    },

    /** Durations (ms) of each job's last `perJob` successful runs. */
    async successDurations(
      scope: JobScope,
      perJob: number,
    ): Promise<Array<{ source: string; jobId: string; durations: number[] }>> {
      const { params, where } = scoped(scope, 'j');
      const { rows } = await db.query<{ source: string; job_id: string; durations: number[] }>(
        `SELECT j.source, j.job_id, array_agg(d.ms) AS durations FROM jobs_jobs j CROSS JOIN LATERAL (
           SELECT (extract(epoch FROM ended_at - started_at) * 1000)::float8 AS ms FROM jobs_runs
           WHERE source = j.source AND job_id = j.job_id AND state = 'success'
             AND started_at IS NOT NULL AND ended_at IS NOT NULL
           ORDER BY sort_at DESC LIMIT $4) d
         WHERE ${where} GROUP BY j.source, j.job_id`,
        [...params, perJob],
      );
      return rows.map((row) => ({ source: row.source, jobId: row.job_id, durations: row.durations }));
    },

    /** A job's runs newest first, `limit` of them after `before` (a position). */
    async runPage(
      source: string,
      jobId: string,
      before: { sortMs: number; id: number } | null,
      limit: number,
    ): Promise<StoredRun[]> {
      const { rows } = await db.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM jobs_runs WHERE source = $1 AND job_id = $2
           AND ($3::int8 IS NULL OR (sort_at, id) < (to_timestamp($3 / 1000.0), $4::int8))
         ORDER BY sort_at DESC, id DESC LIMIT $5`,
        [source, jobId, before?.sortMs ?? null, before?.id ?? null, limit],
      );
      return rows.map(toRun);
    },

    async run(source: string, jobId: string, runId: string): Promise<StoredRun | null> {
      const { rows } = await db.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM jobs_runs WHERE source = $1 AND job_id = $2 AND run_id = $3`,
        [source, jobId, runId],
      );
      return rows[0] ? toRun(rows[0]) : null;
    },

    /** Retention: deletes runs placed before `before`; returns how many. */
    async deleteRunsBefore(before: Date): Promise<number> {
      const { rowCount } = await db.query('DELETE FROM jobs_runs WHERE sort_at < $1', [before]);
      return rowCount ?? 0;
    },
  };
}
