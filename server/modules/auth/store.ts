import type { Db } from '../../platform/db/pool.ts';
import { camelRow } from '../../platform/db/rows.ts';
import type { ActiveSession } from './contract.ts';
import { randomToken, sha256 } from './crypto.ts';

export interface SessionRow {
  id_hash: string;
  public_id: string;
  user_id: string;
  user_name: string;
  email: string | null;
  roles: string[];
  groups: string[];
  provider: string | null;
  subject: string | null;
  idp_session_id: string | null;
  id_token: string | null;
  access_token_expires_at: Date | null;
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface NewSession {
  userId: string;
  userName: string;
  email?: string;
  roles: string[];
  groups: string[];
  provider: string;
  subject: string;
  idpSessionId?: string;
  idToken?: string;
  accessTokenExpiresAt?: Date;
  accessTokenEnc?: string;
  refreshTokenEnc?: string;
  ip?: string;
  userAgent?: string;
  expiresAt: Date;
}

export interface LoginFlow {
  state: string;
  browserHash: string;
  provider: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

/** What admins see of a session: never its token. */
export type SessionSummary = ActiveSession;

const FLOW_TTL = "interval '10 minutes'";

/**
 * Sessions and sign-in flows in PostgreSQL. Every revocation reports the ended sessions' hashes to
 * `onEnded`, so caches of live sessions drop them at once.
 */
export function createAuthStore(db: Db, onEnded: (idHashes: string[]) => void = () => {}) {
  const ended = <T extends { id_hash: string }>(rows: T[]): T[] => {
    if (rows.length) onEnded(rows.map((row) => row.id_hash));
    return rows;
  };
  return {
    /** Stores a new session and returns the secret cookie value (only its hash is stored). */
    async createSession(s: NewSession): Promise<{ token: string; publicId: string }> {
      const token = randomToken(32);
      const publicId = randomToken(12);
      await db.query(
        `INSERT INTO auth_sessions (id_hash, public_id, user_id, user_name, email, roles, groups, provider, subject,
           idp_session_id, id_token, access_token_expires_at, access_token_enc, refresh_token_enc, ip, user_agent, expires_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
        [
          sha256(token),
          publicId,
          s.userId,
          s.userName,
          s.email ?? null,
          s.roles,
          s.groups,
          s.provider,
          s.subject,
          s.idpSessionId ?? null,
          s.idToken ?? null,
          s.accessTokenExpiresAt ?? null,
          s.accessTokenEnc ?? null,
          s.refreshTokenEnc ?? null,
          s.ip ?? null,
          s.userAgent?.slice(0, 400) ?? null,
          s.expiresAt,
        ],
      );
      return { token, publicId };
    },

    /** The live session of a cookie's hash: not revoked, not past its absolute or idle timeout. */
    async findSession(idHash: string, idleMinutes: number): Promise<SessionRow | null> {
      const { rows } = await db.query<SessionRow>(
        `SELECT * FROM auth_sessions
          WHERE id_hash = $1 AND revoked_at IS NULL AND expires_at > now()
            AND last_seen_at > now() - make_interval(mins => $2)`,
        [idHash, idleMinutes],
      );
      return rows[0] ?? null;
    },

    /** Marks activity at most once a minute per session (idle timeout bookkeeping). */
    async touch(idHash: string): Promise<void> {
      await db.query(
        `UPDATE auth_sessions SET last_seen_at = now() WHERE id_hash = $1 AND last_seen_at < now() - interval '1 minute'`,
        [idHash],
      );
    },

    async updateTokens(
      idHash: string,
      tokens: {
        idToken?: string;
        accessTokenExpiresAt?: Date;
        accessTokenEnc: string;
        refreshTokenEnc?: string;
      },
    ) {
      await db.query(
        `UPDATE auth_sessions SET id_token = COALESCE($2, id_token), access_token_expires_at = $3, access_token_enc = $4,
           refresh_token_enc = COALESCE($5, refresh_token_enc) WHERE id_hash = $1 AND revoked_at IS NULL`,
        [
          idHash,
          tokens.idToken ?? null,
          tokens.accessTokenExpiresAt ?? null,
          tokens.accessTokenEnc,
          tokens.refreshTokenEnc ?? null,
        ],
      );
    },

    async updateGroups(idHash: string, roles: string[], groups: string[]): Promise<void> {
      await db.query('UPDATE auth_sessions SET roles = $2, groups = $3 WHERE id_hash = $1', [
        idHash,
        roles,
        groups,
      ]);
    },

    async revokeByToken(token: string, reason: string): Promise<SessionRow | null> {
      const { rows } = await db.query<SessionRow>(
        `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2, access_token_enc = NULL, refresh_token_enc = NULL
          WHERE id_hash = $1 AND revoked_at IS NULL RETURNING *`,
        [sha256(token), reason],
      );
      return ended(rows)[0] ?? null;
    },

    async revokeByPublicId(publicId: string, reason: string): Promise<SessionRow | null> {
      const { rows } = await db.query<SessionRow>(
        `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2, access_token_enc = NULL, refresh_token_enc = NULL
          WHERE public_id = $1 AND revoked_at IS NULL RETURNING *`,
        [publicId, reason],
      );
      return ended(rows)[0] ?? null;
    },

    async revokeByHash(idHash: string, reason: string): Promise<void> {
      const { rows } = await db.query<{ id_hash: string }>(
        `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2, access_token_enc = NULL, refresh_token_enc = NULL
          WHERE id_hash = $1 AND revoked_at IS NULL RETURNING id_hash`,
        [idHash, reason],
      );
      ended(rows);
    },

    async revokeAllForUser(userId: string, reason: string): Promise<number> {
      const { rows } = await db.query<{ id_hash: string }>(
        `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2, access_token_enc = NULL, refresh_token_enc = NULL
          WHERE user_id = $1 AND revoked_at IS NULL RETURNING id_hash`,
        [userId, reason],
      );
      return ended(rows).length;
    },

    /** Back-channel logout: the sessions of the IdP session `sid` (of `sub` when both are given), else all of `sub`. */
    async revokeByIdp(
      provider: string,
      idpSessionId: string | undefined,
      subject: string | undefined,
    ): Promise<string[]> {
      const { rows } = await db.query<{ user_id: string; id_hash: string }>(
        `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'backchannel logout', access_token_enc = NULL,
           refresh_token_enc = NULL
          WHERE provider = $1 AND revoked_at IS NULL
            AND ($2::text IS NULL OR idp_session_id = $2) AND ($3::text IS NULL OR subject = $3)
            AND ($2::text IS NOT NULL OR $3::text IS NOT NULL)
          RETURNING user_id, id_hash`,
        [provider, idpSessionId ?? null, subject ?? null],
      );
      return ended(rows).map((row) => row.user_id);
    },

    async listActive(idleMinutes: number): Promise<SessionSummary[]> {
      const { rows } = await db.query<SessionRow>(
        `SELECT * FROM auth_sessions WHERE revoked_at IS NULL AND expires_at > now()
            AND last_seen_at > now() - make_interval(mins => $1)
          ORDER BY last_seen_at DESC LIMIT 1000`,
        [idleMinutes],
      );
      return rows.map(summary);
    },

    async saveFlow(flow: LoginFlow): Promise<void> {
      await db.query(
        `INSERT INTO auth_login_flows (state, browser_hash, provider, nonce, code_verifier, return_to)
         VALUES ($1,$2,$3,$4,$5,$6)`,
        [flow.state, flow.browserHash, flow.provider, flow.nonce, flow.codeVerifier, flow.returnTo],
      );
    },

    /** Takes (deletes) a pending sign-in: a second callback with the same state finds nothing. */
    async takeFlow(state: string): Promise<LoginFlow | null> {
      const { rows } = await db.query<{
        state: string;
        browser_hash: string;
        provider: string;
        nonce: string;
        code_verifier: string;
        return_to: string;
      }>(
        `DELETE FROM auth_login_flows WHERE state = $1 AND created_at > now() - ${FLOW_TTL}
         RETURNING state, browser_hash, provider, nonce, code_verifier, return_to`,
        [state],
      );
      return rows[0] ? camelRow(rows[0]) : null;
    },

    /** Drops finished business: stale sign-in flows, sessions ended over a day ago, expired audit entries. */
    async sweep(auditRetentionDays: number): Promise<void> {
      await db.query('DELETE FROM audit_log WHERE at < now() - make_interval(days => $1)', [
        auditRetentionDays,
      ]);
      await db.query(`DELETE FROM auth_login_flows WHERE created_at < now() - ${FLOW_TTL}`);
      await db.query(
        `DELETE FROM auth_sessions WHERE (revoked_at IS NOT NULL AND revoked_at < now() - interval '1 day')
            OR expires_at < now() - interval '1 day'`,
      );
    },
  };
}

export type AuthStore = ReturnType<typeof createAuthStore>;

function summary(row: SessionRow): SessionSummary {
  return {
    id: row.public_id,
    userId: row.user_id,
    userName: row.user_name,
    email: row.email,
    roles: row.roles,
    provider: row.provider,
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: row.created_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
  };
}
