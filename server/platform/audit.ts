import type { Request } from 'express';
import type { AuditPage } from './contract.ts';
import type { Db } from './db/pool.ts';
import type { ModuleContext } from './module.ts';

/** Well-known actions; modules may use their own dotted names (`sql.query`, `jobs.trigger`, ...). */
export type AuditAction =
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.logout'
  | 'auth.logout_everywhere'
  | 'auth.session_ended'
  | 'auth.backchannel_logout'
  | (string & {});

const ACTION = /^[a-z][a-z0-9_.-]{0,63}$/;

/**
 * Records who did what and when. `req` gives the user, address and request id; pass `null` for work
 * that no request started (schedulers). Details must not contain secrets: they are shown to admins.
 */
export async function audit(
  ctx: Pick<ModuleContext, 'db'>,
  req: Pick<Request, 'user' | 'ip' | 'id'> | null,
  action: AuditAction,
  details: Record<string, unknown> = {},
  who?: { id: string; name: string },
): Promise<void> {
  if (!ACTION.test(action)) throw new Error(`audit: invalid action name ${JSON.stringify(action)}`);
  const user = who ?? req?.user;
  await ctx.db.query(
    'INSERT INTO audit_log (user_id, user_name, action, details, ip, request_id) VALUES ($1, $2, $3, $4, $5, $6)',
    [
      user?.id ?? null,
      user?.name ?? null,
      action,
      JSON.stringify(details),
      req?.ip ?? null,
      req ? String(req.id ?? '') : null,
    ],
  );
}

export interface AuditQuery {
  user?: string;
  action?: string;
  from?: Date;
  to?: Date;
  page: number;
  pageSize: number;
}

/** Newest first; `user` matches id or name, `action` matches exactly or as a prefix ending in `.`/`*`. */
export async function queryAudit(db: Db, q: AuditQuery): Promise<AuditPage> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (q.user) {
    values.push(q.user);
    where.push(`(user_id = $${values.length} OR user_name = $${values.length})`);
  }
  if (q.action) {
    if (q.action.endsWith('*')) {
      values.push(`${q.action.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`);
      where.push(`action LIKE $${values.length}`);
    } else {
      values.push(q.action);
      where.push(`action = $${values.length}`);
    }
  }
  if (q.from) {
    values.push(q.from);
    where.push(`at >= $${values.length}`);
  }
  if (q.to) {
    values.push(q.to);
    where.push(`at <= $${values.length}`);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log ${clause}`, values);
  const { rows } = await db.query<{
    id: number;
    at: Date;
    user_id: string | null;
    user_name: string | null;
    action: string;
    /** Written by audit() from a Record. */
    details: Record<string, unknown>;
    ip: string | null;
  }>(
    `SELECT id, at, user_id, user_name, action, details, ip FROM audit_log ${clause}
      ORDER BY at DESC, id DESC LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`,
    values,
  );
  return {
    items: rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      userId: r.user_id,
      userName: r.user_name,
      action: r.action,
      details: r.details,
      ip: r.ip,
    })),
    total: total.rows[0]?.n ?? 0,
    page: q.page,
    pageSize: q.pageSize,
  };
}
