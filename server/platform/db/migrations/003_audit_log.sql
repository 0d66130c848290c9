-- Who did what and when: sign-ins, sign-outs, queries, job triggers, config reloads...
CREATE TABLE IF NOT EXISTS audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  user_id text,
  user_name text,
  action text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  ip text,
  request_id text
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX IF NOT EXISTS audit_log_user_at ON audit_log (user_id, at DESC);
CREATE INDEX IF NOT EXISTS audit_log_action_at ON audit_log (action, at DESC);
