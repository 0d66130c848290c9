import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, createDatabase, startReplica, type TestApp } from '../test/harness.ts';

describe('rate limits across replicas', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const databaseUrl = await createDatabase(inject('postgresUrl'));
    const config = 'auth:\n  rateLimit:\n    writesPerMinute: 4\n';
    a = await startReplica(databaseUrl, config);
    b = await startReplica(databaseUrl, config);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('counts one limit over the writes a user sends to either replica', async () => {
    const atA = apiClient(a.url);
    const atB = apiClient(b.url);
    const statuses: number[] = [];
    for (const client of [atA, atB, atA, atB, atB, atA])
      statuses.push((await client.post('/api/auth/logout')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const limited = await atB.post('/api/auth/logout');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('ratelimit')).toMatch(/^"4-in-1min"; r=0; t=\d+$/);
  });
});
