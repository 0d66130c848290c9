import type { Db } from '../../platform/db/pool.ts';
import type { HistoryBucket, ProbeStatus, ServiceFailure, ServiceFigure } from './contract.ts';
import { type ProbeResult, STATUS_CODE, STATUS_OF } from './types.ts';

interface ResultRow {
  id: number;
  service_id: string;
  at: Date;
  status: number;
  latency_ms: number | null;
  error: string | null;
  figures: ServiceFigure[] | null;
}

const toResult = (row: ResultRow): ProbeResult => ({
  serviceId: row.service_id,
  at: row.at.getTime(),
  status: STATUS_OF[row.status] ?? 'down',
  latencyMs: row.latency_ms,
  error: row.error,
  figures: row.figures ?? [],
});

/** SQL of the services module: results, downsampled buckets, saved state, favourites. */
export class ServicesStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** One multi-row insert for a batch of results, plus the state rows that changed. */
  async saveResults(
    results: readonly ProbeResult[],
    states: ReadonlyMap<string, { status: ProbeStatus; since: number }>,
  ) {
    if (!results.length && !states.size) return;
    await this.#db.transaction(async (client) => {
      if (results.length) {
        await client.query(
          `INSERT INTO service_results (service_id, at, status, latency_ms, error, figures)
           SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::smallint[], $4::int[], $5::text[], $6::jsonb[])`,
          [
            results.map((r) => r.serviceId),
            results.map((r) => new Date(r.at)),
            results.map((r) => STATUS_CODE[r.status]),
            results.map((r) => r.latencyMs),
            results.map((r) => r.error),
            results.map((r) => (r.figures.length ? JSON.stringify(r.figures) : null)),
          ],
        );
      }
      if (states.size) {
        const ids = [...states.keys()];
        await client.query(
          `INSERT INTO service_state (service_id, status, since)
           SELECT * FROM unnest($1::text[], $2::smallint[], $3::timestamptz[])
           ON CONFLICT (service_id) DO UPDATE SET status = excluded.status, since = excluded.since`,
          [
            ids,
            ids.map((id) => STATUS_CODE[states.get(id)!.status]),
            ids.map((id) => new Date(states.get(id)!.since)),
          ],
        );
      }
    });
  }

  /** The statement the leader runs on its lock connection before probing `$1` (service ids). */
  static readonly CLAIM_PROBES = `INSERT INTO service_probe_starts (service_id, started_at)
    SELECT id, now() FROM unnest($1::text[]) AS id
    ON CONFLICT (service_id) DO UPDATE SET started_at = excluded.started_at`;

  /** When each service's last probe began (epoch ms on this replica's clock, from the database's). */
  async probeStarts(): Promise<Map<string, number>> {
    const { rows } = await this.#db.query<{ service_id: string; ago_ms: number }>(
      'SELECT service_id, extract(epoch FROM now() - started_at) * 1000 AS ago_ms FROM service_probe_starts',
    );
    const now = Date.now();
    return new Map(rows.map((r) => [r.service_id, now - Number(r.ago_ms)]));
  }

  async lastResultId(): Promise<number> {
    const { rows } = await this.#db.query<{ id: number | null }>(
      'SELECT max(id)::int8 AS id FROM service_results',
    );
    return rows[0]?.id ?? 0;
  }

  /** Results written by the probing replica after `afterId` (followers tail these). */
  async resultsAfter(afterId: number, limit = 5_000): Promise<{ lastId: number; results: ProbeResult[] }> {
    const { rows } = await this.#db.query<ResultRow>(
      'SELECT id, service_id, at, status, latency_ms, error, figures FROM service_results WHERE id > $1 ORDER BY id LIMIT $2',
      [afterId, limit],
    );
    return { lastId: rows.at(-1)?.id ?? afterId, results: rows.map(toResult) };
  }

  async loadStates(): Promise<Map<string, { status: ProbeStatus; since: number }>> {
    const { rows } = await this.#db.query<{ service_id: string; status: number; since: Date }>(
      'SELECT * FROM service_state',
    );
    return new Map(
      rows.map((row) => [
        row.service_id,
        { status: STATUS_OF[row.status] ?? 'down', since: row.since.getTime() },
      ]),
    );
  }

  /** The last `points` results of each service over the last 6 hours, oldest first. */
  async recentResults(points: number): Promise<Map<string, ProbeResult[]>> {
    const { rows } = await this.#db.query<ResultRow>(
      `SELECT id, service_id, at, status, latency_ms, error, figures FROM (
         SELECT *, row_number() OVER (PARTITION BY service_id ORDER BY at DESC) AS n
         FROM service_results WHERE at > now() - interval '6 hours') r
       WHERE n <= $1 ORDER BY service_id, at`,
      [points],
    );
    const byService = new Map<string, ProbeResult[]>();
    for (const row of rows) {
      const list = byService.get(row.service_id) ?? [];
      list.push(toResult(row));
      byService.set(row.service_id, list);
    }
    return byService;
  }

  /** Answered/total per service and hour over the last 7 days, raw and downsampled together. */
  async hourlyCounts(): Promise<{ serviceId: string; hour: number; answered: number; total: number }[]> {
    const { rows } = await this.#db.query<{
      service_id: string;
      hour: Date;
      answered: number;
      total: number;
    }>(
      `SELECT service_id, hour, sum(answered)::int8 AS answered, sum(total)::int8 AS total FROM (
         SELECT service_id, date_trunc('hour', at) AS hour, count(*) FILTER (WHERE status > 0) AS answered, count(*) AS total
         FROM service_results WHERE at > now() - interval '7 days' GROUP BY 1, 2
         UNION ALL
         SELECT service_id, date_trunc('hour', bucket), sum(n_up + n_degraded), sum(n)
         FROM service_results_5m WHERE bucket > now() - interval '7 days' GROUP BY 1, 2) c
       GROUP BY 1, 2`,
    );
    return rows.map((row) => ({
      serviceId: row.service_id,
      hour: row.hour.getTime(),
      answered: row.answered,
      total: row.total,
    }));
  }

  /** Folds raw results older than `rawHours` into 5-minute buckets and drops what is past retention. */
  async compact(rawHours: number, retentionDays: number): Promise<{ folded: number; dropped: number }> {
    return this.#db.transaction(async (client) => {
      const cutoff = `now() - make_interval(secs => $1)`;
      await client.query(
        `INSERT INTO service_results_5m AS b (service_id, bucket, n, n_up, n_degraded, n_down, latency_sum, latency_n, latency_max)
         SELECT service_id, date_bin('5 minutes', at, timestamptz '2000-01-01'), count(*),
           count(*) FILTER (WHERE status = 2), count(*) FILTER (WHERE status = 1), count(*) FILTER (WHERE status = 0),
           coalesce(sum(latency_ms), 0), count(latency_ms), max(latency_ms)
         FROM service_results WHERE at < ${cutoff} GROUP BY 1, 2
         ON CONFLICT (service_id, bucket) DO UPDATE SET n = b.n + excluded.n, n_up = b.n_up + excluded.n_up,
           n_degraded = b.n_degraded + excluded.n_degraded, n_down = b.n_down + excluded.n_down,
           latency_sum = b.latency_sum + excluded.latency_sum, latency_n = b.latency_n + excluded.latency_n,
           latency_max = greatest(b.latency_max, excluded.latency_max)`,
        [rawHours * 3600],
      );
      const folded = await client.query(`DELETE FROM service_results WHERE at < ${cutoff}`, [
        rawHours * 3600,
      ]);
      const dropped = await client.query(`DELETE FROM service_results_5m WHERE bucket < ${cutoff}`, [
        retentionDays * 86_400,
      ]);
      return { folded: folded.rowCount ?? 0, dropped: dropped.rowCount ?? 0 };
    });
  }

  /** History of one service in at most ~`maxBuckets` buckets between from and to. */
  async history(serviceId: string, from: Date, to: Date, maxBuckets = 288): Promise<HistoryBucket[]> {
    const seconds = Math.max(60, Math.ceil((to.getTime() - from.getTime()) / 1000 / maxBuckets / 60) * 60);
    const { rows } = await this.#db.query<{
      at: Date;
      n: number;
      up: number;
      degraded: number;
      down: number;
      latency_avg: number | null;
      latency_max: number | null;
    }>(
      `WITH parts AS (
         SELECT at, 1 AS n, (status = 2)::int AS up, (status = 1)::int AS degraded, (status = 0)::int AS down,
           coalesce(latency_ms, 0) AS lsum, (latency_ms IS NOT NULL)::int AS ln, latency_ms AS lmax
         FROM service_results WHERE service_id = $1 AND at >= $2 AND at < $3
         UNION ALL
         SELECT bucket, n, n_up, n_degraded, n_down, latency_sum, latency_n, latency_max
         FROM service_results_5m WHERE service_id = $1 AND bucket >= $2 AND bucket < $3)
       SELECT date_bin(make_interval(secs => $4), at, timestamptz '2000-01-01') AS at, sum(n)::int8 AS n,
         sum(up)::int8 AS up, sum(degraded)::int8 AS degraded, sum(down)::int8 AS down,
         round(sum(lsum)::numeric / nullif(sum(ln), 0))::int AS latency_avg, max(lmax) AS latency_max
       FROM parts GROUP BY 1 ORDER BY 1`,
      [serviceId, from, to, seconds],
    );
    return rows.map((row) => ({
      at: row.at.toISOString(),
      n: row.n,
      up: row.up,
      degraded: row.degraded,
      down: row.down,
      latencyAvg: row.latency_avg,
      latencyMax: row.latency_max,
    }));
  }

  async failures(serviceId: string, from: Date, to: Date, limit = 20): Promise<ServiceFailure[]> {
    const { rows } = await this.#db.query<ResultRow>(
      `SELECT id, service_id, at, status, latency_ms, error FROM service_results
       WHERE service_id = $1 AND at >= $2 AND at < $3 AND status < 2 ORDER BY at DESC LIMIT $4`,
      [serviceId, from, to, limit],
    );
    return rows.map((row) => ({
      at: row.at.toISOString(),
      status: STATUS_OF[row.status] ?? 'down',
      error: row.error,
    }));
  }

  async favourites(userId: string): Promise<string[]> {
    const { rows } = await this.#db.query<{ service_id: string }>(
      'SELECT service_id FROM service_favourites WHERE user_id = $1 ORDER BY created_at, service_id',
      [userId],
    );
    return rows.map((row) => row.service_id);
  }

  async addFavourite(userId: string, serviceId: string): Promise<void> {
    await this.#db.query(
      'INSERT INTO service_favourites (user_id, service_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [userId, serviceId],
    );
  }

  async removeFavourite(userId: string, serviceId: string): Promise<void> {
    await this.#db.query('DELETE FROM service_favourites WHERE user_id = $1 AND service_id = $2', [
      userId,
      serviceId,
    ]);
  }
}
