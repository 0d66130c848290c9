import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestApp, type TestApp } from '../test/harness.ts';
import type { ApiErrorBody } from './contract.ts';

describe('CSRF protection on mutating requests', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('refuses a cookie-bearing POST without the token', async () => {
    const client = apiClient(app.url);
    await client.get('/api/session');
    const res = await app.fetch('/api/nope', {
      method: 'POST',
      headers: { cookie: `labdeck_csrf=${client.cookies.get('labdeck_csrf')}` },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as ApiErrorBody).error.code).toBe('csrf');
  });

  it('refuses a token from another site (Origin mismatch)', async () => {
    const client = apiClient(app.url, { origin: 'https://evil.example' });
    expect((await client.post('/api/nope', {})).status).toBe(403);
  });

  it('lets a request with the matching token through to routing', async () => {
    expect((await apiClient(app.url).post('/api/nope', {})).status).toBe(404);
  });

  it('lets a bearer-token request without cookies through (producers, scripts)', async () => {
    const res = await app.fetch('/api/nope', { method: 'POST', headers: { authorization: 'Bearer k' } });
    expect(res.status).toBe(404);
  });
});
