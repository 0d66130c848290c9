import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../../../lab/redis/server.ts';
import { probeDeclared } from './probe-declared.ts';

// Debian's redis-server; fails (never skips) when it is missing: `apt-get install -y redis-server`.
describe('redis preset against a real redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis({ password: 'lab-s3cret' });
  });
  afterAll(() => redis?.stop());

  const probe = (probeUrl: string) =>
    probeDeclared('redis', 'http://127.0.0.1:9/', { probe: { url: probeUrl } }, 3_000);

  it('PINGs and reads memory, clients and version from INFO; down with a wrong password or stopped', async () => {
    const up = await probe(redis.url);
    expect(up.status).toBe('up');
    expect(up.figures?.map((figure) => figure.label)).toEqual(['memory used', 'clients', 'version', 'role']);
    expect(up.figures?.[0]?.value).toMatch(/^\d+(\.\d+)?[KMG]?$/);
    expect(up.figures?.[1]?.value).toBeGreaterThanOrEqual(1);
    const wrong = await probe(redis.url.replace('lab-s3cret', 'nope'));
    expect(wrong.status).toBe('down');
    expect(wrong.error).not.toContain('nope');
    await redis.stop();
    expect(await probe(redis.url)).toMatchObject({
      status: 'down',
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
