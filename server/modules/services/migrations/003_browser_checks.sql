-- The last browser check of each service (its report as the API serves it).
CREATE TABLE IF NOT EXISTS browser_check_last (
  service_id text PRIMARY KEY,
  report jsonb NOT NULL
);

-- Screenshots of failed browser checks (the newest `browserChecks.keepFailures` per service) and the
-- last good one (ok = true, one per service).
CREATE TABLE IF NOT EXISTS browser_check_shots (
  id bigserial PRIMARY KEY,
  service_id text NOT NULL,
  at timestamptz NOT NULL,
  ok boolean NOT NULL,
  step integer,
  kind text,
  message text,
  mime text NOT NULL,
  image bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS browser_check_shots_service ON browser_check_shots (service_id, ok, at DESC);
