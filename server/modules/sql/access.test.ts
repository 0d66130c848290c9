import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../platform/identity.ts';
import { defineServerModule } from '../../platform/module.ts';
import { type ApiClient, apiClient, startTestApp, type TestApp } from '../../test/harness.ts';
import { sqlModule } from './index.ts';
import { endOf, type Json, readRun } from './test/run.ts';

// Who may use which connection: a stand-in for the auth module picks the user from a test header.
const users: Record<string, User> = {
  ana: { id: 'ana', name: 'Ana', roles: ['analyst'] },
  vic: { id: 'vic', name: 'Vic', roles: ['viewer'] },
};
const testAuth = defineServerModule({
  name: 'test-auth',
  create: () => ({
    identify: (req, _res, next) => {
      req.user = users[String(req.headers['x-test-user'])];
      next();
    },
  }),
});

let app: TestApp;
let ana: ApiClient;
let vic: ApiClient;

beforeAll(async () => {
  app = await startTestApp({
    modules: [testAuth, sqlModule],
    config: [
      'sql:',
      '  sample:',
      '    enabled: true',
      '    database: labdeck_sample_test',
      '    roles: [analyst, viewer]',
      '  connections:',
      '    - id: secret',
      '      engine: postgres',
      '      url: postgres://nobody:nothing@127.0.0.1:1/none',
      '      roles: [analyst]',
    ].join('\n'),
  });
  ana = apiClient(app.url, { 'x-test-user': 'ana' });
  vic = apiClient(app.url, { 'x-test-user': 'vic' });
});
afterAll(async () => {
  await app?.close();
});

describe('connection roles', () => {
  it('lists only the connections a user may use', async () => {
    const names = async (c: ApiClient) =>
      ((await (await c.get('/api/sql/connections')).json()) as Json).connections.map(
        (x: { id: string }) => x.id,
      );
    expect(await names(ana)).toEqual(['secret', 'sample']);
    expect(await names(vic)).toEqual(['sample']);
  });

  it('refuses runs, metadata and exports on a connection the user may not use', async () => {
    expect(
      (await vic.post('/api/sql/run', { connectionId: 'secret', sql: 'select 1', tabId: 't' })).status,
    ).toBe(403);
    expect((await vic.get('/api/sql/connections/secret/metadata')).status).toBe(403);
    expect(
      (await vic.post('/api/sql/exports', { connectionId: 'secret', sql: 'select 1', format: 'csv' })).status,
    ).toBe(403);
  });

  it('shares a saved query by link only with users allowed on its connection', async () => {
    const onSecret = (await (
      await ana.post('/api/sql/saved', { name: 'S', connectionId: 'secret', sql: 'select 1' })
    ).json()) as Json;
    const onSample = (await (
      await ana.post('/api/sql/saved', { name: 'P', connectionId: 'sample', sql: 'select 1' })
    ).json()) as Json;
    expect((await vic.get(`/api/sql/saved/${onSecret.id}`)).status).toBe(403);
    expect((await vic.get(`/api/sql/saved/${onSample.id}`)).status).toBe(200);
    expect((await vic.delete(`/api/sql/saved/${onSample.id}`)).status).toBe(403);
  });

  it('keeps tabs, history and runs per user', async () => {
    await ana.put('/api/sql/tabs/mine', {
      title: 'Mine',
      connectionId: 'sample',
      sql: 'select 42',
      position: 0,
    });
    expect(((await (await vic.get('/api/sql/tabs')).json()) as Json).tabs).toEqual([]);
    const res = await ana.post('/api/sql/run', {
      connectionId: 'sample',
      sql: 'SELECT pg_sleep(30)',
      tabId: 'mine',
    });
    const statuses: number[] = [];
    let runId = '';
    const lines = await readRun(res, (line) => {
      if (line.t === 'start') runId = String(line.runId);
      if (line.t !== 'query') return;
      void (async () => {
        statuses.push((await vic.post(`/api/sql/runs/${runId}/cancel`)).status);
        statuses.push((await ana.post(`/api/sql/runs/${runId}/cancel`)).status);
      })();
    });
    expect(statuses).toEqual([404, 202]);
    expect(endOf(lines).state).toBe('cancelled');
    expect(((await (await vic.get('/api/sql/history')).json()) as Json).items).toEqual([]);
    expect(((await (await ana.get('/api/sql/history')).json()) as Json).items).toHaveLength(1);
  }, 20_000);

  it('reports an unreachable connection as a failed run, not a broken portal', async () => {
    const end = endOf(
      await readRun(await ana.post('/api/sql/run', { connectionId: 'secret', sql: 'select 1', tabId: 't' })),
    );
    expect(end.state).toBe('failed');
    expect(end.error?.message).toMatch(/ECONNREFUSED|connect/);
    expect((await ana.get('/api/sql/connections')).status).toBe(200);
  });
});
