-- What the last poll of each source found; the cursor is the adapter's, handed back on the next poll.
CREATE TABLE IF NOT EXISTS jobs_sources (
  source text PRIMARY KEY,
  status text NOT NULL DEFAULT 'unknown', -- ok | degraded | unknown
  error text,
  cursor text,
  last_poll_at timestamptz,
  last_ok_at timestamptz
);

CREATE TABLE IF NOT EXISTS jobs_jobs (
  source text NOT NULL,
  job_id text NOT NULL,
  name text NOT NULL,
  owner text,
  tags text[] NOT NULL DEFAULT '{}',
  schedule text,
  next_run_at timestamptz,
  paused boolean,
  url text,
  PRIMARY KEY (source, job_id)
);

-- Runs, kept for `jobs.retentionDays` whatever the source's own cleanup does. `sort_at` (queued, else
-- started, else first seen) orders a job's runs and places them in the counts window; `id` breaks ties
-- and makes short paging cursors.
CREATE TABLE IF NOT EXISTS jobs_runs (
  id bigserial UNIQUE,
  source text NOT NULL,
  job_id text NOT NULL,
  run_id text NOT NULL,
  state text NOT NULL,
  native_state text NOT NULL,
  queued_at timestamptz,
  started_at timestamptz,
  ended_at timestamptz,
  trigger text,
  triggered_by text,
  error text,
  url text,
  sort_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, job_id, run_id)
);
-- A job's runs newest first (recent squares, run list paging).
CREATE INDEX IF NOT EXISTS jobs_runs_job_sort ON jobs_runs (source, job_id, sort_at DESC, id DESC);
-- Counts over the window, and retention.
CREATE INDEX IF NOT EXISTS jobs_runs_sort ON jobs_runs (sort_at);
-- The usual duration of a job (p90 of its recent successes).
CREATE INDEX IF NOT EXISTS jobs_runs_job_success ON jobs_runs (source, job_id, sort_at DESC)
  WHERE state = 'success';
