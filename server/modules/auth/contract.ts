// Sign-in and admin API as both tiers see it (the SPA imports it with `import type` from
// '@contracts/auth'). Types and zod schemas only: nothing here may import server code.
import { z } from 'zod';

export type AuthMode = 'none' | 'oidc' | 'proxy';

export interface SessionUser {
  /** Stable login name (what Trino and the audit log see). */
  id: string;
  name: string;
  email?: string;
  roles: string[];
}

export interface SignInProvider {
  id: string;
  name: string;
}

/** GET /api/session (also embedded into index.html as boot data). */
export interface Session {
  authMode: AuthMode;
  user: SessionUser | null;
  /** Identity providers to offer on the sign-in page (oidc mode). */
  providers: SignInProvider[];
  session: { expiresAt: string; idleTimeoutMinutes: number } | null;
}

/** What admins see of a session (GET /api/admin/sessions): never its token. */
export interface ActiveSession {
  id: string;
  userId: string;
  userName: string;
  email: string | null;
  roles: string[];
  provider: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

/** GET /api/admin/audit: the platform's audit log (a contract, not server code). */
export type { AuditEntry, AuditPage } from '../../platform/contract.ts';

export const auditQuery = z.strictObject({
  user: z.string().max(256).optional(),
  action: z.string().max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

/** GET /api/auth/login (read by the route itself: an unsafe returnTo falls back to `/`). */
export const loginQuery = z.object({
  returnTo: z.string().optional(),
  /** The sign-in provider's id when several are configured. */
  provider: z.string().optional(),
});

/** OpenID Connect Back-Channel Logout, form-encoded. */
export const backchannelLogoutBody = z.object({ logout_token: z.string() });

export const sessionParams = z.strictObject({
  id: z.string().regex(/^[\w-]{8,64}$/, 'expected a session id'),
});
