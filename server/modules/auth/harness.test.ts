import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, proxyAuthYaml, startTestApp, type TestApp, userClient } from '../../test/harness.ts';

describe('test harness: acting as a user', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ config: proxyAuthYaml() });
  });
  afterAll(() => app?.close());

  it('signs API clients in as the given user and roles', async () => {
    const analyst = userClient(app.url, { id: 'ana', name: 'Ana Analyst', groups: ['lab-analysts'] });
    expect(((await (await analyst.get('/api/session')).json()) as { user: unknown }).user).toEqual({
      id: 'ana',
      name: 'Ana Analyst',
      roles: ['analyst'],
    });
    expect((await analyst.get('/api/admin/audit')).status).toBe(403);
    expect((await analyst.post('/api/auth/logout')).status).toBe(200);
    const admin = userClient(app.url, { id: 'adm', groups: ['lab-admins'] });
    expect((await admin.get('/api/admin/audit')).status).toBe(200);
    expect((await apiClient(app.url).get('/api/admin/audit')).status).toBe(401);
  });
});
