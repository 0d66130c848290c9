import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from '../../../../platform/db/embedded.ts';
import { requestJson } from '../../../../platform/http-json.ts';
import { freePort } from '../../../../platform/net.ts';
import { probeAdapter, probeSchema } from './registry.ts';

const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections?.();
    server.close();
  }
});

async function serve(handler: RequestListener, tls?: { key: Buffer; cert: Buffer }): Promise<string> {
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** Parses the probe as labdeck.yaml would and runs its adapter. */
async function probe(config: Record<string, unknown>, serviceUrl = 'http://127.0.0.1:9/', timeoutMs = 3_000) {
  const parsed = probeSchema.parse(config);
  return probeAdapter(parsed.type).run(parsed, {
    signal: AbortSignal.timeout(timeoutMs),
    timeoutMs,
    serviceUrl,
  });
}

describe('http probe against real servers', () => {
  let url: string;
  let tlsUrl: string;
  beforeAll(async () => {
    url = await serve((req, res) => {
      if (req.url === '/fail') res.statusCode = 500;
      if (req.url === '/moved') {
        res.statusCode = 302;
        res.setHeader('location', '/');
      }
      if (req.url === '/auth') res.statusCode = req.headers.authorization === 'Bearer s3cret' ? 200 : 401;
      if (req.url === '/hang') return; // never answers
      res.end('<html>status: all good</html>');
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'labdeck-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    tlsUrl = await serve((_req, res) => res.end('secure'), {
      key: readFileSync(path.join(dir, 'key.pem')),
      cert: readFileSync(path.join(dir, 'cert.pem')),
    });
  });

  it.each([
    ['a 200', {}, '', { status: 'up' }],
    ['a 500', {}, 'fail', { status: 'down', error: 'HTTP 500 Internal Server Error' }],
    [
      'a 302 outside [200, 299]',
      { expectStatus: [200, 299] },
      'moved',
      { status: 'down', error: 'HTTP 302 Found' },
    ],
    ['a 302 inside the default range', {}, 'moved', { status: 'up' }],
    ['the keyword present', { keyword: 'all good' }, '', { status: 'up' }],
    [
      'the keyword missing',
      { keyword: 'healthy' },
      '',
      { status: 'degraded', error: 'keyword "healthy" not found in the response' },
    ],
    ['a header with a secret', { headers: { Authorization: 'Bearer s3cret' } }, 'auth', { status: 'up' }],
    [
      'a wrong secret',
      { headers: { Authorization: 'Bearer nope' } },
      'auth',
      { status: 'down', error: 'HTTP 401 Unauthorized' },
    ],
    ['HEAD', { method: 'HEAD' }, '', { status: 'up' }],
  ])('%s', async (_name, extra, pathName, expected) => {
    expect(await probe({ type: 'http', url: url + pathName, ...extra })).toEqual(expected);
  });

  it('uses the service URL when the probe has none', async () => {
    expect(await probe({ type: 'http' }, `${url}fail`)).toMatchObject({ status: 'down' });
  });

  it('gives up when the signal fires on a hanging server', async () => {
    const started = Date.now();
    expect(await probe({ type: 'http', url: `${url}hang` }, url, 300)).toEqual({
      status: 'down',
      error: 'timed out',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('rejects a self-signed certificate unless TLS verification is off', async () => {
    const verified = await probe({ type: 'http', url: tlsUrl });
    expect(verified.status).toBe('down');
    expect(verified.error).toMatch(/self.signed/i);
    expect(await probe({ type: 'http', url: tlsUrl, tlsVerify: false })).toEqual({ status: 'up' });
  });

  it('never lets a verifying probe reuse a connection opened without verification', async () => {
    expect(await probe({ type: 'http', url: tlsUrl, tlsVerify: false })).toEqual({ status: 'up' });
    expect((await probe({ type: 'http', url: tlsUrl })).error).toMatch(/self.signed/i);
    const json = (tlsVerify: boolean) =>
      requestJson(new URL(tlsUrl), { signal: AbortSignal.timeout(3_000), tlsVerify });
    expect((await json(false)).status).toBe(200);
    await expect(json(true)).rejects.toThrow(/self.signed/i);
  });

  it('reports a refused connection', async () => {
    const port = await freePort();
    expect(await probe({ type: 'http', url: `http://127.0.0.1:${port}/` })).toMatchObject({
      status: 'down',
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });
});

describe('tcp probe', () => {
  it('is up on a listening port and down on a closed one', async () => {
    const server = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    expect(await probe({ type: 'tcp', port }, 'http://127.0.0.1/')).toEqual({ status: 'up' });
    await new Promise((resolve) => server.close(resolve));
    expect(await probe({ type: 'tcp' }, `http://127.0.0.1:${port}/`)).toEqual({
      status: 'down',
      error: `ECONNREFUSED 127.0.0.1:${port}`,
    });
  });
});

describe('trino and airflow probes against servers speaking their health APIs', () => {
  it.each([
    [{ starting: false, nodeVersion: { version: '476' } }, 200, { status: 'up' }],
    [{ starting: true }, 200, { status: 'degraded', error: 'Trino is starting' }],
    [{ hello: 'world' }, 200, { status: 'down', error: '/v1/info did not answer like Trino' }],
    [{}, 503, { status: 'down', error: 'HTTP 503 from /v1/info' }],
  ])('trino %j (%i)', async (body, status, expected) => {
    const url = await serve((req, res) => {
      res.statusCode = req.url === '/v1/info' ? status : 404;
      res.end(JSON.stringify(body));
    });
    expect(await probe({ type: 'trino' }, url)).toEqual(expected);
  });

  it('airflow 3 reports an unhealthy scheduler as degraded', async () => {
    const url = await serve((req, res) => {
      res.statusCode = req.url === '/api/v2/monitor/health' ? 200 : 404;
      res.end(JSON.stringify({ metadatabase: { status: 'healthy' }, scheduler: { status: 'unhealthy' } }));
    });
    expect(await probe({ type: 'airflow' }, url)).toEqual({
      status: 'degraded',
      error: 'unhealthy: scheduler',
    });
  });

  it('airflow 2 falls back to /health', async () => {
    const url = await serve((req, res) => {
      res.statusCode = req.url === '/airflow/health' ? 200 : 404;
      res.end(JSON.stringify({ metadatabase: { status: 'healthy' }, scheduler: { status: 'healthy' } }));
    });
    expect(await probe({ type: 'airflow', url: `${url}airflow` })).toEqual({ status: 'up' });
  });
});

describe('kafka probe', () => {
  it('is down when no broker listens', async () => {
    const port = await freePort();
    const result = await probe({ type: 'kafka', brokers: [`127.0.0.1:${port}`] }, 'http://x/', 3_000);
    expect(result.status).toBe('down');
  });
});

describe('postgres probe against a real PostgreSQL that stops and comes back', () => {
  let pg: EmbeddedPostgres;
  beforeAll(async () => {
    pg = new EmbeddedPostgres({ dir: mkdtempSync(path.join(tmpdir(), 'labdeck-probe-pg-')) });
    await pg.start();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('connects and selects 1; down while stopped; up again after restart', async () => {
    const connectionString = pg.url;
    expect(await probe({ type: 'postgres', connectionString })).toEqual({ status: 'up' });
    await pg.stop();
    const down = await probe({ type: 'postgres', connectionString });
    expect(down.status).toBe('down');
    expect(down.error).toMatch(/ECONNREFUSED/);
    await pg.start();
    expect(await probe({ type: 'postgres', connectionString: pg.url })).toEqual({ status: 'up' });
  }, 120_000);

  it('never shows the password in the error', async () => {
    const url = new URL(pg.url);
    url.password = 'wrong-secret-pw';
    const result = await probe({ type: 'postgres', connectionString: url.toString() });
    expect(result.status).toBe('down');
    expect(result.error).not.toContain('wrong-secret-pw');
  });
});
