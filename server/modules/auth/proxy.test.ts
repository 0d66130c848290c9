import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressList, isTrustedPeer, parseCidr } from '../../platform/net.ts';
import { startTestApp, type TestApp } from '../../test/harness.ts';

/** GET from a chosen loopback source address (Linux routes all of 127.0.0.0/8 to lo). */
function getFrom(app: TestApp, path: string, localAddress: string, headers: Record<string, string> = {}) {
  const url = new URL(path, app.url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, localAddress, headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const analystHeaders = {
  'X-Forwarded-User': 'ana',
  'X-Forwarded-Email': 'ana@lab.example',
  'X-Forwarded-Groups': 'lab-analysts',
};
const adminHeaders = {
  'Remote-User': 'adm',
  'Remote-Name': 'Ada Admin',
  'Remote-Groups': 'staff,lab-admins',
};

describe('forward-auth proxy mode', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      config: [
        'auth:',
        '  mode: proxy',
        '  proxy:',
        '    trustedProxies: [127.0.0.2/32, "fd00::/8"]',
        '  roles:',
        '    admin: [lab-admins]',
        '    analyst: [lab-analysts]',
      ].join('\n'),
    });
  });
  afterAll(() => app?.close());

  it('takes the identity from a trusted proxy address', async () => {
    const res = await getFrom(app, '/api/session', '127.0.0.2', analystHeaders);
    expect(JSON.parse(res.body)).toMatchObject({
      authMode: 'proxy',
      user: { id: 'ana', name: 'ana', email: 'ana@lab.example', roles: ['analyst'] },
    });
    expect((await getFrom(app, '/api/system', '127.0.0.2', analystHeaders)).status).toBe(200);
    const admin = JSON.parse((await getFrom(app, '/api/session', '127.0.0.2', adminHeaders)).body);
    expect(admin.user).toMatchObject({ id: 'adm', name: 'Ada Admin', roles: ['admin'] });
  });

  it('ignores forged headers from an untrusted address', async () => {
    const forged = await getFrom(app, '/api/session', '127.0.0.3', adminHeaders);
    expect(JSON.parse(forged.body).user).toBeNull();
    expect((await getFrom(app, '/api/system', '127.0.0.3', adminHeaders)).status).toBe(401);
    expect((await getFrom(app, '/api/admin/audit', '127.0.0.3', adminHeaders)).status).toBe(401);
    expect(
      (
        await getFrom(app, '/api/admin/audit', '127.0.0.1', {
          ...adminHeaders,
          'X-Forwarded-For': '127.0.0.2',
        })
      ).status,
    ).toBe(401);
  });

  it('enforces roles per proxied user', async () => {
    expect((await getFrom(app, '/api/admin/sessions', '127.0.0.2', analystHeaders)).status).toBe(403);
    expect((await getFrom(app, '/api/admin/sessions', '127.0.0.2', adminHeaders)).status).toBe(200);
  });

  it('treats a trusted request without a user header as anonymous', async () => {
    expect((await getFrom(app, '/api/system', '127.0.0.2')).status).toBe(401);
  });
});

describe('trusted proxy CIDR matching', () => {
  it.each([
    ['10.0.0.0/8', '10.200.3.4', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.0.0.0/8', '::ffff:10.1.2.3', true],
    ['192.168.1.7', '192.168.1.7', true],
    ['192.168.1.7', '192.168.1.8', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['fd00::/8', 'fd12:3456::1', true],
    ['fd00::/8', 'fe80::1', false],
    ['::1/128', '::1', true],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
  ])('%s contains %s: %s', (cidr, address, expected) => {
    expect(isTrustedPeer(addressList([cidr]), address)).toBe(expected);
  });

  it.each(['10.0.0.0/33', 'fd00::/129', 'not-an-ip', '10.0.0.1/8/1', '10.0.0.0/-1', '300.1.1.1'])(
    'rejects %s',
    (cidr) => {
      expect(typeof parseCidr(cidr)).toBe('string');
      expect(() => addressList([cidr])).toThrow();
    },
  );

  it('trusts nobody for a missing peer address', () => {
    expect(isTrustedPeer(addressList(['0.0.0.0/0']), undefined)).toBe(false);
  });
});
