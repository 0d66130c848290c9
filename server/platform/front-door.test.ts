// The front door's defaults, over real HTTP: host names (DNS rebinding), Origin, Secure cookies,
// the sign-in check before body parsing, caching of API answers, who reads /metrics, asset paths.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, proxyAuthYaml, startTestApp, type TestApp } from '../test/harness.ts';
import { freePort } from './net.ts';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly these headers (fetch would not send a Host of our choosing). */
function raw(
  url: string,
  path: string,
  {
    method = 'GET',
    headers = {},
    body,
  }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method, headers, setHost: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const hostOf = (app: TestApp) => new URL(app.url).host;
const portOf = (app: TestApp) => new URL(app.url).port;
const codeOf = (answer: RawAnswer) => (JSON.parse(answer.body) as { error: { code: string } }).error.code;

describe('DNS rebinding with sign-in off (the default configuration)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('refuses an API read addressed to a foreign host name with 421', async () => {
    const answer = await raw(app.url, '/api/services', { headers: { host: `evil.example:${portOf(app)}` } });
    expect(answer.status).toBe(421);
    expect(codeOf(answer)).toBe('unknown_host');
  });

  it('refuses a write whose Host and Origin both name the rebound host, CSRF cookie and all', async () => {
    const evil = `evil.example:${portOf(app)}`;
    const answer = await raw(app.url, '/api/sql/tabs/t1', {
      method: 'PUT',
      headers: {
        host: evil,
        origin: `http://${evil}`,
        cookie: 'labdeck_csrf=abc',
        'x-csrf-token': 'abc',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ title: 'owned', sql: 'SELECT 1', connectionId: 'x' }),
    });
    expect(answer.status).toBe(421);
  });

  it.each([
    ['localhost', 'localhost'],
    ['a loopback address', '127.0.0.1'],
    ['IPv6 loopback', '[::1]'],
    ['any IP literal (cannot be rebound)', '10.1.2.3'],
    ['a name under .localhost', 'lab.localhost'],
  ])('serves %s', async (_case, name) => {
    const answer = await raw(app.url, '/api/session', { headers: { host: `${name}:${portOf(app)}` } });
    expect(answer.status).toBe(200);
  });

  it('still answers liveness to any host name (orchestrators probe by service name)', async () => {
    const answer = await raw(app.url, '/healthz', { headers: { host: 'labdeck.lab.svc:8080' } });
    expect(answer.status).toBe(200);
  });

  it('refuses an Origin that is not the host the request came to', async () => {
    const client = apiClient(app.url, { origin: 'http://localhost:1' });
    expect((await client.post('/api/nope', {})).status).toBe(403);
  });
});

describe('configured host names and public URL', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      config:
        'server:\n  publicUrl: https://lab.example.com\n  allowedHosts: [labdeck.internal, .apps.example]\n',
    });
  });
  afterAll(() => app.close());

  it.each([
    ['the publicUrl host', 'lab.example.com', 200],
    ['an allowed host', 'LABDECK.internal', 200],
    ['a name under an allowed domain', 'labdeck.apps.example', 200],
    ['the allowed domain itself', 'apps.example', 200],
    ['a name that only ends like one', 'evilapps.example', 421],
    ['another host', 'evil.example', 421],
  ])('%s answers %i', async (_case, host, status) => {
    expect((await raw(app.url, '/api/session', { headers: { host } })).status).toBe(status);
  });

  it('compares Origin with the public origin, not with Host', async () => {
    const post = (origin: string) =>
      raw(app.url, '/api/nope', {
        method: 'POST',
        headers: {
          host: 'labdeck.internal',
          origin,
          cookie: 'labdeck_csrf=abc',
          'x-csrf-token': 'abc',
        },
      });
    expect((await post('http://labdeck.internal')).status).toBe(403);
    expect((await post('https://lab.example.com')).status).toBe(404);
  });

  it('marks every cookie Secure when the public URL is https, whatever the proxy said', async () => {
    const answer = await raw(app.url, '/api/session', { headers: { host: 'lab.example.com' } });
    const cookies = [answer.headers['set-cookie'] ?? []].flat();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/;\s*Secure/i);
  });
});

describe('plain http on loopback', () => {
  it('sets cookies without Secure (the browser would drop them on http://127.0.0.1)', async () => {
    const app = await startTestApp();
    try {
      const cookie = (await app.fetch('/api/session')).headers.get('set-cookie') ?? '';
      expect(cookie).toContain('labdeck_csrf=');
      expect(cookie).not.toMatch(/;\s*Secure/i);
    } finally {
      await app.close();
    }
  });
});

describe('with sign-in on', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ config: proxyAuthYaml() });
  });
  afterAll(() => app.close());

  it('refuses an anonymous write with 401 before reading its body', async () => {
    const res = await app.fetch('/api/sql/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken":',
    });
    expect(res.status).toBe(401);
  });

  it('reads at most a small body on public paths', async () => {
    const res = await apiClient(app.url).request('/api/auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(64 * 1024) }),
    });
    expect(res.status).toBe(413);
  });

  it('marks API answers no-store', async () => {
    const res = await app.fetch('/api/session');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await app.fetch('/api/services')).headers.get('cache-control')).toBe('no-store');
  });
});

describe('who reads /metrics', () => {
  it('serves loopback clients, but not through a proxy Labdeck does not trust', async () => {
    const app = await startTestApp();
    try {
      expect((await app.fetch('/metrics')).status).toBe(200);
      const proxied = await app.fetch('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(proxied.status).toBe(403);
    } finally {
      await app.close();
    }
  });

  it('refuses clients outside allowFrom', async () => {
    const app = await startTestApp({ config: 'server:\n  metrics:\n    allowFrom: [10.0.0.0/8]\n' });
    try {
      expect((await app.fetch('/metrics')).status).toBe(403);
    } finally {
      await app.close();
    }
  });

  it('needs the bearer token once one is configured', async () => {
    const app = await startTestApp({
      config: 'server:\n  metrics:\n    token: ${METRICS_TOKEN}\n',
      env: { METRICS_TOKEN: 'scrape-token-0123456789' },
    });
    try {
      expect((await app.fetch('/metrics')).status).toBe(401);
      const res = await app.fetch('/metrics', {
        headers: { authorization: 'Bearer scrape-token-0123456789' },
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('labdeck_http_request_duration_seconds');
    } finally {
      await app.close();
    }
  });

  it('moves to its own port when one is configured', async () => {
    const port = await freePort();
    const app = await startTestApp({ config: `server:\n  metrics:\n    port: ${port}\n` });
    try {
      expect((await app.fetch('/metrics')).status).toBe(404);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('labdeck_process_cpu_user_seconds_total');
      expect((await fetch(`http://127.0.0.1:${port}/api/session`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});

describe('asset paths', () => {
  it('answers 404 to a path that climbs out of /assets', async () => {
    const app = await startTestApp({
      spa: { 'index.html': '<!doctype html><div id="app"></div>', 'assets/a.js': '1' },
    });
    try {
      const answer = await raw(app.url, '/assets/..%2findex.html', { headers: { host: hostOf(app) } });
      expect(answer.status).toBe(404);
      expect((await app.fetch('/assets/a.js')).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('style nonce', () => {
  it('gives each page a fresh nonce, in its CSP and where the SPA reads it', async () => {
    const app = await startTestApp({
      spa: { 'index.html': '<!doctype html><html><head></head><body></body></html>' },
    });
    try {
      const nonces = [];
      for (let i = 0; i < 2; i++) {
        const res = await app.fetch('/', { headers: { accept: 'text/html' } });
        const csp = res.headers.get('content-security-policy') ?? '';
        const inHeader = /style-src-elem 'self' 'nonce-([^']+)'/.exec(csp)?.[1];
        const inPage = /<meta name="csp-nonce" content="([^"]+)"/.exec(await res.text())?.[1];
        expect(inHeader).toBeTruthy();
        expect(inPage).toBe(inHeader);
        nonces.push(inPage);
      }
      expect(nonces[0]).not.toBe(nonces[1]);
    } finally {
      await app.close();
    }
  });
});
