import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';

/** GET from a chosen loopback source address (the trusted forward-auth proxy is 127.0.0.2). */
function getFrom(
  app: TestApp,
  path: string,
  headers: Record<string, string> = {},
  localAddress = '127.0.0.2',
) {
  const url = new URL(path, app.url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, localAddress, headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const viewer = { 'X-Forwarded-User': 'vic', 'X-Forwarded-Groups': 'lab-analysts' };
const operator = { 'X-Forwarded-User': 'ops', 'X-Forwarded-Groups': 'lab-operators' };

describe('streams API: roles, audit and a cluster that does not answer', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      config: `
auth:
  mode: proxy
  proxy:
    trustedProxies: [127.0.0.2/32]
  roles:
    analyst: [lab-analysts]
    operator: [lab-operators]
streams:
  clusters:
    - id: gone
      name: Nowhere
      bootstrap: 127.0.0.1:1
      interval: 300ms
      requestTimeout: 1s
      sasl: { mechanism: PLAIN, username: reader, password: s3cret-value }
`,
    });
  });
  afterAll(() => app?.close());

  it('shows an unreachable cluster as down without taking the API down, and never echoes credentials', async () => {
    const deadline = Date.now() + 15_000;
    let body = '';
    while (Date.now() < deadline) {
      body = (await getFrom(app, '/api/streams/clusters', viewer)).body;
      if (JSON.parse(body).clusters[0].status === 'down') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const cluster = JSON.parse(body).clusters[0];
    expect(cluster).toMatchObject({ id: 'gone', name: 'Nowhere', status: 'down' });
    expect(cluster.error).toBeTruthy();
    expect(body).not.toContain('s3cret-value');
    expect(body).not.toContain('reader');
    expect((await getFrom(app, '/api/streams/clusters/gone/topics', viewer)).status).toBe(200);
    // A call that needs a broker is refused at once with a clear code, not left to time out into a 500.
    const started = Date.now();
    const configs = await getFrom(app, '/api/streams/clusters/gone/topics/orders/configs', viewer);
    expect(configs.status).toBe(503);
    expect(JSON.parse(configs.body).error).toMatchObject({ code: 'kafka_unavailable' });
    expect(JSON.parse(configs.body).error.message).toMatch(/^Kafka cluster "gone" is down: /);
    expect(configs.body).not.toContain('s3cret-value');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('needs a signed-in user', async () => {
    expect((await getFrom(app, '/api/streams/clusters', {}, '127.0.0.3')).status).toBe(401);
  });

  it('lets operators peek (audited) and refuses everyone else', async () => {
    const denied = await getFrom(app, '/api/streams/clusters/gone/topics/orders/messages', viewer);
    expect(denied.status).toBe(403);
    const allowed = await getFrom(app, '/api/streams/clusters/gone/topics/orders/messages?limit=5', operator);
    // Past the role check; the topic is unknown on this (unreachable) cluster.
    expect(allowed.status).toBe(404);
    const { rows } = await app.context.db.query<{ user_id: string; details: Record<string, unknown> }>(
      "SELECT user_id, details FROM audit_log WHERE action = 'streams.peek'",
    );
    expect(rows).toEqual([
      { user_id: 'ops', details: { cluster: 'gone', topic: 'orders', partition: null, limit: 5 } },
    ]);
  });
});
