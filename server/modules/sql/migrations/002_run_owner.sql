-- Which replica runs a query: a cancel arriving at another replica is sent to it, and the runs of a
-- replica whose lease ran out are reported failed instead of staying "running".
ALTER TABLE sql_history ADD COLUMN IF NOT EXISTS run_id text;
ALTER TABLE sql_history ADD COLUMN IF NOT EXISTS replica_id text;
CREATE INDEX IF NOT EXISTS sql_history_running_idx ON sql_history (run_id) WHERE state = 'running';
-- Runs left "running" before replicas were recorded can never finish now.
UPDATE sql_history SET state = 'failed', error = 'Labdeck restarted while this query ran'
 WHERE state = 'running' AND replica_id IS NULL AND started_at < now() - interval '1 hour';
