import pg from 'pg';
import { databaseUnavailable } from '../errors.ts';
import type { Logger } from '../log.ts';
import { DatabaseAvailability } from './availability.ts';

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export interface Db {
  pool: pg.Pool;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** Runs fn inside BEGIN/COMMIT on one client; rolls back when fn throws. */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  ping(timeoutMs?: number): Promise<void>;
  /** Up or down as this process sees it; `query` and `transaction` fail fast with 503 while down. */
  availability: DatabaseAvailability;
  close(): Promise<void>;
}

/** How long the availability probe waits for a fresh connection and its `SELECT 1`. */
const PROBE_TIMEOUT_MS = 1_000;

// int8 and numeric as JS numbers would lose precision silently; int8 counts we store stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function createDb(url: string, log: Logger, max = 10): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener Node would crash.
  // pg-pool hangs the whole client on the error (err.client): log what happened, not the object graph.
  pool.on('error', (error) => {
    availability.report(error);
    log.warn(
      { err: { message: error.message, code: (error as { code?: string }).code } },
      'idle database connection lost',
    );
  });
  const availability = new DatabaseAvailability(() => ping(PROBE_TIMEOUT_MS), log);
  pool.on('connect', () => availability.confirm());
  /** Fails at once while the database is known to be down, instead of queueing on the pool. */
  const guard = () => {
    if (!availability.available) throw databaseUnavailable();
  };
  /** A connection failure becomes the one 503; any other error (a bad statement) stays what it is. */
  const translate = (error: unknown) =>
    availability.report(error) ? databaseUnavailable({ cause: error }) : error;
  async function ping(timeoutMs = 2_000) {
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
    });
    client.on('error', () => {}); // a server that goes away fails the query below
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => {});
    }
  }
  return {
    pool,
    availability,
    async query(text, values) {
      guard();
      try {
        return await pool.query(text, values);
      } catch (error) {
        throw translate(error);
      }
    },
    async transaction(fn) {
      guard();
      const client = await pool.connect().catch((error) => {
        throw translate(error);
      });
      // A server that goes away mid-transaction also emits 'error' on the checked-out client; the failing
      // query reports it, and an unheard 'error' would crash the process.
      const ignore = () => {};
      client.on('error', ignore);
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw translate(error);
      } finally {
        client.off('error', ignore);
        client.release();
      }
    },
    ping,
    close() {
      availability.stop();
      return pool.end();
    },
  };
}
