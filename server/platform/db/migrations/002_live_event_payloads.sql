-- Live events too big for a NOTIFY payload (8000 bytes) are handed between replicas through this table.
CREATE TABLE IF NOT EXISTS live_event_payloads (
  id bigserial PRIMARY KEY,
  event jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS live_event_payloads_created_at ON live_event_payloads (created_at);
