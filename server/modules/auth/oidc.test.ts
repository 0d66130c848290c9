import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, TEST_USERS, type TestIdp } from '../../../e2e/support/idp.ts';
import { freePort } from '../../platform/net.ts';
import { type ApiClient, apiClient, startTestApp, type TestApp } from '../../test/harness.ts';
import { createSealer, sha256 } from './crypto.ts';

/** A response body as JSON, for assertions that walk it freely. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
const json = (res: Response): Promise<any> => res.json();

const SESSION_SECRET = 'test-session-secret-0123456789abcdef-0123456789';

interface SignedIn {
  client: ApiClient;
  status: number;
  location: string | null;
}

/** Signs `user` in through the real provider's pages; the client then holds the session cookie. */
async function signIn(
  app: TestApp,
  idp: TestIdp,
  user: string,
  returnTo = '/',
  client = apiClient(app.url),
): Promise<SignedIn> {
  const start = await client.get(`/api/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  expect(start.status).toBe(303);
  const callback = await idp.authorize(start.headers.get('location')!, user);
  const done = await client.get(callback);
  return { client, status: done.status, location: done.headers.get('location') };
}

/** Starts a sign-in and drives the IdP, but returns the callback URL instead of following it. */
async function callbackFor(idp: TestIdp, user: string, client: ApiClient) {
  const start = await client.get('/api/auth/login');
  return idp.authorize(start.headers.get('location')!, user);
}

async function startPair(
  extra = '  rateLimit:\n    loginPerMinute: 1000',
  idpOptions: { accessTokenTtlSeconds?: number } = {},
) {
  const port = await freePort();
  const idp = await startTestIdp({ clientOrigins: [`http://127.0.0.1:${port}`], ...idpOptions });
  const config = `${idp.authYaml()}\n  session:\n    secret: ${SESSION_SECRET}\n${extra}`;
  const app = await startTestApp({ config, env: { PORT: String(port) } });
  return { idp, app };
}

describe('OIDC sign-in against a real OpenID provider', () => {
  let idp: TestIdp;
  let app: TestApp;
  beforeAll(async () => {
    ({ idp, app } = await startPair());
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('answers anonymous API calls with a JSON 401 and tells the SPA how to sign in', async () => {
    const res = await app.fetch('/api/system', { headers: { Accept: 'text/html' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect((await json(res)).error.code).toBe('unauthorized');
    const session = await json(await app.fetch('/api/session'));
    expect(session).toMatchObject({
      authMode: 'oidc',
      user: null,
      providers: [{ id: 'lab', name: 'Lab SSO' }],
    });
    expect((await app.fetch('/api/events')).status).toBe(401);
  });

  it('signs an analyst in with code + PKCE + state + nonce and maps groups to roles', async () => {
    const start = await apiClient(app.url).get('/api/auth/login');
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(idp.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();

    const { client, status, location } = await signIn(app, idp, 'ana', '/sql?tab=2');
    expect(status).toBe(303);
    expect(location).toBe('/sql?tab=2');
    const session = await json(await client.get('/api/session'));
    expect(session).toMatchObject({
      authMode: 'oidc',
      user: { id: 'ana', name: 'Ana Analyst', email: 'ana@lab.example', roles: ['analyst'] },
    });
    expect((await client.get('/api/system')).status).toBe(200);
  });

  it('sets the session cookie HttpOnly, SameSite=Lax, and not Secure over plain http', async () => {
    const client = apiClient(app.url);
    const start = await client.get('/api/auth/login');
    const callback = await idp.authorize(start.headers.get('location')!, 'ana');
    const done = await client.get(callback);
    const cookie = done.headers.getSetCookie().find((line) => line.startsWith('labdeck_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
  });

  it('refuses a tampered state', async () => {
    const client = apiClient(app.url);
    const callback = new URL(await callbackFor(idp, 'ana', client));
    callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const res = await client.get(callback.href);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/signin?error=invalid_state');
    expect(client.cookies.has('labdeck_session')).toBe(false);
  });

  it('refuses a replayed callback (state is single use)', async () => {
    const client = apiClient(app.url);
    const callback = await callbackFor(idp, 'ana', client);
    expect((await client.get(callback)).headers.get('location')).toBe('/');
    const attacker = apiClient(app.url);
    attacker.cookies.set('labdeck_login', client.cookies.get('labdeck_login') ?? 'x'.repeat(43));
    const replay = await attacker.get(callback);
    expect(replay.headers.get('location')).toBe('/signin?error=invalid_state');
    expect(attacker.cookies.has('labdeck_session')).toBe(false);
  });

  it('refuses a callback in a browser other than the one that started the sign-in', async () => {
    const victim = apiClient(app.url);
    const callback = await callbackFor(idp, 'ana', victim);
    const other = apiClient(app.url);
    await other.get('/api/auth/login'); // has its own login cookie
    expect((await other.get(callback)).headers.get('location')).toBe('/signin?error=invalid_state');
    expect(other.cookies.has('labdeck_session')).toBe(false);
  });

  it('refuses an ID token whose nonce does not match', async () => {
    const client = apiClient(app.url);
    const callback = new URL(await callbackFor(idp, 'ana', client));
    await app.context.db.query(
      `UPDATE auth_login_flows SET nonce = 'not-the-nonce-we-sent' WHERE state = $1`,
      [callback.searchParams.get('state')],
    );
    const res = await client.get(callback.href);
    expect(res.headers.get('location')).toBe('/signin?error=rejected');
    expect(client.cookies.has('labdeck_session')).toBe(false);
  });

  it('refuses an authorization code that was already redeemed', async () => {
    const first = apiClient(app.url);
    const used = new URL(await callbackFor(idp, 'ana', first));
    expect((await first.get(used.href)).status).toBe(303);
    expect(first.cookies.has('labdeck_session')).toBe(true);

    const second = apiClient(app.url);
    const fresh = new URL(await callbackFor(idp, 'ana', second));
    fresh.searchParams.set('code', used.searchParams.get('code')!);
    const res = await second.get(fresh.href);
    expect(res.headers.get('location')).toBe('/signin?error=rejected');
    expect(second.cookies.has('labdeck_session')).toBe(false);
  });

  it.each([
    ['https://evil.example', '/'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['https:evil.example', '/'],
    ['/jobs?x=1#y', '/jobs?x=1#y'],
  ])('lands a returnTo of %s on %s (same-origin paths only)', async (returnTo, landing) => {
    const { location } = await signIn(app, idp, 'ana', returnTo);
    expect(location).toBe(landing);
  });

  it('rotates the session id at sign-in (no fixation) and revokes the earlier session', async () => {
    const client = apiClient(app.url);
    client.cookies.set('labdeck_session', 'attacker-chosen-session-id');
    await signIn(app, idp, 'ana', '/', client);
    const firstSession = client.cookies.get('labdeck_session')!;
    expect(firstSession).not.toBe('attacker-chosen-session-id');
    await signIn(app, idp, 'ana', '/', client);
    const secondSession = client.cookies.get('labdeck_session')!;
    expect(secondSession).not.toBe(firstSession);
    const stale = apiClient(app.url);
    stale.cookies.set('labdeck_session', firstSession);
    expect((await stale.get('/api/system')).status).toBe(401);
    expect((await client.get('/api/system')).status).toBe(200);
  });

  it('requires the CSRF token on mutating requests of a signed-in user', async () => {
    const { client } = await signIn(app, idp, 'adm');
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const forged = await app.fetch('/api/auth/logout-everywhere', { method: 'POST', headers: { cookie } });
    expect(forged.status).toBe(403);
    expect((await json(forged)).error.code).toBe('csrf');
    const deleteForged = await app.fetch('/api/admin/sessions/abcdefghij', {
      method: 'DELETE',
      headers: { cookie },
    });
    expect(deleteForged.status).toBe(403);
    expect((await client.get('/api/system')).status).toBe(200); // the forged requests changed nothing
  });

  it('ends sessions after the idle timeout and after the absolute timeout', async () => {
    const idle = (await signIn(app, idp, 'ana')).client;
    const absolute = (await signIn(app, idp, 'ana')).client;
    const hash = async (client: ApiClient) => sha256(client.cookies.get('labdeck_session')!);
    await app.context.db.query(
      `UPDATE auth_sessions SET last_seen_at = now() - interval '9 hours' WHERE id_hash = $1`,
      [await hash(idle)],
    );
    await app.context.db.query(
      `UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1`,
      [await hash(absolute)],
    );
    expect((await idle.get('/api/system')).status).toBe(401);
    expect((await absolute.get('/api/system')).status).toBe(401);
    expect(idle.cookies.has('labdeck_session')).toBe(false);
  });

  it('signs out locally and through the provider (RP-initiated logout)', async () => {
    const { client } = await signIn(app, idp, 'ana');
    const res = await client.post('/api/auth/logout');
    expect(res.status).toBe(200);
    const redirect = new URL((await json(res)).redirect);
    expect(redirect.origin).toBe(idp.issuer);
    expect(redirect.searchParams.get('client_id')).toBe('labdeck');
    expect(redirect.searchParams.get('id_token_hint')).toBeNull(); // tokens never pass through the browser
    expect(redirect.searchParams.get('post_logout_redirect_uri')).toBe(`${app.url}/signin?signedOut=1`);
    expect((await client.get('/api/system')).status).toBe(401);
    expect((await json(await client.get('/api/session'))).user).toBeNull();
  });

  it('lets an admin end another session, and "sign out everywhere" end all of a user\'s sessions', async () => {
    const analyst = (await signIn(app, idp, 'ana')).client;
    const admin = (await signIn(app, idp, 'adm')).client;
    const list = (await json(await admin.get('/api/admin/sessions'))).items as {
      id: string;
      userId: string;
    }[];
    const mine = await json(await analyst.get('/api/session'));
    expect(mine.user.id).toBe('ana');
    for (const session of list.filter((s) => s.userId === 'ana')) {
      expect((await admin.delete(`/api/admin/sessions/${session.id}`)).status).toBe(204);
    }
    expect((await analyst.get('/api/system')).status).toBe(401);

    const laptop = (await signIn(app, idp, 'adm')).client;
    const phone = (await signIn(app, idp, 'adm')).client;
    expect((await laptop.post('/api/auth/logout-everywhere')).status).toBe(200);
    expect((await phone.get('/api/system')).status).toBe(401);
    expect((await admin.get('/api/system')).status).toBe(401);
  });

  it('enforces roles when the admin API is called directly', async () => {
    const analyst = (await signIn(app, idp, 'ana')).client;
    const admin = (await signIn(app, idp, 'adm')).client;
    for (const path of ['/api/admin/sessions', '/api/admin/audit', '/api/admin/audit?action=auth.login']) {
      expect((await analyst.get(path)).status).toBe(403);
      expect((await admin.get(path)).status).toBe(200);
      expect((await apiClient(app.url).get(path)).status).toBe(401);
    }
    expect((await analyst.delete('/api/admin/sessions/abcdefghijkl')).status).toBe(403);
    expect((await admin.delete('/api/admin/sessions/abcdefghijkl')).status).toBe(404);
  });

  it('shows admins the audit log of sign-ins and sign-outs, filtered and paged', async () => {
    const admin = (await signIn(app, idp, 'adm')).client;
    const all = await json(await admin.get('/api/admin/audit?action=auth.login&pageSize=200'));
    const users = new Set(all.items.map((e: { userId: string }) => e.userId));
    expect(users).toEqual(new Set(['ana', 'adm']));
    const anas = await json(await admin.get('/api/admin/audit?user=ana&action=auth.*'));
    expect(anas.items.length).toBeGreaterThan(0);
    expect(
      anas.items.every(
        (e: { userId: string; action: string }) => e.userId === 'ana' && e.action.startsWith('auth.'),
      ),
    ).toBe(true);
    expect(anas.items.map((e: { action: string }) => e.action)).toContain('auth.logout');
    const page = await json(await admin.get('/api/admin/audit?pageSize=2&page=2'));
    expect(page).toMatchObject({ page: 2, pageSize: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.total).toBeGreaterThan(4);
    const future = encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString());
    expect((await json(await admin.get(`/api/admin/audit?from=${future}`))).items).toEqual([]);
    expect((await admin.get('/api/admin/audit?from=yesterday')).status).toBe(400);
    expect((await admin.get('/api/admin/audit?pageSize=100000')).status).toBe(400);
  });

  it('never shows a configured secret or a token in an API response', async () => {
    const admin = (await signIn(app, idp, 'adm')).client;
    const sealer = createSealer(SESSION_SECRET);
    const { rows } = await app.context.db.query<{
      id_token: string;
      refresh_token_enc: string;
      access_token_enc: string;
    }>('SELECT id_token, refresh_token_enc, access_token_enc FROM auth_sessions WHERE revoked_at IS NULL');
    const tokens = rows.flatMap((r) => [
      r.id_token,
      sealer.open(r.refresh_token_enc),
      sealer.open(r.access_token_enc),
    ]);
    expect(tokens.every((t) => typeof t === 'string' && t.length > 10)).toBe(true);
    const secrets = [
      idp.clientSecret!,
      SESSION_SECRET,
      new URL(app.databaseUrl).password,
      admin.cookies.get('labdeck_session')!,
      ...tokens,
    ];
    const bodies: string[] = [];
    for (const path of [
      '/api/session',
      '/api/system',
      '/api/admin/sessions',
      '/api/admin/audit?pageSize=200',
      '/api/nope',
    ]) {
      const res = await admin.get(path);
      bodies.push(JSON.stringify([...res.headers]), await res.text());
    }
    const logout = await admin.post('/api/auth/logout');
    bodies.push(await logout.text());
    for (const secret of secrets) {
      for (const body of bodies) expect(body.includes(secret!), `a secret leaked in ${body}`).toBe(false);
    }
  });

  it('keeps refresh and access tokens encrypted at rest', async () => {
    await signIn(app, idp, 'ana');
    const { rows } = await app.context.db.query<{ refresh_token_enc: string; access_token_enc: string }>(
      'SELECT refresh_token_enc, access_token_enc FROM auth_sessions WHERE revoked_at IS NULL ORDER BY created_at DESC LIMIT 1',
    );
    expect(rows[0]!.refresh_token_enc).toMatch(/^v1\./);
    expect(rows[0]!.access_token_enc).toMatch(/^v1\./);
    expect(
      createSealer('another-key-0123456789abcdef-0123456789').open(rows[0]!.refresh_token_enc),
    ).toBeNull();
  });
});

describe('token refresh and an identity provider that goes down', () => {
  let idp: TestIdp;
  let app: TestApp;
  beforeAll(async () => {
    // Access tokens live 2 minutes; Labdeck refreshes them 1 minute before they expire.
    ({ idp, app } = await startPair(undefined, { accessTokenTtlSeconds: 120 }));
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  const expiryOf = async (client: ApiClient) => {
    const { rows } = await app.context.db.query<{ access_token_expires_at: Date; refresh_token_enc: string }>(
      `SELECT access_token_expires_at, refresh_token_enc FROM auth_sessions
        WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1`,
      [(await json(await client.get('/api/session'))).user.id],
    );
    return rows[0]!;
  };

  it('refreshes the access token shortly before it expires', async () => {
    const { client } = await signIn(app, idp, 'ana');
    await app.context.db.query(
      `UPDATE auth_sessions SET access_token_expires_at = now() + interval '10 seconds' WHERE user_id = 'ana'`,
    );
    expect((await client.get('/api/system')).status).toBe(200);
    const after = await expiryOf(client);
    expect(after.access_token_expires_at.getTime()).toBeGreaterThan(Date.now() + 60_000);
  });

  it('re-maps roles from the groups the provider reports at refresh (a removed admin stops being one)', async () => {
    const { client: before } = await signIn(app, idp, 'adm');
    expect((await before.get('/api/admin/audit')).status).toBe(200);
    // A second session, unused so far (a used one is cached for a few seconds): its token expires now.
    const { client } = await signIn(app, idp, 'adm');
    const groups = TEST_USERS.adm!.groups;
    TEST_USERS.adm!.groups = ['lab-analysts'];
    try {
      await app.context.db.query(
        `UPDATE auth_sessions SET access_token_expires_at = now() WHERE user_id = 'adm' AND revoked_at IS NULL`,
      );
      expect((await client.get('/api/admin/audit')).status).toBe(403);
      expect((await json(await client.get('/api/session'))).user.roles).toEqual(['analyst']);
    } finally {
      TEST_USERS.adm!.groups = groups;
    }
  });

  it('ends the session when the provider refuses the refresh token', async () => {
    const { client } = await signIn(app, idp, 'adm');
    await app.context.db.query(
      `UPDATE auth_sessions SET access_token_expires_at = now(), refresh_token_enc = $1 WHERE user_id = 'adm' AND revoked_at IS NULL`,
      [createSealer(SESSION_SECRET).seal('a-refresh-token-the-provider-never-issued')],
    );
    expect((await client.get('/api/system')).status).toBe(401);
  });

  it('shows a clear error when the provider is down at sign-in, while signed-in users keep working', async () => {
    const { client } = await signIn(app, idp, 'ana');
    await idp.down();
    try {
      await app.context.db.query(
        `UPDATE auth_sessions SET access_token_expires_at = now() WHERE user_id = 'ana'`,
      );
      const start = await apiClient(app.url).get('/api/auth/login?returnTo=/lineage');
      expect(start.status).toBe(303);
      expect(start.headers.get('location')).toBe('/signin?error=idp_unavailable&returnTo=%2Flineage');
      expect((await client.get('/api/system')).status).toBe(200);
      expect((await client.get('/api/session')).status).toBe(200);
    } finally {
      await idp.up();
    }
  });
});

describe('sign-in rate limit', () => {
  let idp: TestIdp;
  let app: TestApp;
  beforeAll(async () => {
    ({ idp, app } = await startPair('  rateLimit:\n    loginPerMinute: 3'));
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('answers 429 in JSON after too many sign-in attempts', async () => {
    for (let i = 0; i < 3; i++)
      expect((await app.fetch('/api/auth/login', { redirect: 'manual' })).status).toBe(303);
    const limited = await app.fetch('/api/auth/login', { redirect: 'manual' });
    expect(limited.status).toBe(429);
    expect((await json(limited)).error.code).toBe('rate_limited');
  });
});

describe('a public client behind a TLS-terminating proxy', () => {
  let idp: TestIdp;
  let app: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    idp = await startTestIdp({ clientOrigins: [`https://127.0.0.1:${port}`], clientSecret: null });
    app = await startTestApp({
      config: `server:\n  trustProxy: loopback\n${idp.authYaml()}`,
      env: { PORT: String(port) },
    });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('signs in with PKCE only and marks the session cookie Secure', async () => {
    expect(idp.authYaml()).not.toContain('clientSecret');
    const client = apiClient(app.url, { 'X-Forwarded-Proto': 'https' });
    const start = await client.get('/api/auth/login');
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.searchParams.get('redirect_uri')).toBe(
      `https://127.0.0.1:${new URL(app.url).port}/api/auth/callback`,
    );
    const callback = await idp.authorize(authorize.href, 'adm');
    // The proxy terminates TLS: the BFF itself is reached over plain http.
    const done = await client.get(callback.replace(/^https:/, 'http:'));
    expect(done.status).toBe(303);
    const cookie = done.headers.getSetCookie().find((line) => line.startsWith('labdeck_session='))!;
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/HttpOnly/i);
    expect((await json(await client.get('/api/session'))).user).toMatchObject({
      id: 'adm',
      roles: ['admin'],
    });
  });
});

describe('several identity providers', () => {
  let idp: TestIdp;
  let app: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    const deadPort = await freePort();
    idp = await startTestIdp({ clientOrigins: [`http://127.0.0.1:${port}`] });
    const second = [
      '    - id: partner',
      '      name: Partner university',
      `      issuer: http://127.0.0.1:${deadPort}`,
      '      clientId: labdeck',
      '  roles:',
    ].join('\n');
    app = await startTestApp({
      config: idp.authYaml().replace('  roles:', second),
      env: { PORT: String(port) },
    });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('offers one button per provider and signs in with the one chosen', async () => {
    const session = await json(await app.fetch('/api/session'));
    expect(session.providers).toEqual([
      { id: 'lab', name: 'Lab SSO' },
      { id: 'partner', name: 'Partner university' },
    ]);
    const client = apiClient(app.url);
    const start = await client.get('/api/auth/login?provider=lab');
    expect(new URL(start.headers.get('location')!).origin).toBe(idp.issuer);
    const down = await client.get('/api/auth/login?provider=partner&returnTo=/sql');
    expect(down.headers.get('location')).toBe('/signin?error=idp_unavailable&returnTo=%2Fsql');
    const unknown = await client.get('/api/auth/login?provider=nope');
    expect(unknown.headers.get('location')).toBe('/signin?error=misconfigured');
  });
});
