import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../platform/identity.ts';
import { defineServerModule } from '../../platform/module.ts';
import { apiClient, startTestApp, type TestApp } from '../../test/harness.ts';
import type { ServiceView as PublicService, ServiceList as ServiceListJson } from './contract.ts';
import { servicesModule } from './index.ts';

/** Stands in for the auth module: the user comes from a test header. */
const testAuth = defineServerModule({
  name: 'test-auth',
  create: () => ({
    identify: (req, _res, next) => {
      const header = req.get('x-test-user');
      if (header) req.user = JSON.parse(header) as User;
      next();
    },
  }),
});

const admin: User = { id: 'ada', name: 'Ada', roles: ['admin'] };
const analyst: User = { id: 'bob', name: 'Bob', roles: ['analyst'] };
const as = (user: User) => ({ 'x-test-user': JSON.stringify(user) });

describe('services API', () => {
  let target: Server;
  let targetUrl: string;
  let healthy = true;
  let app: TestApp;

  beforeAll(async () => {
    target = createServer((_req, res) => {
      res.statusCode = healthy ? 200 : 500;
      res.end(healthy ? 'ok' : 'boom');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    app = await startTestApp({
      modules: [testAuth, servicesModule],
      env: { PROBE_TOKEN: 'very-secret-token' },
      config: `
services:
  probes: { intervalMs: 500, timeoutMs: 1000, maxBackoffMs: 1000 }
  groups:
    - name: Data
      services:
        - name: Target
          url: ${targetUrl}
          icon: trino
          probe: { type: http, headers: { Authorization: "Bearer \${PROBE_TOKEN}" } }
        - id: secret-admin
          name: Admin only
          url: ${targetUrl}
          roles: [admin]
          probe: false
`,
    });
  });
  afterAll(async () => {
    await app?.close();
    target?.close();
  });

  const list = async (user: User) =>
    (await (await app.fetch('/api/services', { headers: as(user) })).json()) as ServiceListJson;

  it('requires a user', async () => {
    expect((await app.fetch('/api/services')).status).toBe(401);
  });

  it('lists only what the caller may see, without probe settings or secrets', async () => {
    const forAdmin = await list(admin);
    expect(forAdmin.groups[0]!.services.map((s: { id: string }) => s.id)).toEqual(['target', 'secret-admin']);
    const forAnalyst = await list(analyst);
    expect(forAnalyst.groups[0]!.services.map((s: { id: string }) => s.id)).toEqual(['target']);
    const text = JSON.stringify(forAdmin);
    expect(text).not.toContain('very-secret-token');
    expect(text).not.toContain('Authorization');
    expect(forAdmin.groups[0]!.services[0]!).toMatchObject({
      name: 'Target',
      icon: 'trino',
      probe: 'http',
      source: 'config',
    });
  });

  it('probes, turns down when the target fails and pushes the change over SSE', async () => {
    await expect
      .poll(async () => (await list(admin)).groups[0]!.services[0]!.status, { timeout: 10_000 })
      .toBe('up');
    const events = await app.fetch('/api/events?topics=services', {
      headers: as(admin),
      signal: AbortSignal.timeout(15_000),
    });
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    healthy = false;
    let service: PublicService | undefined;
    for (;;) {
      const chunk = (await reader.read()).value ?? '';
      if (!chunk.includes('"stateChanged":true')) continue;
      service = (await list(admin)).groups[0]!.services[0]!;
      if (service?.status === 'down') break;
    }
    await reader.cancel();
    expect(service).toMatchObject({
      status: 'down',
      error: 'HTTP 500 Internal Server Error',
      latencyMs: null,
    });
    healthy = true;
    await expect
      .poll(async () => (await list(admin)).groups[0]!.services[0]!.status, { timeout: 10_000 })
      .toBe('up');
  });

  it('answers history for visible services and validates the range', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const res = await app.fetch('/api/services/target/history', { headers: as(admin) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { buckets: unknown[]; failures: { status: string; error: string }[] };
    expect(body.buckets.length).toBeGreaterThan(0);
    expect(body.failures[0]).toMatchObject({ status: 'down', error: 'HTTP 500 Internal Server Error' });
    expect(
      (await app.fetch('/api/services/target/history?from=yesterday', { headers: as(admin) })).status,
    ).toBe(400);
    const reversed = '/api/services/target/history?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z';
    expect((await app.fetch(reversed, { headers: as(admin) })).status).toBe(400);
    expect((await app.fetch('/api/services/secret-admin/history', { headers: as(analyst) })).status).toBe(
      404,
    );
    expect((await app.fetch('/api/services/BAD%20ID/history', { headers: as(admin) })).status).toBe(400);
  });

  it('keeps favourites per user, behind CSRF', async () => {
    const client = apiClient(app.url, as(analyst));
    expect((await client.put('/api/services/favourites/target')).status).toBe(204);
    expect(await (await client.get('/api/services/favourites')).json()).toEqual({ ids: ['target'] });
    expect(await (await apiClient(app.url, as(admin)).get('/api/services/favourites')).json()).toEqual({
      ids: [],
    });
    expect((await client.put('/api/services/favourites/secret-admin')).status).toBe(404);
    const forged = await app.fetch('/api/services/favourites/target', {
      method: 'DELETE',
      headers: { ...as(analyst), cookie: `labdeck_csrf=${client.cookies.get('labdeck_csrf')}` },
    });
    expect(forged.status).toBe(403);
    expect((await client.delete('/api/services/favourites/target')).status).toBe(204);
    expect(await (await client.get('/api/services/favourites')).json()).toEqual({ ids: [] });
  });

  it('shows discovery state to admins only', async () => {
    expect((await app.fetch('/api/services/discovery', { headers: as(analyst) })).status).toBe(403);
    const body = (await (
      await app.fetch('/api/services/discovery', { headers: as(admin) })
    ).json()) as unknown;
    expect(body).toMatchObject({ sources: [], problems: [], leader: true });
  });
});
