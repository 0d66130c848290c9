import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { hasAnyRole } from '../../platform/access.ts';
import { ApiError, badRequest, forbidden, notFound, unavailable } from '../../platform/errors.ts';
import type { EventBus, LiveEvent } from '../../platform/events/bus.ts';
import type { User } from '../../platform/identity.ts';
import type { Logger } from '../../platform/log.ts';
import type { SqlEngineKind } from './adapters/engine.ts';
import { sqlEngines } from './adapters/index.ts';
import { EngineUnreachableError, type RunOutcome, type RunSink, type SqlEngine } from './adapters/types.ts';
import type { ConnectionConfig, SqlConfig } from './config.ts';
import type { Column, ConnectionInfo, MetaNode, Progress, RunBody } from './contract.ts';
import { csvHeader, csvLines, jsonlLines } from './export-format.ts';
import type { SqlMetrics } from './metrics.ts';
import type { SqlStore } from './store.ts';

interface Connection {
  config: ConnectionConfig;
  kind: SqlEngineKind;
  engine: SqlEngine;
}

const META_TTL_MS = 5 * 60_000;
const META_MAX = 5_000;
const MAX_RUNS_PER_USER = 8;
const PROGRESS_EVERY_MS = 150;
/** Internal bus event: "the replica running this run, cancel it" (never sent to browsers). */
const CANCEL_TOPIC = 'sql.cancel';
export const ORPHANED_RUN_MESSAGE =
  'The Labdeck replica running this query stopped (its lease expired); the query did not finish';

/** Where this service runs among the replicas: its id in sql_history, and the bus to reach the others. */
export interface SqlCluster {
  replicaId: string;
  bus: EventBus;
}

interface CancelRequest {
  runId: string;
  userId: string;
  replicaId: string;
}

export function createSqlService(
  config: SqlConfig,
  store: SqlStore,
  log: Logger,
  cluster: SqlCluster,
  metrics?: SqlMetrics,
) {
  const connections = new Map<string, Connection>();
  const running = new Map<string, { userId: string; controller: AbortController }>();
  const cancelLocal = (runId: string, userId: string): boolean => {
    const r = running.get(runId);
    if (!r || r.userId !== userId) return false;
    r.controller.abort(new Error('cancelled by the user'));
    return true;
  };
  const unsubscribe = cluster.bus.subscribe((event: LiveEvent) => {
    if (event.topic !== CANCEL_TOPIC) return;
    const request = event.data as CancelRequest;
    if (request.replicaId === cluster.replicaId) cancelLocal(request.runId, request.userId);
  });
  const owner = (runId: string) => ({ runId, replicaId: cluster.replicaId });
  const metaCache = new Map<string, { at: number; value: Promise<unknown> }>();

  function addConnection(c: ConnectionConfig) {
    const kind = sqlEngines.find((k) => k.name === c.engine);
    if (!kind) throw new Error(`sql.connections ${c.id}: no engine ${c.engine}`);
    connections.set(c.id, { config: c, kind, engine: kind.create(c, log.child({ connection: c.id })) });
  }
  for (const c of config.connections) addConnection(c);

  function connectionFor(user: User, id: string): Connection {
    const c = connections.get(id);
    if (!c) throw notFound(`No SQL connection "${id}"`);
    if (!hasAnyRole(user, c.config.roles)) throw forbidden(`You may not use the SQL connection "${id}"`);
    return c;
  }

  function info({ config, kind }: Connection): ConnectionInfo {
    return {
      id: config.id,
      name: config.name ?? config.id,
      engine: kind.name,
      dialect: kind.dialect,
      capabilities: kind.capabilities,
      readOnly: config.readOnly,
      ...kind.describe?.(config),
    };
  }

  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = metaCache.get(key);
    if (hit && Date.now() - hit.at < META_TTL_MS) return hit.value as Promise<T>;
    const value = load();
    metaCache.set(key, { at: Date.now(), value });
    value.catch(() => metaCache.delete(key));
    if (metaCache.size > META_MAX) metaCache.delete(metaCache.keys().next().value!);
    return value;
  }

  function record(engine: string, kind: 'run' | 'export', outcome: RunOutcome, ms: number) {
    if (!metrics) return;
    metrics.runs.inc({ engine, kind, state: outcome.state });
    metrics.rows.inc({ engine, kind }, outcome.rows);
    metrics.seconds.observe({ engine, kind }, ms / 1000);
  }

  /** Streams one statement as NDJSON lines: start, columns, rows..., progress..., end. */
  async function run(user: User, body: RunBody, res: Response): Promise<void> {
    const c = connectionFor(user, body.connectionId);
    const mine = [...running.values()].filter((r) => r.userId === user.id).length;
    if (mine >= MAX_RUNS_PER_USER)
      throw new ApiError(429, 'too_many_runs', `At most ${MAX_RUNS_PER_USER} queries may run at once`);
    const session = c.kind.capabilities.sessions
      ? await store.tabSession(user.id, body.tabId, c.config.id)
      : {};
    // Recorded before the stream opens: if Labdeck's database is down, the answer is a plain error.
    const runId = randomUUID();
    const historyId = await store.startHistory(user.id, c.config.id, body.tabId, body.sql, owner(runId));
    const controller = new AbortController();
    running.set(runId, { userId: user.id, controller });
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Error('client disconnected'));
    });
    res.status(200);
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    const started = performance.now();
    const maxRows = Math.min(body.maxRows ?? config.previewRows, config.previewRows);
    const explain = body.mode === 'explain' ? c.engine.explain(body.sql) : undefined;
    await writeLine(res, { t: 'start', runId, historyId, maxRows, explain: explain?.format });
    let lastProgress = 0;
    let lastState = '';
    const sink: RunSink = {
      started: (queryId) => void writeLine(res, { t: 'query', queryId }),
      columns: (columns) => void writeLine(res, { t: 'columns', columns }),
      rows: (rows) => writeLine(res, { t: 'rows', rows }),
      progress(progress: Progress) {
        const now = performance.now();
        if (progress.state === lastState && now - lastProgress < PROGRESS_EVERY_MS) return;
        lastState = progress.state;
        lastProgress = now;
        void writeLine(res, { t: 'progress', progress });
      },
    };
    let outcome: RunOutcome;
    metrics?.running.inc();
    try {
      outcome = await c.engine.run(
        {
          sql: explain?.sql ?? body.sql,
          user,
          session,
          signal: controller.signal,
          maxRows,
          rollback: Boolean(explain),
        },
        sink,
      );
    } catch (error) {
      log.error({ err: error }, 'sql run failed');
      outcome = {
        state: 'failed',
        rows: 0,
        truncated: false,
        error: { message: 'Internal error while running the query' },
      };
    } finally {
      running.delete(runId);
      metrics?.running.dec();
    }
    if (explain && outcome.error?.line) outcome.error.line -= 1; // the EXPLAIN prefix sits on its own line
    if (outcome.session && c.kind.capabilities.sessions) {
      await store.saveTabSession(user.id, body.tabId, c.config.id, outcome.session);
    }
    const elapsedMs = Math.round(performance.now() - started);
    record(c.kind.name, 'run', outcome, elapsedMs);
    await store
      .finishHistory(historyId, {
        durationMs: elapsedMs,
        rows: outcome.rows,
        state: outcome.state,
        error: outcome.error?.message,
        queryId: outcome.queryId,
      })
      .catch((error) => log.warn({ err: error }, 'could not record the run'));
    if (!res.destroyed) {
      await writeLine(res, {
        t: 'end',
        state: outcome.state,
        rows: outcome.rows,
        truncated: outcome.truncated,
        updateCount: outcome.updateCount,
        elapsedMs,
        error: outcome.error,
        queryId: outcome.queryId,
      });
      res.end();
    }
  }

  /** Streams the full result as CSV or JSON Lines, straight from the engine to the download. */
  async function exportRun(user: User, exportId: string, res: Response): Promise<void> {
    const request = await store.takeExport(exportId, user.id);
    if (!request) throw notFound('This export link expired or was already used; start the export again');
    const c = connectionFor(user, request.connectionId);
    const session =
      c.kind.capabilities.sessions && request.tabId
        ? await store.tabSession(user.id, request.tabId, c.config.id)
        : {};
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new Error('client disconnected'));
    });
    let columns: Column[] = [];
    const begin = () => {
      if (res.headersSent) return;
      const ext = request.format === 'csv' ? 'csv' : 'jsonl';
      res.status(200);
      res.setHeader(
        'Content-Type',
        request.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      );
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="${c.config.id}-${new Date().toISOString().replace(/[:.]/g, '-')}.${ext}"`,
      );
      res.setHeader('Cache-Control', 'no-store, no-transform');
      res.flushHeaders();
    };
    const historyId = await store.startHistory(
      user.id,
      c.config.id,
      request.tabId,
      request.sql,
      owner(randomUUID()),
    );
    const started = performance.now();
    metrics?.running.inc();
    const outcome = await c.engine
      .run(
        { sql: request.sql, user, session, signal: controller.signal, maxRows: Number.MAX_SAFE_INTEGER },
        {
          started() {},
          progress() {},
          columns(cols) {
            columns = cols;
            begin();
            if (request.format === 'csv') void writeRaw(res, csvHeader(cols));
          },
          rows: (rows) =>
            writeRaw(res, request.format === 'csv' ? csvLines(rows) : jsonlLines(columns, rows)),
        },
      )
      .finally(() => metrics?.running.dec());
    record(c.kind.name, 'export', outcome, performance.now() - started);
    await store
      .finishHistory(historyId, {
        durationMs: Math.round(performance.now() - started),
        rows: outcome.rows,
        state: outcome.state === 'finished' ? 'exported' : outcome.state,
        error: outcome.error?.message,
        queryId: outcome.queryId,
      })
      .catch((error) => log.warn({ err: error }, 'could not record the export'));
    if (outcome.state === 'finished') {
      begin();
      res.end();
    } else if (!res.headersSent && outcome.error) {
      throw badRequest(outcome.error.message, { line: outcome.error.line, column: outcome.error.column });
    } else res.destroy(); // a broken download must not look complete
  }

  return {
    connections: (user: User): ConnectionInfo[] =>
      [...connections.values()].filter((c) => hasAnyRole(user, c.config.roles)).map(info),
    connectionFor,
    addConnection,
    run,
    exportRun,
    /** Cancels a run of the user's, whichever replica runs it (false: no such running query). */
    async cancel(user: User, runId: string): Promise<boolean> {
      if (cancelLocal(runId, user.id)) return true;
      const replicaId = await store.runOwner(user.id, runId);
      if (!replicaId || replicaId === cluster.replicaId) return false;
      const request: CancelRequest = { runId, userId: user.id, replicaId };
      cluster.bus.publish({ topic: CANCEL_TOPIC, type: 'cancel', data: request, internal: true });
      return true;
    },
    /** Reports the runs of replicas that died as failed (runs after each replica heartbeat). */
    async failOrphanedRuns(): Promise<void> {
      const failed = await store.failOrphanedRuns(ORPHANED_RUN_MESSAGE);
      if (failed) log.warn({ failed }, 'reported the SQL runs of a replica that stopped as failed');
    },
    metadata(user: User, connectionId: string, path: string[], refresh = false): Promise<MetaNode[]> {
      const c = connectionFor(user, connectionId);
      if (refresh)
        for (const key of metaCache.keys())
          if (key.startsWith(`${c.config.id}\u0000${user.id}\u0000`)) metaCache.delete(key);
      return cached(`${c.config.id}\u0000${user.id}\u0000m\u0000${path.join('\u0000')}`, () =>
        c.engine.metadata(path, user),
      ).catch(unreachableAs503);
    },
    functions(user: User, connectionId: string): Promise<string[]> {
      const c = connectionFor(user, connectionId);
      return cached(`${c.config.id}\u0000${user.id}\u0000f`, () => c.engine.functions(user)).catch(
        unreachableAs503,
      );
    },
    async close() {
      unsubscribe();
      for (const r of running.values()) r.controller.abort(new Error('Labdeck is stopping'));
      await Promise.all([...connections.values()].map((c) => c.engine.close().catch(() => {})));
    },
  };
}

/** An engine that does not answer is a 503 with its message (the connection is named in it), not a 500. */
function unreachableAs503(error: unknown): never {
  if (error instanceof EngineUnreachableError) throw unavailable(error.message, 'engine_unreachable');
  throw error;
}

/** Writes one NDJSON line; resolves when the socket can take more (or is gone). */
function writeLine(res: Response, message: unknown): Promise<void> {
  return writeRaw(res, `${JSON.stringify(message)}\n`);
}

function writeRaw(res: Response, text: string): Promise<void> {
  if (res.destroyed || res.writableEnded) return Promise.resolve();
  if (res.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export type SqlService = ReturnType<typeof createSqlService>;
