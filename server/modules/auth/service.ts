import { parseCookie } from 'cookie';
import type { Request, Response } from 'express';
import * as client from 'openid-client';
import { audit } from '../../platform/audit.ts';
import { isDatabaseUnavailable } from '../../platform/errors.ts';
import { secureCookies } from '../../platform/hosts.ts';
import type { User } from '../../platform/identity.ts';
import type { ModuleContext } from '../../platform/module.ts';
import { addressList } from '../../platform/net.ts';
import type { AuthConfig } from './config.ts';
import type { Session } from './contract.ts';
import { createSealer, randomToken, sha256 } from './crypto.ts';
import { type Claims, OidcProvider, SignInError, type TokenSet } from './oidc.ts';
import { identityFromProxy } from './proxy.ts';
import { safeReturnTo } from './returnto.ts';
import { groupsFromClaim, rolesForGroups } from './roles.ts';
import { createSessionCache } from './session-cache.ts';
import { createAuthStore, type SessionRow } from './store.ts';

/** With authentication off (laptop quick start) everyone is the local administrator. */
export const LOCAL_USER: User = { id: 'local', name: 'Local user', roles: ['admin'] };

const BROWSER_COOKIE = 'labdeck_login';
const REFRESH_BACKOFF_MS = 60_000;
const SWEEP_EVERY_LOGINS = 50;
const SESSIONS_TOPIC = 'auth.sessions';

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(ctx: ModuleContext, config: AuthConfig) {
  const store = createAuthStore(ctx.db, (idHashes) =>
    ctx.bus.publish({ topic: SESSIONS_TOPIC, type: 'ended', data: idHashes, internal: true }),
  );
  const sessions = createSessionCache(
    (idHash) => store.findSession(idHash, config.session.idleTimeoutMinutes),
    config.session.idleTimeoutMinutes,
  );
  // Sign-out on any replica ends the session in every replica's cache (the bus carries it across).
  const stopListening = ctx.bus.subscribe((event) => {
    if (event.topic === SESSIONS_TOPIC && event.type === 'ended') sessions.drop(event.data as string[]);
  });
  const log = ctx.log.child({ module: 'auth' });
  if (config.mode === 'oidc' && !config.session.secret) {
    log.warn(
      'auth.session.secret is not set: refresh tokens are encrypted with a per-process key and do not survive a restart',
    );
  }
  const sealer = createSealer(config.session.secret ?? randomToken(32));
  const providers = new Map(config.providers.map((p) => [p.id, new OidcProvider(p)]));
  const trusted = addressList(config.proxy.trustedProxies);
  const sessionsOf = new WeakMap<Request, SessionRow>();
  const refreshing = new Map<string, Promise<SessionRow | null>>();
  const refreshFailedAt = new Map<string, number>();
  const cookieName = config.session.cookieName;
  let logins = 0;

  const secure = secureCookies(ctx.config.server.publicUrl);
  const cookieOptions = (req: Request) => ({
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: secure(req),
    path: '/',
  });
  /** The session cookie, shared with the gated UIs' hosts when `session.cookieDomain` is set. */
  const sessionCookieOptions = (req: Request) => ({
    ...cookieOptions(req),
    domain: config.session.cookieDomain,
  });
  const origin = (req: Request) =>
    ctx.config.server.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.get('host')}`;
  const redirectUri = (req: Request) => `${origin(req)}/api/auth/callback`;
  const cookies = (req: Request) => parseCookie(req.headers.cookie ?? '');

  function userOf(row: SessionRow): User {
    const user: User = { id: row.user_id, name: row.user_name, roles: row.roles, groups: row.groups };
    if (row.email) user.email = row.email;
    return user;
  }

  /** Establishes `req.user` for every request, per mode. */
  async function identify(req: Request, res: Response): Promise<void> {
    if (config.mode === 'none') {
      req.user = LOCAL_USER;
      return;
    }
    if (config.mode === 'proxy') {
      const who = identityFromProxy(req, config.proxy, trusted);
      if (!who) return;
      const user: User = {
        id: who.id,
        name: who.name,
        roles: rolesForGroups(who.groups, config),
        groups: who.groups,
      };
      if (who.email) user.email = who.email;
      req.user = user;
      return;
    }
    const token = cookies(req)[cookieName];
    if (!token) return;
    let row = await sessions.find(sha256(token));
    if (!row) {
      res.clearCookie(cookieName, sessionCookieOptions(req));
      return;
    }
    if (Date.now() - row.last_seen_at.getTime() > 60_000) row = await touched(row);
    row = await refreshIfDue(row);
    if (!row) {
      res.clearCookie(cookieName, sessionCookieOptions(req));
      return;
    }
    sessionsOf.set(req, row);
    req.user = userOf(row);
  }

  /** Records the use (idle timeout); while the database is down the session goes on untouched. */
  async function touched(row: SessionRow): Promise<SessionRow> {
    try {
      await store.touch(row.id_hash);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      return row;
    }
    const seen = { ...row, last_seen_at: new Date() };
    sessions.update(seen);
    return seen;
  }

  /** Refreshes the access token shortly before it expires; a refused refresh ends the session. */
  function refreshIfDue(row: SessionRow): Promise<SessionRow | null> | SessionRow {
    const provider = row.provider ? providers.get(row.provider) : undefined;
    const expiresAt = row.access_token_expires_at?.getTime();
    if (!provider || !row.refresh_token_enc || expiresAt === undefined) return row;
    if (expiresAt - provider.config.refreshBeforeExpirySeconds * 1000 > Date.now()) return row;
    if (Date.now() - (refreshFailedAt.get(row.id_hash) ?? 0) < REFRESH_BACKOFF_MS) return row;
    let pending = refreshing.get(row.id_hash);
    if (!pending) {
      pending = doRefresh(row, provider)
        .then((refreshed) => {
          if (refreshed) sessions.update(refreshed);
          return refreshed;
        })
        .finally(() => refreshing.delete(row.id_hash));
      refreshing.set(row.id_hash, pending);
    }
    return pending;
  }

  async function doRefresh(row: SessionRow, provider: OidcProvider): Promise<SessionRow | null> {
    const refreshToken = sealer.open(row.refresh_token_enc ?? '');
    if (!refreshToken) return row; // sealed with another key (restart without auth.session.secret)
    let tokens: TokenSet;
    try {
      tokens = await provider.refresh(refreshToken, row.subject ?? '');
    } catch (error) {
      if (error instanceof SignInError && error.code === 'rejected') {
        log.info({ user: row.user_id }, 'refresh token refused by the identity provider; session ended');
        await store.revokeByHash(row.id_hash, 'refresh refused');
        await audit(
          ctx,
          null,
          'auth.session_ended',
          { reason: 'refresh refused by identity provider' },
          { id: row.user_id, name: row.user_name },
        );
        return null;
      }
      // The provider is down: the session goes on (idle/absolute timeouts still apply); retry later.
      refreshFailedAt.set(row.id_hash, Date.now());
      log.warn({ err: error, user: row.user_id }, 'access token refresh failed; will retry');
      return row;
    }
    await store.updateTokens(row.id_hash, {
      idToken: tokens.idToken,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      accessTokenEnc: sealer.seal(tokens.accessToken),
      refreshTokenEnc: tokens.refreshToken ? sealer.seal(tokens.refreshToken) : undefined,
    });
    refreshFailedAt.delete(row.id_hash);
    const refreshed = {
      ...row,
      access_token_expires_at: tokens.accessTokenExpiresAt ?? null,
      id_token: tokens.idToken ?? row.id_token,
    };
    return followGroups(refreshed, provider, tokens.claims);
  }

  /** Roles follow the IdP: a refresh that brings the groups claim re-maps them (a removed admin stops being one). */
  async function followGroups(row: SessionRow, provider: OidcProvider, claims: Claims): Promise<SessionRow> {
    if (!(provider.config.groupsClaim in claims)) return row;
    const groups = groupsFromClaim(claims[provider.config.groupsClaim]);
    const roles = rolesForGroups(groups, config);
    if (roles.join() === row.roles.join() && groups.join() === row.groups.join()) return row;
    await store.updateGroups(row.id_hash, roles, groups);
    await audit(
      ctx,
      null,
      'auth.roles_changed',
      { from: row.roles, to: roles },
      { id: row.user_id, name: row.user_name },
    );
    return { ...row, roles, groups };
  }

  async function startLogin(
    req: Request,
    res: Response,
    providerId: string | undefined,
    returnTo: unknown,
  ): Promise<string> {
    const provider = providerId ? providers.get(providerId) : providers.values().next().value;
    if (!provider) throw new SignInError('misconfigured', 'Unknown identity provider');
    let browser = cookies(req)[BROWSER_COOKIE];
    if (!browser || !/^[\w-]{32,64}$/.test(browser)) {
      browser = randomToken(32);
      res.cookie(BROWSER_COOKIE, browser, { ...cookieOptions(req), path: '/api/auth', maxAge: 15 * 60_000 });
    }
    const checks = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
    const url = await provider.authorizationUrl(redirectUri(req), checks);
    await store.saveFlow({
      ...checks,
      browserHash: sha256(browser),
      provider: provider.config.id,
      returnTo: safeReturnTo(returnTo, ctx.returnTargets),
    });
    if (++logins % SWEEP_EVERY_LOGINS === 1)
      store
        .sweep(config.auditRetentionDays)
        .catch((error) => log.warn({ err: error }, 'sweeping old sessions failed'));
    return url.href;
  }

  /** Completes the code flow and starts a fresh session (a new id: any earlier session cookie is revoked). */
  async function finishLogin(req: Request, res: Response): Promise<string> {
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const flow = state ? await store.takeFlow(state) : null;
    const browser = cookies(req)[BROWSER_COOKIE];
    if (!flow || !browser || sha256(browser) !== flow.browserHash) {
      throw new SignInError(
        'invalid_state',
        'This sign-in link is not valid for this browser, expired, or was already used',
      );
    }
    const provider = providers.get(flow.provider);
    if (!provider) throw new SignInError('misconfigured', 'Unknown identity provider');
    const currentUrl = new URL(redirectUri(req));
    currentUrl.search = new URL(req.originalUrl, 'http://x').search;
    const tokens = await provider.redeem(currentUrl, flow);
    const previous = cookies(req)[cookieName];
    if (previous) await store.revokeByToken(previous, 'replaced by a new sign-in');
    const user = await createSession(req, res, provider, tokens);
    await audit(ctx, req, 'auth.login', { provider: provider.config.id, method: 'oidc' }, user);
    return flow.returnTo;
  }

  async function createSession(
    req: Request,
    res: Response,
    provider: OidcProvider,
    tokens: TokenSet,
  ): Promise<User> {
    const { claims } = tokens;
    const groups = groupsFromClaim(claims[provider.config.groupsClaim]);
    const id = stringClaim(claims, provider.config.usernameClaim) ?? claims.sub;
    const user: User = { id, name: stringClaim(claims, 'name') ?? id, roles: rolesForGroups(groups, config) };
    const email = stringClaim(claims, 'email');
    if (email) user.email = email;
    const expiresAt = new Date(Date.now() + config.session.absoluteTimeoutHours * 3_600_000);
    const { token } = await store.createSession({
      userId: user.id,
      userName: user.name,
      email,
      roles: user.roles,
      groups,
      provider: provider.config.id,
      subject: claims.sub,
      idpSessionId: stringClaim(claims, 'sid'),
      idToken: tokens.idToken,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      accessTokenEnc: sealer.seal(tokens.accessToken),
      refreshTokenEnc: tokens.refreshToken ? sealer.seal(tokens.refreshToken) : undefined,
      ip: req.ip,
      userAgent: req.get('user-agent'),
      expiresAt,
    });
    res.cookie(cookieName, token, { ...sessionCookieOptions(req), expires: expiresAt });
    res.clearCookie(BROWSER_COOKIE, { ...cookieOptions(req), path: '/api/auth' });
    return user;
  }

  /** Ends the local session; returns where the browser goes next (the provider's logout, or /signin). */
  async function logout(req: Request, res: Response, everywhere: boolean): Promise<string> {
    // Local targets stay relative (never built from the Host header); the provider gets an absolute URL it checks.
    const signedOut = '/signin?signedOut=1';
    if (config.mode === 'proxy') return config.proxy.logoutUrl ?? signedOut;
    if (config.mode === 'none') return '/';
    const token = cookies(req)[cookieName];
    res.clearCookie(cookieName, sessionCookieOptions(req));
    const row = token
      ? await store.revokeByToken(token, everywhere ? 'signed out everywhere' : 'signed out')
      : null;
    if (!row) return signedOut;
    const who = { id: row.user_id, name: row.user_name };
    if (everywhere) {
      const others = await store.revokeAllForUser(row.user_id, 'signed out everywhere');
      await audit(ctx, req, 'auth.logout_everywhere', { sessions: others + 1 }, who);
    } else {
      await audit(ctx, req, 'auth.logout', {}, who);
    }
    const provider = row.provider ? providers.get(row.provider) : undefined;
    return (await provider?.endSessionUrl(row.id_token, `${origin(req)}${signedOut}`)) ?? signedOut;
  }

  return {
    config,
    store,
    providers,
    identify,
    startLogin,
    finishLogin,
    logout,
    sessionOf: (req: Request) => sessionsOf.get(req),
    stop: stopListening,
    providerList,
    describeSession,
  };

  function providerList() {
    return config.mode === 'oidc'
      ? [...providers.values()].map((p) => ({ id: p.config.id, name: p.config.name }))
      : [];
  }

  /** The body of GET /api/session for an identified request (also embedded into index.html). */
  function describeSession(req: Request): Session {
    const row = sessionsOf.get(req);
    const user = req.user;
    return {
      authMode: config.mode,
      user: user
        ? { id: user.id, name: user.name, roles: user.roles, ...(user.email ? { email: user.email } : {}) }
        : null,
      providers: providerList(),
      session: row
        ? { expiresAt: row.expires_at.toISOString(), idleTimeoutMinutes: config.session.idleTimeoutMinutes }
        : null,
    };
  }
}

function stringClaim(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}
