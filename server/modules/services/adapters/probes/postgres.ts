import pg from 'pg';
import { z } from 'zod';
import { defineProbe, describeError, probeTiming } from './types.ts';

const schema = z.strictObject({
  type: z.literal('postgres'),
  /** postgres://user:password@host:port/db; put the password in ${ENV}. */
  connectionString: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
  ...probeTiming,
});

/** Connects and runs `SELECT 1`. */
export const postgresProbe = defineProbe({
  type: 'postgres',
  schema,
  async run(config, { timeoutMs, signal }) {
    const client = new pg.Client({
      connectionString: config.connectionString,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      application_name: 'labdeck-probe',
    });
    client.on('error', () => {});
    const abort = () => void client.end().catch(() => {});
    signal.addEventListener('abort', abort, { once: true });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', error: describeError(error) };
    } finally {
      signal.removeEventListener('abort', abort);
      await client.end().catch(() => {});
    }
  },
});
