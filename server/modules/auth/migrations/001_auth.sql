-- Signed-in sessions. The browser holds only an opaque random id; the row is keyed by its SHA-256,
-- so a leaked table does not hand out live sessions. Tokens stay here, never in the browser.
CREATE TABLE IF NOT EXISTS auth_sessions (
  id_hash text PRIMARY KEY,
  public_id text NOT NULL UNIQUE,
  user_id text NOT NULL,
  user_name text NOT NULL,
  email text,
  roles text[] NOT NULL DEFAULT '{}',
  groups text[] NOT NULL DEFAULT '{}',
  provider text,
  subject text,
  idp_session_id text,
  id_token text,
  access_token_expires_at timestamptz,
  access_token_enc text,
  refresh_token_enc text,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text
);
CREATE INDEX IF NOT EXISTS auth_sessions_user ON auth_sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS auth_sessions_idp_sid ON auth_sessions (provider, idp_session_id) WHERE revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS auth_sessions_expires ON auth_sessions (expires_at);

-- A sign-in in progress: state, nonce and PKCE verifier, bound to the browser that started it, single use.
CREATE TABLE IF NOT EXISTS auth_login_flows (
  state text PRIMARY KEY,
  browser_hash text NOT NULL,
  provider text NOT NULL,
  nonce text NOT NULL,
  code_verifier text NOT NULL,
  return_to text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
