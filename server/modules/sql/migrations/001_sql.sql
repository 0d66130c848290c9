-- SQL Lab: editor tabs, their engine sessions, run history, saved queries and pending exports.
CREATE TABLE IF NOT EXISTS sql_tabs (
  user_id text NOT NULL,
  tab_id text NOT NULL,
  position integer NOT NULL DEFAULT 0,
  title text NOT NULL,
  connection_id text,
  sql text NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, tab_id)
);

-- Trino USE / SET SESSION / PREPARE state of one tab on one connection: never shared between tabs or users.
CREATE TABLE IF NOT EXISTS sql_tab_sessions (
  user_id text NOT NULL,
  tab_id text NOT NULL,
  connection_id text NOT NULL,
  session jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, tab_id, connection_id)
);

CREATE TABLE IF NOT EXISTS sql_history (
  id bigserial PRIMARY KEY,
  user_id text NOT NULL,
  connection_id text NOT NULL,
  tab_id text,
  sql text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  duration_ms integer,
  rows bigint,
  state text NOT NULL,
  error text,
  query_id text
);
CREATE INDEX IF NOT EXISTS sql_history_user_idx ON sql_history (user_id, id DESC);

CREATE TABLE IF NOT EXISTS sql_saved (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id text NOT NULL,
  owner_name text NOT NULL,
  name text NOT NULL,
  connection_id text NOT NULL,
  sql text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sql_saved_owner_idx ON sql_saved (owner_id, updated_at DESC);

-- An export is asked for with a POST (CSRF-checked) and downloaded once with a GET of its id.
CREATE TABLE IF NOT EXISTS sql_exports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id text NOT NULL,
  connection_id text NOT NULL,
  tab_id text,
  sql text NOT NULL,
  format text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
