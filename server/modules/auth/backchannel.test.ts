import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../../../e2e/support/idp.ts';
import { freePort } from '../../platform/net.ts';
import { apiClient, startTestApp, type TestApp } from '../../test/harness.ts';

const post = (app: TestApp, token: string, headers: Record<string, string> = {}) =>
  app.fetch('/api/auth/backchannel-logout/lab', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ logout_token: token }),
  });

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('OIDC back-channel logout', () => {
  let idp: TestIdp;
  let app: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    idp = await startTestIdp({ clientOrigins: [`http://127.0.0.1:${port}`], backchannelLogout: true });
    app = await startTestApp({ config: idp.authYaml(), env: { PORT: String(port) } });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('ends the Labdeck session when the user signs out at the provider', async () => {
    const browser = idp.browser();
    const client = apiClient(app.url);
    const start = await client.get('/api/auth/login');
    await client.get(await browser.authorize(start.headers.get('location')!, 'ana'));
    expect((await client.get('/api/system')).status).toBe(200);
    const { rows } = await app.context.db.query<{ idp_session_id: string }>(
      `SELECT idp_session_id FROM auth_sessions WHERE user_id = 'ana' AND revoked_at IS NULL`,
    );
    expect(rows[0]?.idp_session_id).toBeTruthy();

    expect(await browser.signOutAtProvider()).toBe(`${idp.issuer}/session/end/success`);
    expect((await client.get('/api/system')).status).toBe(401);
    const audit = await app.context.db.query(
      `SELECT user_id FROM audit_log WHERE action = 'auth.backchannel_logout'`,
    );
    expect(audit.rows).toEqual([{ user_id: 'ana' }]);
  });

  it.each([
    ['garbage', 'not-a-jwt'],
    ['an unsigned token', `${b64({ alg: 'none' })}.${b64({ iss: 'x', sub: 'ana' })}.`],
    ['an HMAC token', `${b64({ alg: 'HS256' })}.${b64({ iss: 'x', sub: 'ana' })}.c2ln`],
  ])('refuses %s with 400 and ends nothing', async (_name, token) => {
    const res = await post(app, token);
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a well-formed token signed by someone else', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Math.floor(Date.now() / 1000);
    const head = `${b64({ alg: 'RS256', typ: 'logout+jwt' })}.${b64({
      iss: idp.issuer,
      aud: idp.clientId,
      iat: now,
      exp: now + 120,
      jti: 'x1',
      sub: 'adm',
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    })}`;
    const token = `${head}.${sign('sha256', Buffer.from(head), privateKey).toString('base64url')}`;
    const res = await post(app, token);
    expect(res.status).toBe(400);
    expect((await res.json()) as unknown).toMatchObject({
      error: { message: 'Invalid logout token: bad signature' },
    });
  });

  it('still requires the CSRF token when the request carries cookies', async () => {
    expect((await post(app, 'x', { cookie: 'labdeck_session=abc' })).status).toBe(403);
  });
});
