import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../../../../e2e/support/idp.ts';
import { freePort } from '../../../platform/net.ts';
import {
  type ApiClient,
  apiClient,
  proxyAuthYaml,
  startTestApp,
  type TestApp,
  userClient,
} from '../../../test/harness.ts';

/** A response body as JSON, for assertions that walk it freely. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
const json = (res: Response): Promise<any> => res.json();

// The forward-auth gate as a reverse proxy calls it, with sessions from a real OpenID provider. The
// app's public URL and the UIs are *.lab.localhost names (the session cookie is shared under
// lab.localhost); requests reach the app on 127.0.0.1, as a proxy in front of it would.

const TRINO = (port: number) => `http://trino.lab.localhost:${port}`;
const DAGSTER = (port: number) => `http://dagster.lab.localhost:${port}`;

function servicesYaml(port: number): string {
  return `
services:
  groups:
    - name: Lab
      services:
        - { id: trino, name: Trino, url: "${TRINO(port)}/ui/", probe: false, access: { publicPaths: [/v1/info] } }
        - { id: dagster, name: Dagster, url: "${DAGSTER(port)}/", roles: [admin], probe: false }
        - { id: spark, name: Spark, url: "https://spark.lab.example/", probe: false }
`;
}

describe('the forward-auth gate with OIDC sessions', () => {
  let idp: TestIdp;
  let app: TestApp;
  let port: number;
  let publicUrl: string;
  let config: string;

  beforeAll(async () => {
    port = await freePort();
    publicUrl = `http://labdeck.lab.localhost:${port}`;
    idp = await startTestIdp({ clientOrigins: [publicUrl] });
    config = [
      // Behind a proxy on this machine: X-Forwarded-* from loopback count (and must not trip the host check).
      `server:\n  publicUrl: ${publicUrl}\n  trustProxy: loopback`,
      idp.authYaml('  session:\n    cookieDomain: .lab.localhost\n  rateLimit:\n    loginPerMinute: 1000'),
      servicesYaml(port),
    ].join('\n');
    app = await startTestApp({ config, env: { PORT: String(port) } });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  /** Signs `user` in at Labdeck (starting from `returnTo`); returns the client and where the callback sent it. */
  async function signIn(user: string, returnTo = '/') {
    const client = apiClient(app.url);
    const start = await client.get(`/api/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
    expect(start.status).toBe(303);
    const callback = new URL(await idp.authorize(start.headers.get('location')!, user));
    expect(callback.origin).toBe(publicUrl);
    const done = await client.get(`${callback.pathname}${callback.search}`);
    expect(done.status).toBe(303);
    return { client, landing: done.headers.get('location'), setCookie: done.headers.getSetCookie() };
  }

  const check = (
    client: ApiClient | null,
    url: string,
    headers: Record<string, string> = {},
    path = '/api/gate/auth',
  ) => (client ?? apiClient(app.url)).request(path, { headers: { 'X-Original-URL': url, ...headers } });

  it('answers 401 with the sign-in URL carrying the original URL back, or redirects a browser itself', async () => {
    const res = await check(null, `${TRINO(port)}/ui/query.html?id=1`);
    expect(res.status).toBe(401);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const signIn = new URL(res.headers.get('x-labdeck-sign-in')!);
    expect(`${signIn.origin}${signIn.pathname}`).toBe(`${publicUrl}/signin`);
    expect(signIn.searchParams.get('returnTo')).toBe(`${TRINO(port)}/ui/query.html?id=1`);
    expect((await json(res)).error).toEqual({
      code: 'unauthorized',
      message: 'Sign in at Labdeck to open Trino',
    });

    const navigation = await check(null, `${TRINO(port)}/ui/`, { Accept: 'text/html' }, '/api/gate/forward');
    expect(navigation.status).toBe(302);
    expect(navigation.headers.get('location')).toBe(
      res.headers
        .get('x-labdeck-sign-in')!
        .replace(encodeURIComponent('/ui/query.html?id=1'), encodeURIComponent('/ui/')),
    );
    const fetchCall = await check(
      null,
      `${TRINO(port)}/ui/api/query`,
      { Accept: 'application/json' },
      '/api/gate/forward',
    );
    expect(fetchCall.status).toBe(401);
  });

  it('signs in from a gated UI and returns there, with a session cookie every lab host receives', async () => {
    const target = `${TRINO(port)}/ui/query.html?id=1`;
    const { landing, setCookie } = await signIn('ana', target);
    expect(landing).toBe(target);
    const session = setCookie.find((line) => line.startsWith('labdeck_session='));
    expect(session).toMatch(/; Domain=lab\.localhost;/);
    expect(session).toMatch(/HttpOnly/);
  });

  it.each([
    'http://evil.example/',
    'https://trino.lab.localhost.evil.example/',
    `http://user:pw@trino.lab.localhost:1/`,
    'javascript:alert(1)',
    `//trino.lab.localhost/`,
  ])('never returns a sign-in to %s', async (returnTo) => {
    expect((await signIn('ana', returnTo)).landing).toBe('/');
  });

  it("lets the analyst into Trino as herself, and no header of the browser's changes who she is", async () => {
    const { client } = await signIn('ana');
    const res = await check(client, `${TRINO(port)}/ui/`, {
      'X-Forwarded-User': 'adm',
      'X-Forwarded-Groups': 'lab-admins',
      'Remote-User': 'adm',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-forwarded-user')).toBe('ana');
    expect(res.headers.get('x-forwarded-preferred-username')).toBe('ana');
    expect(res.headers.get('x-forwarded-email')).toBe('ana@lab.example');
    expect(res.headers.get('x-forwarded-groups')).toBe('lab-analysts');
    expect(res.headers.get('x-labdeck-service')).toBe('trino');
    expect(res.headers.getSetCookie()).toEqual([]);

    const forged = await check(null, `${TRINO(port)}/ui/`, {
      'X-Forwarded-User': 'adm',
      'Remote-User': 'adm',
    });
    expect(forged.status).toBe(401);
  });

  it('denies the analyst an admin-only UI with the denied page, and audits it once a minute', async () => {
    const { client } = await signIn('ana');
    for (let i = 0; i < 5; i++) {
      const res = await check(client, `${DAGSTER(port)}/runs/${i}`, { 'X-Forwarded-User': 'adm' });
      expect(res.status).toBe(403);
      expect((await json(res)).error.message).toBe('Dagster needs one of the roles: admin');
      const denied = new URL(res.headers.get('x-labdeck-denied')!);
      expect(`${denied.origin}${denied.pathname}`).toBe(`${publicUrl}/denied`);
      expect(denied.searchParams.get('service')).toBe('Dagster');
      expect(denied.searchParams.get('url')).toBe(`${DAGSTER(port)}/runs/${i}`);
    }
    const page = await check(client, `${DAGSTER(port)}/`, { Accept: 'text/html' }, '/api/gate/forward');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toMatch(new RegExp(`^${publicUrl}/denied\\?service=Dagster&`));

    const { client: admin } = await signIn('adm');
    expect((await check(admin, `${DAGSTER(port)}/`)).status).toBe(200);
    const audit = await json(await admin.get('/api/admin/audit?action=gate.denied'));
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({
      userId: 'ana',
      details: { service: 'dagster', host: `dagster.lab.localhost:${port}`, path: '/runs/0' },
    });
  });

  it('opens public paths to anyone, with no identity, but never through dot segments or matrix params', async () => {
    const open = await check(null, `${TRINO(port)}/v1/info`);
    expect(open.status).toBe(200);
    expect(open.headers.get('x-forwarded-user')).toBeNull();
    for (const path of ['/v1/info/..;/ui/', '/v1/info/%2e%2e/ui/', '/v1/info/../ui/'])
      expect((await check(null, `${TRINO(port)}${path}`)).status, path).toBe(401);
  });

  it('refuses hosts no service declares, and says what the proxy failed to send', async () => {
    const { client } = await signIn('ana');
    const unknown = await check(client, 'http://intranet.lab.localhost/');
    expect(unknown.status).toBe(403);
    expect((await json(unknown)).error.message).toBe('No service declares the host intranet.lab.localhost');
    const bare = await client.get('/api/gate/auth');
    expect(bare.status).toBe(400);
    expect((await json(bare)).error.message).toBe(
      'The proxy sent neither X-Original-URL nor X-Forwarded-Host',
    );
  });

  it('answers at its path with a trailing slash or a query, and refuses a Host it does not serve with 421', async () => {
    const { client } = await signIn('ana');
    for (const path of ['/api/gate/auth/', '/api/gate/auth?from=nginx']) {
      const res = await check(client, `${TRINO(port)}/ui/`, {}, path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-forwarded-user'), path).toBe('ana');
    }
    const foreign = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${app.url}/api/gate/auth`, {
        headers: { host: 'evil.example', 'x-original-url': `${TRINO(port)}/ui/` },
      });
      req.once('response', async (res) => {
        let body = '';
        for await (const chunk of res) body += chunk;
        resolve({ status: res.statusCode ?? 0, body });
      });
      req.once('error', reject).end();
    });
    expect(foreign.status).toBe(421);
    expect(JSON.parse(foreign.body).error.code).toBe('unknown_host');
  });

  it("takes Traefik's X-Forwarded-* form, whatever the method (no CSRF token, no 421 for the UI's host)", async () => {
    const { client } = await signIn('ana');
    const res = await client.request('/api/gate/forward', {
      method: 'POST',
      headers: {
        'X-Forwarded-Method': 'POST',
        'X-Forwarded-Proto': 'https',
        'X-Forwarded-Host': 'spark.lab.example',
        'X-Forwarded-Uri': '/api/v1/applications',
        'X-CSRF-Token': '',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-forwarded-user')).toBe('ana');
    expect(res.headers.get('x-labdeck-service')).toBe('spark');
  });

  it('stops letting a user through the moment she signs out, or an admin ends her session', async () => {
    const { client } = await signIn('ana');
    expect((await check(client, `${TRINO(port)}/ui/`)).status).toBe(200);
    const kept = new Map(client.cookies);
    expect((await client.post('/api/auth/logout')).status).toBe(200);
    const stale = apiClient(app.url);
    for (const [name, value] of kept) stale.cookies.set(name, value);
    expect((await check(stale, `${TRINO(port)}/ui/`)).status).toBe(401);

    const { client: again } = await signIn('ana');
    expect((await check(again, `${TRINO(port)}/ui/`)).status).toBe(200);
    const { client: admin } = await signIn('adm');
    const sessions = (await json(await admin.get('/api/admin/sessions'))).items as {
      id: string;
      userId: string;
    }[];
    for (const session of sessions.filter((s) => s.userId === 'ana'))
      expect((await admin.delete(`/api/admin/sessions/${session.id}`)).status).toBe(204);
    expect((await check(again, `${TRINO(port)}/ui/`)).status).toBe(401);
  });
});

describe('the forward-auth gate across replicas', () => {
  it('ends access on every replica within moments when the user signs out on one', async () => {
    const port = await freePort();
    const publicUrl = `http://labdeck.lab.localhost:${port}`;
    const idp = await startTestIdp({ clientOrigins: [publicUrl] });
    const config = [`server:\n  publicUrl: ${publicUrl}`, idp.authYaml(), servicesYaml(port)].join('\n');
    const first = await startTestApp({ config, env: { PORT: String(port) } });
    const second = await startTestApp({ config, env: { DATABASE_URL: first.databaseUrl } });
    try {
      const client = apiClient(first.url);
      const start = await client.get('/api/auth/login');
      const callback = new URL(await idp.authorize(start.headers.get('location')!, 'ana'));
      expect((await client.get(`${callback.pathname}${callback.search}`)).status).toBe(303);
      const onSecond = apiClient(second.url);
      for (const [name, value] of client.cookies) onSecond.cookies.set(name, value);
      const ask = () =>
        onSecond.request('/api/gate/auth', { headers: { 'X-Original-URL': `${TRINO(port)}/ui/` } });
      expect((await ask()).status).toBe(200);
      expect((await client.post('/api/auth/logout')).status).toBe(200);
      // Well within the 5 s for which a replica trusts a session it read: the bus told it.
      await expect.poll(async () => (await ask()).status, { timeout: 2_000, interval: 50 }).toBe(401);
    } finally {
      await second.close();
      await first.close();
      await idp.close();
    }
  });
});

describe('the forward-auth gate in the other modes', () => {
  let open: TestApp | undefined;
  let proxied: TestApp | undefined;
  afterAll(async () => {
    await open?.close();
    await proxied?.close();
  });

  it('is refused when nobody signs in (mode none)', async () => {
    open = await startTestApp({ config: `server:\n  publicUrl: http://127.0.0.1:1\n${servicesYaml(1)}` });
    const res = await open.fetch('/api/gate/auth', { headers: { 'X-Original-URL': `${TRINO(1)}/ui/` } });
    expect(res.status).toBe(403);
    expect((await json(res)).error.code).toBe('gate_off');
  });

  it('chains behind a forward-auth proxy (mode proxy): the identity its trusted headers carry', async () => {
    proxied = await startTestApp({
      config: `server:\n  publicUrl: http://labdeck.lab.localhost:1\n${proxyAuthYaml()}${servicesYaml(1)}`,
    });
    const ana = userClient(proxied.url, { id: 'ana', groups: ['lab-analysts'] });
    const allowed = await ana.request('/api/gate/auth', { headers: { 'X-Original-URL': `${TRINO(1)}/ui/` } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('x-forwarded-user')).toBe('ana');
    const denied = await ana.request('/api/gate/auth', { headers: { 'X-Original-URL': `${DAGSTER(1)}/` } });
    expect(denied.status).toBe(403);
  });

  it('refuses to start with a cookie domain the public URL is not under', async () => {
    await expect(
      startTestApp({
        config: `server:\n  publicUrl: http://labdeck.other.example\n${proxyAuthYaml()}  session:\n    cookieDomain: lab.example\n`,
      }),
    ).rejects.toThrow(
      /cookieDomain.*lab\.example does not contain server\.publicUrl's host labdeck\.other\.example/s,
    );
  });
});
