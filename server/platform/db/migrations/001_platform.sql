-- Per-user preferences that follow a person across browsers (theme, density, favourites...).
CREATE TABLE IF NOT EXISTS user_preferences (
  user_id text NOT NULL,
  key text NOT NULL,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);
