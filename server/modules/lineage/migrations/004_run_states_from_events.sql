-- A run's state transitions are its events (lineage_events: run_id, event_type, event_time, indexed by
-- run): the copy in lineage_run_states cost every ingested event a row and an index entry.
DROP TABLE IF EXISTS lineage_run_states;
