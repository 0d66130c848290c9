-- The lineage module's published read interface for runs: other modules (jobs) read this view, never the
-- tables behind it, so the tables may change as long as the view keeps its columns. Add columns, never
-- rename or drop them; a breaking change gets a lineage_runs_v2 beside it.
--   state: NEW | RUNNING | COMPLETED | FAILED | ABORTED (the stored state; START/RUNNING events give RUNNING)
--   state_time: the event time of the latest state (pollers use changed_at, added in 008)
--   parent_*: the parent run facet (a dbt model run names the dbt job run; the dbt run names the Airflow task)
--   producer: the `producer` URI of the run's latest event
CREATE OR REPLACE VIEW lineage_runs_v1 AS
SELECT r.run_id,
       j.namespace AS job_namespace,
       j.name AS job_name,
       r.state,
       r.started_at,
       r.ended_at,
       r.state_time,
       r.parent_run_id,
       r.facets -> 'parent' -> 'job' ->> 'namespace' AS parent_job_namespace,
       r.facets -> 'parent' -> 'job' ->> 'name' AS parent_job_name,
       r.error_message,
       (SELECT e.body ->> 'producer' FROM lineage_events e WHERE e.run_id = r.run_id ORDER BY e.id DESC LIMIT 1) AS producer
  FROM lineage_runs r
  JOIN lineage_jobs j ON j.id = r.job_id;

-- Pollers read changes by (state_time, run_id) and walk children by parent_run_id.
CREATE INDEX IF NOT EXISTS lineage_runs_state_time ON lineage_runs (state_time, run_id);
CREATE INDEX IF NOT EXISTS lineage_runs_parent ON lineage_runs (parent_run_id) WHERE parent_run_id IS NOT NULL;

-- Jobs as the jobs module lists them (the latest state and time the runs left on them).
CREATE OR REPLACE VIEW lineage_jobs_v1 AS
SELECT j.namespace, j.name, j.latest_run_id, j.latest_state, j.latest_event_time, j.updated_at
  FROM lineage_jobs j;
