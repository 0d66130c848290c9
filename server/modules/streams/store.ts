import type { Db } from '../../platform/db/pool.ts';
import type { ClusterView, SeriesPoint } from './contract.ts';

export interface TopicHistoryRow {
  topic: string;
  msgsPerS: number | null;
  bytesPerS: number | null;
  size: number | null;
}

/** SQL of the Streams module: snapshots shared between replicas and downsampled history. */
export function createStreamsStore(db: Db) {
  return {
    async saveSnapshot(view: ClusterView): Promise<void> {
      await db.query(
        `INSERT INTO streams_snapshots (cluster_id, sampled_at, body) VALUES ($1, to_timestamp($2 / 1000.0), $3)
         ON CONFLICT (cluster_id) DO UPDATE SET sampled_at = EXCLUDED.sampled_at, body = EXCLUDED.body`,
        [view.id, view.attemptedAt ?? Date.now(), JSON.stringify(view)],
      );
    },

    /** Snapshots newer than the ones already held (by cluster id -> attempted at). */
    async loadSnapshots(ids: readonly string[]): Promise<ClusterView[]> {
      const { rows } = await db.query<{ body: ClusterView }>(
        'SELECT body FROM streams_snapshots WHERE cluster_id = ANY($1)',
        [ids],
      );
      return rows.map((row) => row.body);
    },

    async appendTopicHistory(clusterId: string, ts: number, rows: readonly TopicHistoryRow[]): Promise<void> {
      if (!rows.length) return;
      await db.query(
        `INSERT INTO streams_topic_history (cluster_id, topic, ts, msgs_per_s, bytes_per_s, size_bytes)
         SELECT $1, t.topic, to_timestamp($2 / 1000.0), t.msgs, t.bytes, t.size
         FROM unnest($3::text[], $4::float8[], $5::float8[], $6::bigint[]) AS t(topic, msgs, bytes, size)
         ON CONFLICT DO NOTHING`,
        [
          clusterId,
          ts,
          rows.map((r) => r.topic),
          rows.map((r) => r.msgsPerS),
          rows.map((r) => r.bytesPerS),
          rows.map((r) => (r.size === null ? null : Math.round(r.size))),
        ],
      );
    },

    async appendGroupHistory(
      clusterId: string,
      ts: number,
      rows: ReadonlyArray<{ group: string; lag: number | null }>,
    ): Promise<void> {
      if (!rows.length) return;
      await db.query(
        `INSERT INTO streams_group_history (cluster_id, group_id, ts, lag)
         SELECT $1, g.id, to_timestamp($2 / 1000.0), g.lag
         FROM unnest($3::text[], $4::bigint[]) AS g(id, lag)
         ON CONFLICT DO NOTHING`,
        [
          clusterId,
          ts,
          rows.map((r) => r.group),
          rows.map((r) => (r.lag === null ? null : Math.round(r.lag))),
        ],
      );
    },

    async topicHistory(clusterId: string, topic: string, since: number): Promise<SeriesPoint[]> {
      const { rows } = await db.query<{ t: number; msgs: number | null; bytes: number | null }>(
        `SELECT (extract(epoch FROM ts) * 1000)::float8 AS t, msgs_per_s AS msgs, bytes_per_s AS bytes
         FROM streams_topic_history WHERE cluster_id = $1 AND topic = $2 AND ts > to_timestamp($3 / 1000.0) ORDER BY ts`,
        [clusterId, topic, since],
      );
      return rows.map((r) => [r.t, r.msgs, r.bytes]);
    },

    async groupHistory(clusterId: string, group: string, since: number): Promise<SeriesPoint[]> {
      const { rows } = await db.query<{ t: number; lag: number | null }>(
        `SELECT (extract(epoch FROM ts) * 1000)::float8 AS t, lag
         FROM streams_group_history WHERE cluster_id = $1 AND group_id = $2 AND ts > to_timestamp($3 / 1000.0) ORDER BY ts`,
        [clusterId, group, since],
      );
      return rows.map((r) => [r.t, r.lag]);
    },

    async prune(before: number): Promise<void> {
      await db.query('DELETE FROM streams_topic_history WHERE ts < to_timestamp($1 / 1000.0)', [before]);
      await db.query('DELETE FROM streams_group_history WHERE ts < to_timestamp($1 / 1000.0)', [before]);
    },
  };
}

export type StreamsStore = ReturnType<typeof createStreamsStore>;
