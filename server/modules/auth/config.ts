import { z } from 'zod';
import { parseCidr } from '../../platform/net.ts';

const name = z.string().min(1).max(200);
const header = z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name');

/** One OpenID Connect provider (Keycloak realm, Authentik application, Dex, ...). */
const providerSchema = z.strictObject({
  /** Short id used in URLs (`/api/auth/login?provider=<id>`). */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'expected a short lowercase id')
    .default('default'),
  /** Label of the sign-in button. */
  name: name.default('Sign in with the lab identity provider'),
  /** Issuer URL; discovery reads `<issuer>/.well-known/openid-configuration`. Plain http only on loopback. */
  issuer: z.url(),
  clientId: name,
  /** Confidential client when set (use `${ENV}`); public client (PKCE only) when absent. */
  clientSecret: z.string().min(1).optional(),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'expected a scope token'))
    .default(['openid', 'profile', 'email']),
  /** Claim carrying the user's groups (Keycloak mapper, Authentik, Dex: `groups`). */
  groupsClaim: name.default('groups'),
  /** Claim that becomes the user's stable login name (what Trino and the audit log see). */
  usernameClaim: name.default('preferred_username'),
  /** Refresh the access token this many seconds before it expires. */
  refreshBeforeExpirySeconds: z.number().int().min(0).max(3600).default(60),
  /**
   * Send the ID token as `id_token_hint` at RP-initiated logout (some providers then skip their
   * confirmation page). Off by default: the token would pass through the browser.
   */
  logoutIdTokenHint: z.boolean().default(false),
  /** Accept OIDC back-channel logout tokens at POST /api/auth/backchannel-logout/<id>. */
  backchannelLogout: z.boolean().default(false),
});

const proxySchema = z
  .strictObject({
    /** Addresses (CIDRs or single IPs) of the forward-auth proxy; headers from anyone else are ignored. */
    trustedProxies: z
      .array(
        z.string().superRefine((value, ctx) => {
          const parsed = parseCidr(value);
          if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
        }),
      )
      .default(['127.0.0.1/32', '::1/128']),
    /** Header names tried in order; the first one present wins. */
    userHeaders: z.array(header).default(['X-Forwarded-User', 'Remote-User']),
    nameHeaders: z.array(header).default(['X-Forwarded-Preferred-Username', 'Remote-Name']),
    emailHeaders: z.array(header).default(['X-Forwarded-Email', 'Remote-Email']),
    groupsHeaders: z.array(header).default(['X-Forwarded-Groups', 'Remote-Groups']),
    groupsSeparator: z.string().min(1).max(3).default(','),
    /** Where "Sign out" sends the browser (e.g. `/oauth2/sign_out`, Authelia's logout URL). */
    logoutUrl: z.string().min(1).optional(),
  })
  .prefault({});

const sessionSchema = z
  .strictObject({
    cookieName: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default('labdeck_session'),
    /** A session unused for this long ends. */
    idleTimeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 30)
      .default(8 * 60),
    /** A session ends this long after sign-in, used or not. */
    absoluteTimeoutHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(24),
    /**
     * Key that encrypts refresh tokens at rest (32+ characters, via `${ENV}`). Without it a random key is
     * made at start, so stored refresh tokens do not survive a restart (users then re-authenticate when
     * their access token expires).
     */
    secret: z.string().min(32, 'expected at least 32 characters').optional(),
    /**
     * Domain of the session cookie, e.g. `lab.example.com`: every host under it (the UIs behind the
     * forward-auth gate) then receives the sign-in. Absent: the cookie stays with Labdeck's own host.
     */
    cookieDomain: z
      .string()
      .regex(
        /^\.?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i,
        'expected a domain name',
      )
      .transform((domain) => domain.replace(/^\./, '').toLowerCase())
      .optional(),
  })
  .prefault({});

const rateLimitSchema = z
  .strictObject({
    /** Sign-in attempts (login + callback) per client address and minute. */
    loginPerMinute: z.number().int().min(1).default(60),
    /** Mutating API requests per user (or address) and minute. */
    writesPerMinute: z.number().int().min(1).default(600),
  })
  .prefault({});

export const authSection = z
  .strictObject({
    mode: z.enum(['none', 'oidc', 'proxy']).default('none'),
    /** With `mode: none` Labdeck listens on loopback only unless this is true. */
    allowRemoteWithoutAuth: z.boolean().default(false),
    providers: z.array(providerSchema).default([]),
    proxy: proxySchema,
    session: sessionSchema,
    rateLimit: rateLimitSchema,
    /** Labdeck role -> IdP groups that grant it, e.g. `admin: [lab-admins]`. */
    roles: z
      .record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected a role name'), z.array(name))
      .default({}),
    /** Audit entries older than this are deleted. */
    auditRetentionDays: z.number().int().min(1).max(3650).default(400),
    /** Roles every signed-in user gets. */
    defaultRoles: z.array(z.string().min(1)).default([]),
  })
  .superRefine((auth, ctx) => {
    if (auth.mode === 'oidc' && auth.providers.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['providers'], message: 'mode oidc needs at least one provider' });
    }
    const ids = new Set<string>();
    auth.providers.forEach((provider, i) => {
      if (ids.has(provider.id))
        ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: 'duplicate provider id' });
      ids.add(provider.id);
      if (!provider.scopes.includes('openid')) {
        ctx.addIssue({ code: 'custom', path: ['providers', i, 'scopes'], message: 'must include openid' });
      }
    });
  })
  .prefault({});

export type AuthConfig = z.output<typeof authSection>;
export type ProviderConfig = AuthConfig['providers'][number];
export type ProxyConfig = AuthConfig['proxy'];
