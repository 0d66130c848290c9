-- Every running replica renews its row; a row older than the lease belongs to a replica that died.
CREATE TABLE IF NOT EXISTS labdeck_replicas (
  id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  seen_at timestamptz NOT NULL DEFAULT now()
);

-- Rate-limit windows shared by all replicas. UNLOGGED: counters are worth less than the WAL they would cost.
CREATE UNLOGGED TABLE IF NOT EXISTS rate_limit_hits (
  key text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL
);
