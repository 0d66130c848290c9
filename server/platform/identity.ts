import type { Request } from 'express';

/** The person behind a request, as the auth module established it. */
export interface User {
  /**
   * Stable login name (OIDC `preferred_username` or `sub`, the proxy's user header, `local`): what
   * downstream systems see (Trino's X-Trino-User) and what the audit log records.
   */
  id: string;
  /** Display name. */
  name: string;
  email?: string;
  /** Labdeck roles (from IdP groups via `auth.roles`). */
  roles: string[];
  /** The IdP groups behind the roles (what the forward-auth gate passes on as `X-Forwarded-Groups`). */
  groups?: string[];
}

declare module 'express-serve-static-core' {
  interface Request {
    user?: User;
  }
}

export const currentUser = (req: Request): User | undefined => req.user;
