-- When the probing replica last began each service's probe, written before the probe goes out: a replica
-- taking over continues one interval after it, so a service is never probed twice within an interval.
CREATE UNLOGGED TABLE IF NOT EXISTS service_probe_starts (
  service_id text PRIMARY KEY,
  started_at timestamptz NOT NULL
);
