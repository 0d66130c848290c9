-- Every probe result (raw), kept for `retention.rawHours`, then folded into 5-minute buckets.
CREATE TABLE IF NOT EXISTS service_results (
  id bigserial PRIMARY KEY,
  service_id text NOT NULL,
  at timestamptz NOT NULL,
  status smallint NOT NULL, -- 2 up, 1 degraded, 0 down
  latency_ms integer,
  error text
);
CREATE INDEX IF NOT EXISTS service_results_service_at ON service_results (service_id, at DESC);
CREATE INDEX IF NOT EXISTS service_results_at ON service_results (at);

CREATE TABLE IF NOT EXISTS service_results_5m (
  service_id text NOT NULL,
  bucket timestamptz NOT NULL,
  n integer NOT NULL,
  n_up integer NOT NULL,
  n_degraded integer NOT NULL,
  n_down integer NOT NULL,
  latency_sum bigint NOT NULL,
  latency_n integer NOT NULL,
  latency_max integer,
  PRIMARY KEY (service_id, bucket)
);

-- Current state and since when, so a restart keeps "down for 3 h".
CREATE TABLE IF NOT EXISTS service_state (
  service_id text PRIMARY KEY,
  status smallint NOT NULL,
  since timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS service_favourites (
  user_id text NOT NULL,
  service_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, service_id)
);
