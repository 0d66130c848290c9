import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Db } from './db/pool.ts';

const SWEEP_EVERY = 1_000;

/**
 * An express-rate-limit store in PostgreSQL (fixed windows in `rate_limit_hits`), so a limit counts
 * every replica's requests: `loginPerMinute: 60` means 60 whatever the replica count or the autoscaler
 * does. One statement per counted request; `prefix` keeps the limiters of one Labdeck apart.
 */
export class PgRateLimitStore implements Store {
  readonly prefix: string;
  readonly localKeys = false;
  readonly #db: Db;
  #windowMs = 60_000;
  #calls = 0;

  constructor(db: Db, prefix: string) {
    this.#db = db;
    this.prefix = `${prefix}:`;
  }

  init(options: Options): void {
    this.#windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    if (++this.#calls % SWEEP_EVERY === 0) void this.#sweep();
    const { rows } = await this.#db.query<{ hits: number; reset_at: Date }>(
      `INSERT INTO rate_limit_hits AS r (key, window_start, hits) VALUES ($1, now(), 1)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE r.hits + 1 END,
         window_start = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN now() ELSE r.window_start END
       RETURNING hits, window_start + make_interval(secs => $2) AS reset_at`,
      [this.prefix + key, this.#windowMs / 1000],
    );
    return { totalHits: rows[0]!.hits, resetTime: rows[0]!.reset_at };
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const { rows } = await this.#db.query<{ hits: number; reset_at: Date }>(
      `SELECT hits, window_start + make_interval(secs => $2) AS reset_at FROM rate_limit_hits
        WHERE key = $1 AND window_start > now() - make_interval(secs => $2)`,
      [this.prefix + key, this.#windowMs / 1000],
    );
    return rows[0] ? { totalHits: rows[0].hits, resetTime: rows[0].reset_at } : undefined;
  }

  async decrement(key: string): Promise<void> {
    await this.#db.query('UPDATE rate_limit_hits SET hits = greatest(hits - 1, 0) WHERE key = $1', [
      this.prefix + key,
    ]);
  }

  async resetKey(key: string): Promise<void> {
    await this.#db.query('DELETE FROM rate_limit_hits WHERE key = $1', [this.prefix + key]);
  }

  /** Forgets windows that ended; any replica may do it, and doing it twice is harmless. */
  async #sweep(): Promise<void> {
    await this.#db
      .query(
        'DELETE FROM rate_limit_hits WHERE key LIKE $1 AND window_start < now() - make_interval(secs => $2)',
        [`${this.prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, this.#windowMs / 1000],
      )
      .catch(() => {});
  }
}
