-- OpenLineage history: raw events (append-only) and the tables derived from them in the same
-- transaction. Validity intervals (valid_from, valid_to) on edges answer "as of" questions.

CREATE TABLE IF NOT EXISTS lineage_events (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('run', 'dataset', 'job')),
  run_id uuid,
  event_type text,
  event_time timestamptz NOT NULL,
  -- Idempotency: (runId, eventType, eventTime) for RunEvents, a digest of the body otherwise.
  dedup_key text NOT NULL,
  source text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  body jsonb NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS lineage_events_dedup ON lineage_events (dedup_key);
CREATE INDEX IF NOT EXISTS lineage_events_run ON lineage_events (run_id) WHERE run_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS lineage_namespaces (
  name text PRIMARY KEY,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS lineage_datasets (
  id bigserial PRIMARY KEY,
  namespace text NOT NULL,
  name text NOT NULL,
  first_seen timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  facets jsonb NOT NULL DEFAULT '{}',
  schema_hash text,
  last_write_at timestamptz,
  last_write_run uuid,
  version_count int NOT NULL DEFAULT 0,
  UNIQUE (namespace, name)
);

-- One row per write (output of a run) and per schema change seen elsewhere (inputs, DatasetEvents).
CREATE TABLE IF NOT EXISTS lineage_dataset_versions (
  id bigserial PRIMARY KEY,
  dataset_id bigint NOT NULL REFERENCES lineage_datasets (id),
  run_id uuid,
  created_at timestamptz NOT NULL,
  schema_hash text,
  fields jsonb,
  UNIQUE (dataset_id, run_id)
);
CREATE INDEX IF NOT EXISTS lineage_dataset_versions_at ON lineage_dataset_versions (dataset_id, created_at DESC);

CREATE TABLE IF NOT EXISTS lineage_jobs (
  id bigserial PRIMARY KEY,
  namespace text NOT NULL,
  name text NOT NULL,
  first_seen timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  facets jsonb NOT NULL DEFAULT '{}',
  version_hash text,
  version_count int NOT NULL DEFAULT 0,
  latest_run_id uuid,
  latest_state text,
  latest_event_time timestamptz,
  UNIQUE (namespace, name)
);

CREATE TABLE IF NOT EXISTS lineage_job_versions (
  id bigserial PRIMARY KEY,
  job_id bigint NOT NULL REFERENCES lineage_jobs (id),
  version_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  run_id uuid,
  UNIQUE (job_id, version_hash)
);

CREATE TABLE IF NOT EXISTS lineage_runs (
  run_id uuid PRIMARY KEY,
  job_id bigint NOT NULL REFERENCES lineage_jobs (id),
  state text NOT NULL,
  state_time timestamptz NOT NULL,
  started_at timestamptz,
  ended_at timestamptz,
  parent_run_id uuid,
  error_message text,
  facets jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS lineage_runs_job ON lineage_runs (job_id, state_time DESC);

CREATE TABLE IF NOT EXISTS lineage_run_states (
  run_id uuid NOT NULL,
  state text NOT NULL,
  at timestamptz NOT NULL,
  event_id bigint NOT NULL REFERENCES lineage_events (id),
  PRIMARY KEY (run_id, at, state)
);

-- Inputs and outputs per run.
CREATE TABLE IF NOT EXISTS lineage_run_io (
  run_id uuid NOT NULL,
  dataset_id bigint NOT NULL REFERENCES lineage_datasets (id),
  direction text NOT NULL CHECK (direction IN ('in', 'out')),
  at timestamptz NOT NULL,
  PRIMARY KEY (run_id, direction, dataset_id)
);
CREATE INDEX IF NOT EXISTS lineage_run_io_dataset ON lineage_run_io (dataset_id, direction, at DESC);

-- Job <-> dataset edges with validity: 'in' = dataset feeds job, 'out' = job writes dataset.
CREATE TABLE IF NOT EXISTS lineage_edges (
  id bigserial PRIMARY KEY,
  job_id bigint NOT NULL REFERENCES lineage_jobs (id),
  dataset_id bigint NOT NULL REFERENCES lineage_datasets (id),
  direction text NOT NULL CHECK (direction IN ('in', 'out')),
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  last_run_id uuid,
  last_seen timestamptz NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS lineage_edges_current ON lineage_edges (job_id, dataset_id, direction) WHERE valid_to IS NULL;
CREATE INDEX IF NOT EXISTS lineage_edges_job_time ON lineage_edges (job_id, valid_from);
CREATE INDEX IF NOT EXISTS lineage_edges_dataset_time ON lineage_edges (dataset_id, valid_from);

CREATE TABLE IF NOT EXISTS lineage_column_edges (
  id bigserial PRIMARY KEY,
  out_dataset_id bigint NOT NULL REFERENCES lineage_datasets (id),
  out_field text NOT NULL,
  in_dataset_id bigint NOT NULL REFERENCES lineage_datasets (id),
  in_field text NOT NULL,
  job_id bigint REFERENCES lineage_jobs (id),
  transformations jsonb,
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  last_seen timestamptz NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS lineage_column_edges_current
  ON lineage_column_edges (out_dataset_id, out_field, in_dataset_id, in_field) WHERE valid_to IS NULL;
CREATE INDEX IF NOT EXISTS lineage_column_edges_out ON lineage_column_edges (out_dataset_id, out_field, valid_from);
CREATE INDEX IF NOT EXISTS lineage_column_edges_in ON lineage_column_edges (in_dataset_id, in_field, valid_from);
