// The OpenID provider is stopped (its server closed, its state gone) and started again on the same URL:
// Labdeck stays up, signed-in sessions keep working, sign-in fails clearly and quickly while the provider
// is away, and works again on its own once the provider is back, without restarting Labdeck.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../../../e2e/support/idp.ts';
import { freePort } from '../../platform/net.ts';
import { type ApiClient, apiClient, startTestApp, type TestApp } from '../../test/harness.ts';

const SESSION_SECRET = 'test-session-secret-0123456789abcdef-0123456789';
const CLIENT_SECRET = 'idp-restart-client-secret';
/** A refused sign-in must answer within this, not hang on the dead provider. */
const BOUNDED_MS = 6_000;
/** Against a provider that accepts connections and never answers: Labdeck's 5 s timeout, plus slack. */
const HUNG_BOUND_MS = 8_000;

describe('an identity provider restart', () => {
  let port: number;
  let idp: TestIdp;
  let app: TestApp;
  const startIdp = () =>
    startTestIdp({ clientOrigins: [`http://127.0.0.1:${port}`], clientSecret: CLIENT_SECRET, port: idpPort });
  let idpPort: number;
  beforeAll(async () => {
    port = await freePort();
    idpPort = await freePort();
    idp = await startIdp();
    const config = `${idp.authYaml()}\n  session:\n    secret: ${SESSION_SECRET}\n  rateLimit:\n    loginPerMinute: 1000\n`;
    app = await startTestApp({ config, env: { PORT: String(port) } });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('keeps sessions, refuses new sign-ins clearly, and signs in again once the provider is back', {
    timeout: 120_000,
  }, async () => {
    const signedIn = await signIn(app, idp, 'ana');
    expect(signedIn.location).toBe('/');
    // A sign-in under way when the provider goes: its callback arrives after.
    const halfway = apiClient(app.url);
    const pendingCallback = await idp.authorize(await loginRedirect(halfway), 'adm');

    await idp.close();

    expect((await app.fetch('/healthz')).status).toBe(200);
    expect((await signedIn.client.get('/api/session')).status).toBe(200);
    expect((await signedIn.client.get('/api/system')).status).toBe(200);

    const refused = await timed(() => apiClient(app.url).get('/api/auth/login?returnTo=/lineage'));
    expect(refused.res.status).toBe(303);
    expect(refused.res.headers.get('location')).toBe('/signin?error=idp_unavailable&returnTo=%2Flineage');
    expect(refused.ms).toBeLessThan(BOUNDED_MS);

    const late = await timed(() => halfway.get(pendingCallback));
    expect(late.res.status).toBe(303);
    expect(late.res.headers.get('location')).toMatch(/^\/signin\?error=idp_unavailable/);
    expect(late.ms).toBeLessThan(BOUNDED_MS);
    expect(halfway.cookies.has('labdeck_session')).toBe(false);

    // The same provider comes back on the same URL with fresh state (sessions and grants gone).
    idp = await startIdp();
    const restartedAt = Date.now();
    let again: Awaited<ReturnType<typeof signIn>> | undefined;
    while (!again && Date.now() - restartedAt < 60_000) {
      again = await signIn(app, idp, 'adm').catch(() => undefined);
      if (!again) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const recoveryMs = Date.now() - restartedAt;
    console.info(
      `IdP down: sign-in refused in ${refused.ms} ms, late callback in ${late.ms} ms; sign-in works again ${recoveryMs} ms after the restart`,
    );
    expect(again?.location).toBe('/');
    expect(recoveryMs).toBeLessThan(60_000);
    const session = (await (await again!.client.get('/api/session')).json()) as { user: { id: string } };
    expect(session.user.id).toBe('adm');
    expect((await signedIn.client.get('/api/session')).status).toBe(200);
  });
});

describe('a provider that is down when Labdeck first needs it', () => {
  let idp: TestIdp | undefined;
  let app: TestApp;
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('is discovered again once it is up: a failed discovery is not cached for good', {
    timeout: 120_000,
  }, async () => {
    const port = await freePort();
    const idpPort = await freePort();
    const startIdp = () =>
      startTestIdp({
        clientOrigins: [`http://127.0.0.1:${port}`],
        clientSecret: CLIENT_SECRET,
        port: idpPort,
      });
    // Its URL is known, but it is not up yet when Labdeck starts.
    const first = await startIdp();
    const yaml = first.authYaml();
    await first.close();
    app = await startTestApp({
      config: `${yaml}\n  session:\n    secret: ${SESSION_SECRET}\n  rateLimit:\n    loginPerMinute: 1000\n`,
      env: { PORT: String(port) },
    });
    const refused = await timed(() => apiClient(app.url).get('/api/auth/login'));
    expect(refused.res.headers.get('location')).toMatch(/^\/signin\?error=idp_unavailable/);
    expect(refused.ms).toBeLessThan(BOUNDED_MS);

    idp = await startIdp();
    const upAt = Date.now();
    let signedIn: Awaited<ReturnType<typeof signIn>> | undefined;
    while (!signedIn && Date.now() - upAt < 60_000) {
      signedIn = await signIn(app, idp, 'ana').catch(() => undefined);
      if (!signedIn) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    console.info(
      `IdP first reachable after Labdeck started: sign-in works ${Date.now() - upAt} ms after it is up`,
    );
    expect(signedIn?.location).toBe('/');
    expect(Date.now() - upAt).toBeLessThan(60_000);
  });
});

describe('a provider that hangs', () => {
  let idp: TestIdp | undefined;
  let app: TestApp;
  let blackHole: Server | undefined;
  afterAll(async () => {
    await app?.close();
    await idp?.close();
    blackHole?.closeAllConnections();
    blackHole?.close();
  });

  it('refuses sign-in after a bounded wait instead of hanging', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const idpPort = await freePort();
    idp = await startTestIdp({ clientOrigins: [`http://127.0.0.1:${port}`], port: idpPort });
    app = await startTestApp({
      config: `${idp.authYaml()}\n  session:\n    secret: ${SESSION_SECRET}\n  rateLimit:\n    loginPerMinute: 1000\n`,
      env: { PORT: String(port) },
    });
    await signIn(app, idp, 'ana');
    const halfway = apiClient(app.url);
    const pendingCallback = await idp.authorize(await loginRedirect(halfway), 'adm');
    await idp.close();
    // Accepts connections on the provider's port and never answers (a wedged process, a dropped route).
    blackHole = createServer(() => {});
    await new Promise<void>((resolve) => blackHole!.listen(idpPort, '127.0.0.1', resolve));

    const refused = await timed(() => apiClient(app.url).get('/api/auth/login'));
    expect(refused.res.headers.get('location')).toMatch(/^\/signin\?error=idp_unavailable/);
    const late = await timed(() => halfway.get(pendingCallback));
    expect(late.res.headers.get('location')).toMatch(/^\/signin\?error=idp_unavailable/);
    console.info(`IdP hanging: sign-in refused after ${refused.ms} ms, late callback after ${late.ms} ms`);
    expect(refused.ms).toBeLessThan(HUNG_BOUND_MS);
    expect(late.ms).toBeLessThan(HUNG_BOUND_MS);
  });
});

async function loginRedirect(client: ApiClient): Promise<string> {
  const start = await client.get('/api/auth/login');
  const location = start.headers.get('location') ?? '';
  if (start.status !== 303 || location.startsWith('/signin')) throw new Error(`sign-in refused: ${location}`);
  return location;
}

/** Signs `user` in through the provider's pages; throws while the provider cannot be used. */
async function signIn(app: TestApp, idp: TestIdp, user: string) {
  const client = apiClient(app.url);
  const callback = await idp.authorize(await loginRedirect(client), user);
  const done = await client.get(callback);
  if (!client.cookies.has('labdeck_session')) throw new Error(`no session: ${done.headers.get('location')}`);
  return { client, location: done.headers.get('location') };
}

async function timed(send: () => Promise<Response>) {
  const started = performance.now();
  const res = await send();
  return { res, ms: Math.round(performance.now() - started) };
}
