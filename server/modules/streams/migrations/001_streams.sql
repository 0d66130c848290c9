-- The leader replica's latest view of each cluster, so every replica serves the same figures.
-- Rewritten every sampling interval: UNLOGGED keeps that churn out of the WAL (it is a cache; a crash
-- empties it and the leader refills it on its next cycle).
CREATE UNLOGGED TABLE IF NOT EXISTS streams_snapshots (
  cluster_id text PRIMARY KEY,
  sampled_at timestamptz NOT NULL,
  body jsonb NOT NULL
);

-- Downsampled history (one row per topic / group per resolution step), kept for the retention period.
CREATE TABLE IF NOT EXISTS streams_topic_history (
  cluster_id text NOT NULL,
  topic text NOT NULL,
  ts timestamptz NOT NULL,
  msgs_per_s double precision,
  bytes_per_s double precision,
  size_bytes bigint,
  PRIMARY KEY (cluster_id, topic, ts)
);
CREATE INDEX IF NOT EXISTS streams_topic_history_ts ON streams_topic_history (ts);

CREATE TABLE IF NOT EXISTS streams_group_history (
  cluster_id text NOT NULL,
  group_id text NOT NULL,
  ts timestamptz NOT NULL,
  lag bigint,
  PRIMARY KEY (cluster_id, group_id, ts)
);
CREATE INDEX IF NOT EXISTS streams_group_history_ts ON streams_group_history (ts);
