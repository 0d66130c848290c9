import type { Db } from '../../platform/db/pool.ts';
import { camelRow } from '../../platform/db/rows.ts';
import type { TabSession } from './adapters/types.ts';
import type { HistoryEntry, SavedQuery, Tab } from './contract.ts';

export interface ExportRequest {
  id: string;
  userId: string;
  connectionId: string;
  tabId: string | null;
  sql: string;
  format: 'csv' | 'jsonl';
}

/** Runs kept per user in the history. */
export const HISTORY_KEEP = 5_000;

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));
const like = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createSqlStore(db: Db) {
  return {
    async listTabs(userId: string): Promise<Tab[]> {
      const { rows } = await db.query(
        'SELECT tab_id, position, title, connection_id, sql, updated_at FROM sql_tabs WHERE user_id = $1 ORDER BY position, updated_at',
        [userId],
      );
      return rows.map((r) => ({
        id: r.tab_id,
        position: r.position,
        title: r.title,
        connectionId: r.connection_id,
        sql: r.sql,
        updatedAt: iso(r.updated_at),
      }));
    },
    async saveTab(userId: string, tab: Omit<Tab, 'updatedAt'>): Promise<void> {
      await db.query(
        `INSERT INTO sql_tabs (user_id, tab_id, position, title, connection_id, sql) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id, tab_id) DO UPDATE SET position = $3, title = $4, connection_id = $5, sql = $6, updated_at = now()`,
        [userId, tab.id, tab.position, tab.title, tab.connectionId, tab.sql],
      );
    },
    async countTabs(userId: string): Promise<number> {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM sql_tabs WHERE user_id = $1', [userId]);
      return rows[0]!.n;
    },
    async deleteTab(userId: string, tabId: string): Promise<void> {
      await db.query('DELETE FROM sql_tabs WHERE user_id = $1 AND tab_id = $2', [userId, tabId]);
      await db.query('DELETE FROM sql_tab_sessions WHERE user_id = $1 AND tab_id = $2', [userId, tabId]);
    },

    async tabSession(userId: string, tabId: string, connectionId: string): Promise<TabSession> {
      const { rows } = await db.query(
        'SELECT session FROM sql_tab_sessions WHERE user_id = $1 AND tab_id = $2 AND connection_id = $3',
        [userId, tabId, connectionId],
      );
      return (rows[0]?.session as TabSession) ?? {};
    },
    async saveTabSession(
      userId: string,
      tabId: string,
      connectionId: string,
      session: TabSession,
    ): Promise<void> {
      await db.query(
        `INSERT INTO sql_tab_sessions (user_id, tab_id, connection_id, session) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, tab_id, connection_id) DO UPDATE SET session = $4, updated_at = now()`,
        [userId, tabId, connectionId, JSON.stringify(session)],
      );
    },

    async startHistory(
      userId: string,
      connectionId: string,
      tabId: string | null,
      sql: string,
      owner: { runId: string; replicaId: string },
    ): Promise<number> {
      const { rows } = await db.query(
        `INSERT INTO sql_history (user_id, connection_id, tab_id, sql, state, run_id, replica_id)
         VALUES ($1, $2, $3, $4, 'running', $5, $6) RETURNING id`,
        [userId, connectionId, tabId, sql, owner.runId, owner.replicaId],
      );
      const id = Number(rows[0]!.id);
      // Keep the newest runs per user; prune now and then rather than on every insert.
      if (id % 100 === 0) {
        await db.query(
          `DELETE FROM sql_history WHERE user_id = $1 AND id < (
             SELECT min(id) FROM (SELECT id FROM sql_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2) newest)`,
          [userId, HISTORY_KEEP],
        );
      }
      return id;
    },
    async finishHistory(
      id: number,
      done: { durationMs: number; rows: number; state: string; error?: string; queryId?: string },
    ): Promise<void> {
      await db.query(
        'UPDATE sql_history SET duration_ms = $2, rows = $3, state = $4, error = $5, query_id = $6 WHERE id = $1',
        [id, done.durationMs, done.rows, done.state, done.error ?? null, done.queryId ?? null],
      );
    },
    /** The live replica running the user's run `runId`, if it is still running. */
    async runOwner(userId: string, runId: string): Promise<string | undefined> {
      const { rows } = await db.query<{ replica_id: string }>(
        `SELECT h.replica_id FROM sql_history h JOIN labdeck_replicas r ON r.id = h.replica_id
          WHERE h.run_id = $1 AND h.user_id = $2 AND h.state = 'running'`,
        [runId, userId],
      );
      return rows[0]?.replica_id;
    },
    /** Reports the runs of replicas no longer in labdeck_replicas (their lease ran out) as failed. */
    async failOrphanedRuns(message: string): Promise<number> {
      const { rowCount } = await db.query(
        `UPDATE sql_history SET state = 'failed', error = $1
          WHERE state = 'running' AND replica_id IS NOT NULL
            AND replica_id NOT IN (SELECT id FROM labdeck_replicas)`,
        [message],
      );
      return rowCount ?? 0;
    },
    async history(
      userId: string,
      q: string | undefined,
      limit: number,
      before?: number,
    ): Promise<HistoryEntry[]> {
      const { rows } = await db.query(
        `SELECT id, connection_id, tab_id, sql, started_at, duration_ms, rows, state, error, query_id FROM sql_history
          WHERE user_id = $1 AND ($2::text IS NULL OR sql ILIKE $2 OR error ILIKE $2) AND ($3::bigint IS NULL OR id < $3)
          ORDER BY id DESC LIMIT $4`,
        [userId, q ? like(q) : null, before ?? null, limit],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        connectionId: r.connection_id,
        tabId: r.tab_id,
        sql: r.sql,
        startedAt: iso(r.started_at),
        durationMs: r.duration_ms,
        rows: r.rows === null ? null : Number(r.rows),
        state: r.state,
        error: r.error,
        queryId: r.query_id,
      }));
    },

    async listSaved(userId: string, q: string | undefined): Promise<SavedQuery[]> {
      const { rows } = await db.query(
        `SELECT * FROM sql_saved WHERE owner_id = $1 AND ($2::text IS NULL OR name ILIKE $2 OR sql ILIKE $2)
          ORDER BY updated_at DESC LIMIT 500`,
        [userId, q ? like(q) : null],
      );
      return rows.map(savedOf);
    },
    async getSaved(id: string): Promise<SavedQuery | undefined> {
      const { rows } = await db.query('SELECT * FROM sql_saved WHERE id = $1', [id]);
      return rows[0] ? savedOf(rows[0]) : undefined;
    },
    async createSaved(
      owner: { id: string; name: string },
      q: { name: string; connectionId: string; sql: string },
    ) {
      const { rows } = await db.query(
        'INSERT INTO sql_saved (owner_id, owner_name, name, connection_id, sql) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [owner.id, owner.name, q.name, q.connectionId, q.sql],
      );
      return savedOf(rows[0]!);
    },
    async updateSaved(id: string, q: { name: string; connectionId: string; sql: string }) {
      const { rows } = await db.query(
        'UPDATE sql_saved SET name = $2, connection_id = $3, sql = $4, updated_at = now() WHERE id = $1 RETURNING *',
        [id, q.name, q.connectionId, q.sql],
      );
      return savedOf(rows[0]!);
    },
    async deleteSaved(id: string): Promise<void> {
      await db.query('DELETE FROM sql_saved WHERE id = $1', [id]);
    },

    async createExport(e: Omit<ExportRequest, 'id'>): Promise<string> {
      await db.query(`DELETE FROM sql_exports WHERE created_at < now() - interval '10 minutes'`);
      const { rows } = await db.query(
        'INSERT INTO sql_exports (user_id, connection_id, tab_id, sql, format) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [e.userId, e.connectionId, e.tabId, e.sql, e.format],
      );
      return rows[0]!.id;
    },
    /** Takes (and removes) an export request: each link downloads once. */
    async takeExport(id: string, userId: string): Promise<ExportRequest | undefined> {
      const { rows } = await db.query<{
        id: string;
        user_id: string;
        connection_id: string;
        tab_id: string | null;
        sql: string;
        format: ExportRequest['format'];
      }>(
        `DELETE FROM sql_exports WHERE id = $1 AND user_id = $2 AND created_at > now() - interval '10 minutes'
         RETURNING id, user_id, connection_id, tab_id, sql, format`,
        [id, userId],
      );
      return rows[0] ? camelRow(rows[0]) : undefined;
    },
  };
}

function savedOf(r: Record<string, unknown>): SavedQuery {
  return {
    id: String(r.id),
    ownerId: String(r.owner_id),
    ownerName: String(r.owner_name),
    name: String(r.name),
    connectionId: String(r.connection_id),
    sql: String(r.sql),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export type SqlStore = ReturnType<typeof createSqlStore>;
