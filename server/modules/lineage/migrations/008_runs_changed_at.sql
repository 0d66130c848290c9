-- lineage_runs_v1 gains `changed_at`: when Labdeck last stored a change to the run (its transaction's
-- start), the since-cursor of pollers. The event time (state_time) cannot be one: a producer whose clock
-- is behind, or an event delivered late, lands behind a cursor that has already passed it.
-- A constant default (now() is stable) adds the column without rewriting the table.
ALTER TABLE lineage_runs ADD COLUMN IF NOT EXISTS changed_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX IF NOT EXISTS lineage_runs_changed ON lineage_runs (changed_at, run_id);
DROP INDEX IF EXISTS lineage_runs_state_time;

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
       (SELECT e.body ->> 'producer' FROM lineage_events e WHERE e.run_id = r.run_id ORDER BY e.id DESC LIMIT 1) AS producer,
       r.changed_at
  FROM lineage_runs r
  JOIN lineage_jobs j ON j.id = r.job_id;
