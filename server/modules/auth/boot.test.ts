import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../../../e2e/support/idp.ts';
import { freePort } from '../../platform/net.ts';
import { apiClient, startTestApp, type TestApp } from '../../test/harness.ts';

const INDEX_HTML = '<!doctype html><html><head><title>Labdeck</title></head><body></body></html>';
const BOOT_BLOCK = /<script type="application\/json" id="labdeck-boot">([^<]*)<\/script>/;
const page = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('index.html boot data with an OIDC session', () => {
  let idp: TestIdp;
  let app: TestApp;
  beforeAll(async () => {
    const port = await freePort();
    idp = await startTestIdp({ clientOrigins: [`http://127.0.0.1:${port}`] });
    app = await startTestApp({
      config: `${idp.authYaml()}\n  session:\n    secret: test-session-secret-0123456789abcdef-0123456789\nservices:\n  groups:\n    - name: Data\n      services:\n        - { name: Trino, url: "http://127.0.0.1:9/", probe: false }\n`,
      env: { PORT: String(port) },
      spa: { 'index.html': INDEX_HTML },
    });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('carries the signed-in session and services, never the cookie or tokens', async () => {
    const client = apiClient(app.url, page);
    const start = await client.get('/api/auth/login?returnTo=%2F');
    const callback = await idp.authorize(start.headers.get('location')!, 'ana');
    expect((await client.get(callback)).status).toBe(303);
    const html = await (await client.get('/')).text();
    const boot = JSON.parse(BOOT_BLOCK.exec(html)![1]!);
    expect(boot.api['/session']).toMatchObject({
      authMode: 'oidc',
      user: { id: 'ana' },
      providers: [{ id: 'lab', name: 'Lab SSO' }],
      session: { expiresAt: expect.any(String) },
    });
    expect(boot.api['/services'].groups[0].services[0].id).toBe('trino');
    for (const cookie of client.cookies.values()) expect(html).not.toContain(cookie);
    expect(html).not.toMatch(/eyJ[\w-]+\.eyJ/); // no JWT (id or access token)
  });

  it('tells an anonymous visitor how to sign in, and nothing else', async () => {
    const html = await (await app.fetch('/sql', { headers: page })).text();
    const boot = JSON.parse(BOOT_BLOCK.exec(html)![1]!);
    expect(boot.api).toEqual({
      '/session': {
        authMode: 'oidc',
        user: null,
        providers: [{ id: 'lab', name: 'Lab SSO' }],
        session: null,
      },
    });
  });
});
