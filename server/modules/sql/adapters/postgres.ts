import type { Readable } from 'node:stream';
import pg from 'pg';
import QueryStream from 'pg-query-stream';
import { z } from 'zod';
import type { Logger } from '../../../platform/log.ts';
import { connectionFields, defineSqlEngine } from './engine.ts';
import {
  type Column,
  lineColumnAt,
  type MetaNode,
  type RunOutcome,
  type RunRequest,
  type RunSink,
  type SqlEngine,
  type SqlError,
  trimStatement,
} from './types.ts';

export const postgresConnection = z
  .strictObject({
    ...connectionFields,
    engine: z.literal('postgres'),
    url: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(5432),
    database: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    password: z.string().optional(),
    tls: z
      .strictObject({
        enabled: z.boolean().default(true),
        rejectUnauthorized: z.boolean().default(true),
        ca: z.string().optional(),
      })
      .optional(),
    /** Milliseconds before PostgreSQL stops a statement; 0 means no limit. */
    statementTimeoutMs: z.number().int().min(0).default(300_000),
  })
  .refine((c) => Boolean(c.url) !== Boolean(c.host), { message: 'give either url or host (not both)' });

export type PostgresConnectionConfig = z.output<typeof postgresConnection>;

const BATCH_ROWS = 1_000;
const QUERY_CANCELED = '57014';
const asNumber = (value: string) => {
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
};

/**
 * Values stay in PostgreSQL's text form except booleans and small numbers: no Date objects, and int8 /
 * numeric keep every digit (the browser right-aligns them by type). Cheap to parse, exact to show.
 */
const types = {
  getTypeParser(oid: number) {
    switch (oid) {
      case 16:
        return (value: string) => value === 't';
      case 21:
      case 23:
      case 26:
      case 700:
      case 701:
        return asNumber;
      default:
        return (value: string) => value;
    }
  },
} as unknown as pg.CustomTypesConfig;

export function postgresClientConfig(config: PostgresConnectionConfig): pg.ClientConfig {
  const ssl = config.tls?.enabled
    ? { rejectUnauthorized: config.tls.rejectUnauthorized, ...(config.tls.ca ? { ca: config.tls.ca } : {}) }
    : undefined;
  const base: pg.ClientConfig = config.url
    ? { connectionString: config.url }
    : {
        host: config.host,
        port: config.port,
        database: config.database,
        user: config.user,
        password: config.password,
      };
  return {
    ...base,
    ...(ssl ? { ssl } : {}),
    connectionTimeoutMillis: 10_000,
    statement_timeout: config.statementTimeoutMs,
    types,
  };
}

/** PostgreSQL through `pg`: one dedicated client per run, a server-side cursor, cancel via pg_cancel_backend. */
export function createPostgresEngine(config: PostgresConnectionConfig, log: Logger): SqlEngine {
  const clientConfig = postgresClientConfig(config);
  // A small pool for metadata and for cancelling runs from a second connection.
  const admin = new pg.Pool({
    ...clientConfig,
    max: 2,
    idleTimeoutMillis: 30_000,
    application_name: 'labdeck (metadata)',
  });
  admin.on('error', (error) =>
    log.warn({ err: error, connection: config.id }, 'idle metadata connection lost'),
  );

  async function run(request: RunRequest, sink: RunSink): Promise<RunOutcome> {
    const client = new pg.Client({
      ...clientConfig,
      application_name: `labdeck (${request.user.name})`.slice(0, 63),
    });
    client.on('error', () => {}); // a cancelled or dropped backend also errors the active query; handled there
    let delivered = 0;
    let stream: (Readable & QueryStream) | undefined;
    let pid: number | undefined;
    let truncated = false;
    const onAbort = () => {
      if (pid)
        admin
          .query('SELECT pg_cancel_backend($1)', [pid])
          .catch((error) => log.warn({ err: error }, 'pg cancel failed'));
      stream?.destroy();
    };
    try {
      if (request.signal.aborted) return { state: 'cancelled', rows: 0, truncated: false };
      await client.connect();
      pid = (client as unknown as { processID: number }).processID;
      sink.started(`pg-${pid}`);
      request.signal.addEventListener('abort', onAbort, { once: true });
      const transaction = config.readOnly || request.rollback;
      if (transaction) await client.query(config.readOnly ? 'BEGIN TRANSACTION READ ONLY' : 'BEGIN');
      stream = new QueryStream(trimStatement(request.sql), [], {
        batchSize: BATCH_ROWS,
        rowMode: 'array',
        types,
      }) as Readable & QueryStream;
      const cursorResult = (stream as unknown as { cursor: { _result: pg.QueryResult } }).cursor._result;
      client.query(stream);
      let sentColumns = false;
      for await (const batch of batches(stream)) {
        if (!sentColumns) {
          sentColumns = true;
          sink.columns(columnsOf(cursorResult));
        }
        const room = request.maxRows - delivered;
        if (batch.length > room) {
          // Only a row beyond the cap makes the preview incomplete.
          if (room > 0) {
            delivered += room;
            await sink.rows(batch.slice(0, room));
          }
          truncated = true;
          stream.destroy();
          break;
        }
        delivered += batch.length;
        await sink.rows(batch);
        sink.progress({ state: 'RUNNING', processedRows: delivered });
        if (request.signal.aborted) break;
      }
      if (request.signal.aborted)
        return { state: 'cancelled', rows: delivered, truncated: false, queryId: `pg-${pid}` };
      if (!sentColumns) sink.columns(columnsOf(cursorResult));
      if (transaction) await client.query(request.rollback || truncated ? 'ROLLBACK' : 'COMMIT');
      const updateCount = cursorResult.fields?.length ? undefined : (cursorResult.rowCount ?? undefined);
      return { state: 'finished', rows: delivered, truncated, updateCount, queryId: `pg-${pid}` };
    } catch (error) {
      if (
        request.signal.aborted ||
        ((error as { code?: string }).code === QUERY_CANCELED && request.signal.aborted)
      ) {
        return {
          state: 'cancelled',
          rows: delivered,
          truncated: false,
          queryId: pid ? `pg-${pid}` : undefined,
        };
      }
      return {
        state: 'failed',
        rows: delivered,
        truncated: false,
        error: errorOf(error, trimStatement(request.sql)),
        queryId: pid ? `pg-${pid}` : undefined,
      };
    } finally {
      request.signal.removeEventListener('abort', onAbort);
      // Ending the client ends the backend: nothing of this run survives in pg_stat_activity.
      await client.end().catch(() => {});
    }
  }

  return {
    run,
    async metadata(path): Promise<MetaNode[]> {
      const [catalog, schema, table] = path;
      if (!catalog) {
        const { rows } = await admin.query<{ name: string }>('SELECT current_database() AS name');
        return rows.map((r) => ({ name: r.name, kind: 'catalog' }));
      }
      if (!schema) {
        const { rows } = await admin.query<{ name: string }>(
          `SELECT nspname AS name FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
             AND has_schema_privilege(oid, 'USAGE') ORDER BY 1`,
        );
        return rows.map((r) => ({ name: r.name, kind: 'schema' }));
      }
      if (!table) {
        const { rows } = await admin.query<{ name: string; kind: string }>(
          `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'm', 'f', 'p') ORDER BY 1 LIMIT 20000`,
          [schema],
        );
        return rows.map((r) => ({ name: r.name, kind: r.kind === 'v' || r.kind === 'm' ? 'view' : 'table' }));
      }
      const { rows } = await admin.query<{ name: string; type: string }>(
        `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
        [schema, table],
      );
      return rows.map((r) => ({ name: r.name, kind: 'column', type: r.type }));
    },
    async functions() {
      const { rows } = await admin.query<{ name: string }>(
        `SELECT DISTINCT proname AS name FROM pg_proc WHERE proname !~ '^_' ORDER BY 1 LIMIT 10000`,
      );
      return rows.map((r) => r.name);
    },
    explain: (sql) => ({ sql: `EXPLAIN (ANALYZE, FORMAT JSON)\n${trimStatement(sql)}`, format: 'pg-json' }),
    close: () => admin.end(),
  };
}

function columnsOf(result: pg.QueryResult): Column[] {
  return (result.fields ?? []).map((f) => ({ name: f.name, type: typeName(f.dataTypeID) }));
}

const TYPE_NAMES: Record<number, string> = {
  16: 'boolean',
  17: 'bytea',
  18: 'char',
  19: 'name',
  20: 'bigint',
  21: 'smallint',
  23: 'integer',
  25: 'text',
  26: 'oid',
  114: 'json',
  142: 'xml',
  700: 'real',
  701: 'double precision',
  1042: 'char',
  1043: 'varchar',
  1082: 'date',
  1083: 'time',
  1114: 'timestamp',
  1184: 'timestamptz',
  1186: 'interval',
  1266: 'timetz',
  1700: 'numeric',
  2950: 'uuid',
  3802: 'jsonb',
  869: 'inet',
  650: 'cidr',
  1000: 'boolean[]',
  1005: 'smallint[]',
  1007: 'integer[]',
  1016: 'bigint[]',
  1009: 'text[]',
  1015: 'varchar[]',
  1021: 'real[]',
  1022: 'double precision[]',
  1231: 'numeric[]',
  2951: 'uuid[]',
  3807: 'jsonb[]',
};
const typeName = (oid: number) => TYPE_NAMES[oid] ?? `oid:${oid}`;

function errorOf(error: unknown, sql: string): SqlError {
  const e = error as { message?: string; code?: string; position?: string; hint?: string };
  const out: SqlError = {
    message: `${e.message ?? String(error)}${e.hint ? ` (hint: ${e.hint})` : ''}`,
    code: e.code,
  };
  const position = Number(e.position);
  if (Number.isInteger(position) && position > 0) Object.assign(out, lineColumnAt(sql, position));
  return out;
}

/** Groups the rows the cursor has fetched into batches; waits (backpressure) only when none are buffered. */
async function* batches(stream: Readable): AsyncGenerator<unknown[][]> {
  let failure: unknown;
  stream.on('error', (error) => {
    failure = error;
  });
  for (;;) {
    const batch: unknown[][] = [];
    let row: unknown[] | null;
    // biome-ignore lint/suspicious/noAssignInExpressions: the idiomatic Readable drain loop
    while ((row = stream.read() as unknown[] | null) !== null) batch.push(row);
    if (batch.length) yield batch;
    if (failure) throw failure;
    if (stream.readableEnded || stream.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        stream.off('readable', done);
        stream.off('end', done);
        stream.off('close', done);
        stream.off('error', done);
        resolve();
      };
      stream.once('readable', done);
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
    });
    if (failure) throw failure;
  }
}

/** PostgreSQL through a server-side cursor: cancel by pg_cancel_backend, rows as progress. */
export const postgresEngine = defineSqlEngine({
  name: 'postgres',
  connection: postgresConnection,
  dialect: 'postgresql',
  capabilities: { sessions: false, cancel: true, progress: false, explain: true, catalogs: false },
  create: createPostgresEngine,
});
