import { z } from 'zod';
import type { User } from '../../../platform/identity.ts';
import type { Logger } from '../../../platform/log.ts';
import { connectionFields, defineSqlEngine } from './engine.ts';
import { createHttpClient, type HttpResponse } from './http.ts';
import {
  type Column,
  EngineUnreachableError,
  type MetaNode,
  type Progress,
  type RunOutcome,
  type RunRequest,
  type RunSink,
  type SqlEngine,
  type SqlError,
  type TabSession,
  trimStatement,
} from './types.ts';

const tls = z
  .strictObject({
    /** Verify the server certificate (turn off only for a lab with self-signed certificates). */
    rejectUnauthorized: z.boolean().default(true),
    /** PEM text of extra CA certificates (use `${ENV}` or a YAML block). */
    ca: z.string().min(1).optional(),
  })
  .optional();

const trinoAuth = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({ type: z.literal('basic'), user: z.string().min(1), password: z.string() }),
    z.strictObject({ type: z.literal('jwt'), token: z.string().min(1) }),
  ])
  .default({ type: 'none' });

export const trinoConnection = z.strictObject({
  ...connectionFields,
  engine: z.literal('trino'),
  url: z.url(),
  catalog: z.string().min(1).optional(),
  schema: z.string().min(1).optional(),
  auth: trinoAuth,
  tls,
  clientTags: z
    .array(
      z
        .string()
        .min(1)
        .regex(/^[^,]+$/, 'client tags cannot contain commas'),
    )
    .default([]),
  source: z.string().min(1).default('labdeck'),
  /** Ask for the spooling protocol (json segments, inline or spooled); needs a Trino with spooling configured. */
  spooling: z.boolean().default(false),
});

export type TrinoConnectionConfig = z.output<typeof trinoConnection>;

interface TrinoStats {
  state?: string;
  totalSplits?: number;
  completedSplits?: number;
  processedRows?: number;
  processedBytes?: number;
  cpuTimeMillis?: number;
  elapsedTimeMillis?: number;
  progressPercentage?: number;
}

interface Segment {
  type: 'inline' | 'spooled';
  data?: string;
  uri?: string;
  ackUri?: string;
  headers?: Record<string, string[]>;
}

interface TrinoDocument {
  id: string;
  nextUri?: string;
  columns?: { name: string; type: string }[];
  data?: unknown[][] | { encoding: string; segments: Segment[] };
  stats?: TrinoStats;
  updateCount?: number;
  error?: {
    message: string;
    errorName?: string;
    errorType?: string;
    errorLocation?: { lineNumber: number; columnNumber: number };
  };
}

const RETRY_STATUSES = new Set([502, 503, 504]);
const MAX_RETRY_MS = 60_000;
/**
 * Refused or reset connections are retried this long only (a stale keep-alive socket, a proxy blip): a
 * coordinator that went away lost its queries, so waiting longer would only hide the failure.
 */
const CONNECTION_RETRY_MS = 2_000;
export const UNREACHABLE = 'TRINO_UNREACHABLE';

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteString = (value: string) => `'${value.replaceAll("'", "''")}'`;
/** HTTP header values must be visible ASCII: anything else becomes `_`. */
const headerSafe = (value: string) => value.replace(/[^\x20-\x7e]/g, '_');
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** Trino over its HTTP client protocol: one POST, then nextUri until the end; DELETE nextUri cancels. */
export function createTrinoEngine(config: TrinoConnectionConfig, log: Logger): SqlEngine {
  const http = createHttpClient({ rejectUnauthorized: config.tls?.rejectUnauthorized, ca: config.tls?.ca });
  const base = config.url.replace(/\/+$/, '');

  function headersFor(user: User, session: TabSession): Record<string, string> {
    const h: Record<string, string> = {
      'X-Trino-User': headerSafe(user.id),
      'X-Trino-Source': headerSafe(config.source),
      'Content-Type': 'text/plain; charset=utf-8',
      Accept: 'application/json',
    };
    const catalog = session.catalog ?? config.catalog;
    const schema = session.schema ?? (session.catalog ? undefined : config.schema);
    if (catalog) h['X-Trino-Catalog'] = headerSafe(catalog);
    if (catalog && schema) h['X-Trino-Schema'] = headerSafe(schema);
    if (session.path) h['X-Trino-Path'] = headerSafe(session.path);
    const props = Object.entries(session.properties ?? {});
    if (props.length) h['X-Trino-Session'] = props.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(',');
    const roles = Object.entries(session.roles ?? {});
    if (roles.length) h['X-Trino-Role'] = roles.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(',');
    const prepared = Object.entries(session.prepared ?? {});
    if (prepared.length) {
      h['X-Trino-Prepared-Statement'] = prepared
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
        .join(',');
    }
    h['X-Trino-Transaction-Id'] = session.transactionId ?? 'NONE';
    if (config.clientTags.length) h['X-Trino-Client-Tags'] = config.clientTags.join(',');
    if (config.spooling) h['X-Trino-Query-Data-Encoding'] = 'json';
    if (config.auth.type === 'basic') {
      h.Authorization = `Basic ${Buffer.from(`${config.auth.user}:${config.auth.password}`).toString('base64')}`;
    } else if (config.auth.type === 'jwt') h.Authorization = `Bearer ${config.auth.token}`;
    return h;
  }

  /** Sends with retries on 502/503/504 (exponential backoff), as Trino's own clients do. */
  async function send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ) {
    let wait = 50;
    const started = Date.now();
    const deadline = started + MAX_RETRY_MS;
    for (;;) {
      let res: HttpResponse | undefined;
      try {
        res = await http.send(method, url, headers, body, signal);
      } catch (error) {
        if (signal.aborted || !isTransient(error)) throw error;
        if (Date.now() > started + CONNECTION_RETRY_MS)
          throw new EngineUnreachableError(`Trino at ${base} is unreachable: ${(error as Error).message}`, {
            cause: error,
          });
      }
      if (res && !RETRY_STATUSES.has(res.status)) return res;
      if (Date.now() > deadline) return res!;
      await sleep(wait, signal);
      if (signal.aborted) throw signal.reason ?? new Error('aborted');
      wait = Math.min(wait * 2, 2_000);
    }
  }

  async function cancel(nextUri: string | undefined, headers: Record<string, string>) {
    if (!nextUri) return;
    try {
      await http.send('DELETE', nextUri, headers, undefined, AbortSignal.timeout(10_000));
    } catch (error) {
      log.warn({ err: error }, 'trino cancel failed');
    }
  }

  async function decode(
    doc: TrinoDocument,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<unknown[][]> {
    const data = doc.data;
    if (!data) return [];
    if (Array.isArray(data)) return data;
    if (data.encoding !== 'json') throw new Error(`unsupported Trino result encoding ${data.encoding}`);
    const rows: unknown[][] = [];
    for (const segment of data.segments) {
      if (segment.type === 'inline') {
        for (const row of JSON.parse(
          Buffer.from(segment.data ?? '', 'base64').toString('utf8'),
        ) as unknown[][])
          rows.push(row);
      } else {
        const segmentHeaders = Object.fromEntries(
          Object.entries(segment.headers ?? {}).map(([k, v]) => [k, v.join(',')]),
        );
        const res = await send('GET', segment.uri!, segmentHeaders, undefined, signal);
        if (res.status !== 200) throw new Error(`spooled segment answered HTTP ${res.status}`);
        for (const row of JSON.parse(res.body.toString('utf8')) as unknown[][]) rows.push(row);
        if (segment.ackUri)
          http.send('GET', segment.ackUri, { ...headers, ...segmentHeaders }).catch(() => {});
      }
    }
    return rows;
  }

  async function run(request: RunRequest, sink: RunSink): Promise<RunOutcome> {
    const headers = headersFor(request.user, request.session);
    const session: TabSession = structuredClone(request.session);
    let sessionChanged = false;
    let nextUri: string | undefined;
    let queryId: string | undefined;
    let delivered = 0;
    let sentColumns = false;
    const outcome = (o: Omit<RunOutcome, 'rows' | 'queryId' | 'session'>): RunOutcome => ({
      ...o,
      rows: delivered,
      queryId,
      session: sessionChanged ? session : undefined,
    });
    try {
      let res = await send(
        'POST',
        `${base}/v1/statement`,
        headers,
        trimStatement(request.sql),
        request.signal,
      );
      let idle = 0;
      for (;;) {
        if (res.status !== 200) return outcome({ state: 'failed', truncated: false, error: httpError(res) });
        sessionChanged = applySessionHeaders(session, res.headers) || sessionChanged;
        const doc = JSON.parse(res.body.toString('utf8')) as TrinoDocument;
        if (!queryId) {
          queryId = doc.id;
          sink.started(doc.id);
        }
        nextUri = doc.nextUri;
        if (doc.columns && !sentColumns) {
          sentColumns = true;
          sink.columns(doc.columns.map((c): Column => ({ name: c.name, type: c.type })));
        }
        if (doc.stats) sink.progress(progressOf(doc.stats));
        if (doc.error) return outcome({ state: 'failed', truncated: false, error: errorOf(doc.error) });
        const rows = await decode(doc, headers, request.signal);
        if (rows.length) {
          idle = 0;
          const room = request.maxRows - delivered;
          if (rows.length > room) {
            // Only a row beyond the cap makes the preview incomplete: stop the query cleanly.
            if (room > 0) {
              delivered += room;
              await sink.rows(rows.slice(0, room));
            }
            await cancel(nextUri, headers);
            return outcome({ state: 'finished', truncated: true });
          }
          delivered += rows.length;
          await sink.rows(rows);
        }
        if (!nextUri) return outcome({ state: 'finished', truncated: false, updateCount: doc.updateCount });
        if (request.signal.aborted) throw request.signal.reason;
        // Trino long-polls; back off a little only when it answers fast with nothing new.
        if (!rows.length && ++idle > 3) await sleep(Math.min(10 * idle, 100), request.signal);
        res = await send('GET', nextUri, headers, undefined, request.signal);
      }
    } catch (error) {
      if (request.signal.aborted) {
        await cancel(nextUri, headers);
        return outcome({ state: 'cancelled', truncated: false });
      }
      if (error instanceof EngineUnreachableError)
        return outcome({
          state: 'failed',
          truncated: false,
          error: { message: error.message, code: UNREACHABLE },
        });
      return outcome({
        state: 'failed',
        truncated: false,
        error: { message: `Trino at ${base}: ${(error as Error).message}` },
      });
    }
  }

  /** Runs a metadata statement to the end and returns its rows. */
  async function collect(sql: string, user: User): Promise<unknown[][]> {
    const rows: unknown[][] = [];
    const outcome = await run(
      { sql, user, session: {}, signal: AbortSignal.timeout(60_000), maxRows: 200_000 },
      { started() {}, columns() {}, progress() {}, rows: (batch) => void rows.push(...batch) },
    );
    if (outcome.error?.code === UNREACHABLE) throw new EngineUnreachableError(outcome.error.message);
    if (outcome.state !== 'finished')
      throw new Error(outcome.error?.message ?? `metadata query ${outcome.state}`);
    return rows;
  }

  return {
    run,
    async metadata(path, user): Promise<MetaNode[]> {
      const [catalog, schema, table] = path;
      if (!catalog)
        return (await collect('SHOW CATALOGS', user)).map(([name]) => ({
          name: String(name),
          kind: 'catalog',
        }));
      const is = `${quoteIdent(catalog)}.information_schema`;
      if (!schema) {
        const rows = await collect(
          `SELECT schema_name FROM ${is}.schemata WHERE schema_name <> 'information_schema' ORDER BY 1`,
          user,
        );
        return rows.map(([name]) => ({ name: String(name), kind: 'schema' }));
      }
      if (!table) {
        const rows = await collect(
          `SELECT table_name, table_type FROM ${is}.tables WHERE table_schema = ${quoteString(schema)} ORDER BY 1`,
          user,
        );
        return rows.map(([name, type]) => ({ name: String(name), kind: type === 'VIEW' ? 'view' : 'table' }));
      }
      const rows = await collect(
        `SELECT column_name, data_type FROM ${is}.columns WHERE table_schema = ${quoteString(schema)} AND table_name = ${quoteString(table)} ORDER BY ordinal_position`,
        user,
      );
      return rows.map(([name, type]) => ({ name: String(name), kind: 'column', type: String(type) }));
    },
    async functions(user) {
      const rows = await collect('SHOW FUNCTIONS', user);
      return [...new Set(rows.map(([name]) => String(name)))];
    },
    explain: (sql) => ({ sql: `EXPLAIN ${trimStatement(sql)}`, format: 'text' }),
    async close() {
      http.close();
    },
  };
}

function progressOf(stats: TrinoStats): Progress {
  return {
    state: stats.state ?? 'UNKNOWN',
    completedSplits: stats.completedSplits,
    totalSplits: stats.totalSplits,
    processedRows: stats.processedRows,
    processedBytes: stats.processedBytes,
    cpuTimeMillis: stats.cpuTimeMillis,
    elapsedTimeMillis: stats.elapsedTimeMillis,
    progressPercentage: stats.progressPercentage,
  };
}

function errorOf(error: NonNullable<TrinoDocument['error']>): SqlError {
  return {
    message: error.message,
    code: error.errorName,
    line: error.errorLocation?.lineNumber,
    column: error.errorLocation?.columnNumber,
  };
}

function httpError(res: HttpResponse): SqlError {
  const text = res.body.toString('utf8').slice(0, 500).trim();
  const hint = res.status === 401 ? ' (check the connection auth)' : '';
  return {
    message: `Trino answered HTTP ${res.status}${hint}${text ? `: ${text}` : ''}`,
    code: `HTTP_${res.status}`,
  };
}

function isTransient(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE' || code === 'ETIMEDOUT';
}

const list = (value: string | string[] | undefined): string[] =>
  (Array.isArray(value) ? value.join(',') : (value ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function splitPair(item: string): [string, string] {
  const at = item.indexOf('=');
  return [decodeURIComponent(item.slice(0, at).trim()), decodeURIComponent(item.slice(at + 1).trim())];
}

/** Applies Trino's X-Trino-Set-* / Clear-* answers to a tab's session; true when something changed. */
export function applySessionHeaders(
  session: TabSession,
  headers: Record<string, string | string[] | undefined>,
): boolean {
  let changed = false;
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const catalog = one('x-trino-set-catalog');
  if (catalog !== undefined) {
    session.catalog = catalog;
    changed = true;
  }
  const schema = one('x-trino-set-schema');
  if (schema !== undefined) {
    session.schema = schema;
    changed = true;
  }
  const path = one('x-trino-set-path');
  if (path !== undefined) {
    session.path = path;
    changed = true;
  }
  for (const item of list(headers['x-trino-set-session'])) {
    const [k, v] = splitPair(item);
    session.properties = { ...session.properties, [k]: v };
    changed = true;
  }
  for (const name of list(headers['x-trino-clear-session'])) {
    if (session.properties) delete session.properties[name];
    changed = true;
  }
  for (const item of list(headers['x-trino-set-role'])) {
    const [k, v] = splitPair(item);
    session.roles = { ...session.roles, [k]: v };
    changed = true;
  }
  for (const item of list(headers['x-trino-added-prepare'])) {
    const [k, v] = splitPair(item);
    session.prepared = { ...session.prepared, [k]: v };
    changed = true;
  }
  for (const name of list(headers['x-trino-deallocated-prepare'])) {
    if (session.prepared) delete session.prepared[decodeURIComponent(name)];
    changed = true;
  }
  const started = one('x-trino-started-transaction-id');
  if (started) {
    session.transactionId = started;
    changed = true;
  }
  if (one('x-trino-clear-transaction-id') !== undefined) {
    delete session.transactionId;
    changed = true;
  }
  return changed;
}

/** Trino over its HTTP protocol: sessions per tab, real cancel, progress from the query stats. */
export const trinoEngine = defineSqlEngine({
  name: 'trino',
  connection: trinoConnection,
  dialect: 'trino',
  capabilities: { sessions: true, cancel: true, progress: true, explain: true, catalogs: true },
  describe: (config) => ({ catalog: config.catalog, schema: config.schema }),
  create: createTrinoEngine,
});
