import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, withoutStyleNonce } from '../../test/harness.ts';
import { authModule } from '../auth/index.ts';
import { servicesModule } from './index.ts';

const INDEX_HTML =
  '<!doctype html><html><head><title>Labdeck</title><script type="module" src="/assets/x.js"></script></head><body><div id="app"></div></body></html>';
const HOSTILE = 'Ends </script><script>alert(1)</script> here <!--';
const BOOT_BLOCK = /<script type="application\/json" id="labdeck-boot">([^<]*)<\/script>/;

/** GET from a chosen loopback source address (Linux routes all of 127.0.0.0/8 to lo). */
function getFrom(app: TestApp, url: string, localAddress: string, headers: Record<string, string>) {
  const target = new URL(url, app.url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, localAddress, headers },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

interface Boot {
  liveEventId: string;
  api: Record<string, unknown>;
}
const bootOf = (html: string): Boot | null => {
  const match = BOOT_BLOCK.exec(html);
  return match ? (JSON.parse(match[1]!) as Boot) : null;
};

const page = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const analyst = { ...page, 'X-Forwarded-User': 'ana', 'X-Forwarded-Groups': 'lab-analysts' };
const admin = { ...page, 'X-Forwarded-User': 'adm', 'X-Forwarded-Groups': 'lab-admins' };

describe('index.html boot data (forward-auth proxy mode)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      modules: [authModule, servicesModule],
      spa: { 'index.html': INDEX_HTML },
      env: { PROBE_TOKEN: 'very-secret-probe-token' },
      config: [
        'auth:',
        '  mode: proxy',
        '  proxy:',
        '    trustedProxies: [127.0.0.2/32]',
        '  roles:',
        '    admin: [lab-admins]',
        '    analyst: [lab-analysts]',
        'services:',
        '  probes: { intervalMs: 60000 }',
        '  groups:',
        '    - name: Data',
        '      services:',
        '        - name: Trino',
        '          url: http://127.0.0.1:9/',
        `          description: ${JSON.stringify(HOSTILE)}`,
        '          probe: { type: http, headers: { Authorization: "Bearer ${PROBE_TOKEN}" } }',
        '        - id: admin-only',
        '          name: Admin only',
        '          url: http://127.0.0.1:9/admin',
        '          roles: [admin]',
        '          probe: false',
      ].join('\n'),
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("carries the caller's session, services (filtered by role) and favourites, escaped, without secrets", async () => {
    const res = await getFrom(app, '/', '127.0.0.2', analyst);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    // The SPA may change something before any API read: the page hands out the CSRF token cookie.
    expect(String(res.headers['set-cookie'])).toMatch(/labdeck_csrf=[\w-]{32}; Path=\//);
    expect(res.body).not.toContain('very-secret-probe-token');
    expect(res.body).not.toContain('Authorization');
    // The hostile description cannot end the block early: one data block, one module script.
    expect(res.body.match(/<\/script>/g)).toHaveLength(2);
    const boot = bootOf(res.body)!;
    expect(boot.liveEventId).toMatch(/^[0-9a-f]+\.\d+$/);
    expect(boot.api['/session']).toMatchObject({
      authMode: 'proxy',
      user: { id: 'ana', roles: ['analyst'] },
      session: null,
    });
    const list = boot.api['/services'] as { groups: { services: { id: string; description: string }[] }[] };
    expect(list.groups.flatMap((g) => g.services.map((s) => s.id))).toEqual(['trino']);
    expect(list.groups[0]!.services[0]!.description).toBe(HOSTILE);
    expect(boot.api['/services/favourites']).toEqual({ ids: [] });
  });

  it('answers exactly what the API answers the same caller', async () => {
    const boot = bootOf((await getFrom(app, '/home', '127.0.0.2', admin)).body)!;
    const api = JSON.parse((await getFrom(app, '/api/services', '127.0.0.2', admin)).body);
    expect(boot.api['/services']).toEqual(api);
    const session = JSON.parse((await getFrom(app, '/api/session', '127.0.0.2', admin)).body);
    expect(boot.api['/session']).toEqual(session);
    expect((api.groups[0].services as { id: string }[]).map((s) => s.id)).toEqual(['trino', 'admin-only']);
  });

  it('gives an anonymous caller (forged headers from an untrusted address) only the public session', async () => {
    const boot = bootOf((await getFrom(app, '/', '127.0.0.3', admin)).body)!;
    expect(boot.api['/session']).toMatchObject({ authMode: 'proxy', user: null });
    expect(boot.api).not.toHaveProperty('/services');
    expect(boot.api).not.toHaveProperty('/services/favourites');
  });

  it('adds nothing to requests that are not page navigations', async () => {
    const res = await getFrom(app, '/', '127.0.0.2', { ...analyst, Accept: '*/*' });
    expect(res.status).toBe(200);
    expect(withoutStyleNonce(res.body)).toBe(INDEX_HTML);
  });
});

describe('index.html boot data (authentication off)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      modules: [authModule, servicesModule],
      spa: { 'index.html': INDEX_HTML },
      config:
        'services:\n  groups:\n    - name: Data\n      services:\n        - { name: Trino, url: "http://127.0.0.1:9/", probe: false }\n',
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('carries the local administrator and every service', async () => {
    const boot = bootOf(await (await app.fetch('/', { headers: page })).text())!;
    expect(boot.api['/session']).toMatchObject({ authMode: 'none', user: { id: 'local', roles: ['admin'] } });
    expect(boot.api['/services']).toMatchObject({ groups: [{ services: [{ id: 'trino' }] }] });
  });
});
