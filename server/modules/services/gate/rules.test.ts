import { describe, expect, it } from 'vitest';
import type { User } from '../../../platform/identity.ts';
import type { ServiceDef } from '../types.ts';
import { Gate, isPlainPath } from './rules.ts';

const service = (id: string, url: string, extra: Partial<ServiceDef> = {}): ServiceDef => ({
  id,
  name: id[0]!.toUpperCase() + id.slice(1),
  url,
  tags: [],
  roles: [],
  group: 'Lab',
  source: 'config',
  probe: null,
  ...extra,
});

const analyst: User = {
  id: 'ana',
  name: 'Ana Analyst',
  email: 'ana@lab.example',
  roles: ['analyst'],
  groups: ['lab-analysts'],
};
const admin: User = { id: 'adm', name: 'Ada', roles: ['admin'], groups: ['lab-admins', 'ops'] };

const gate = new Gate([
  service('trino', 'http://trino.lab.example/ui/', { access: { publicPaths: ['/v1/info'] } }),
  service('dagster', 'https://dagster.lab.example', { roles: ['admin', 'operator'] }),
  service('spark', 'http://spark.lab.example:8443/', { access: { roles: ['analyst'], headers: ['user'] } }),
  service('tools', 'http://tools.lab.example/public/', { access: { paths: ['/public'] } }),
  service('secrets', 'http://tools.lab.example/admin/', { roles: ['admin'], access: { paths: ['/admin'] } }),
  service('any-port', 'http://anyport.lab.example/', { access: { hosts: ['AnyPort.lab.example.'] } }),
]);

const decide = (user: User | undefined, url: string) => {
  const parsed = new URL(url);
  const raw = /^[a-z]+:\/\/[^/?#]+([^?#]*)/i.exec(url)![1] || '/';
  return gate.decide(user, parsed, raw);
};

describe('the forward-auth gate rules', () => {
  it('lets a signed-in user into a service for everyone, with identity headers from the session', () => {
    expect(decide(analyst, 'http://trino.lab.example/ui/query.html?x=1')).toEqual({
      kind: 'allow',
      service: expect.objectContaining({ id: 'trino' }),
      headers: {
        'X-Forwarded-User': 'ana',
        'X-Forwarded-Email': 'ana@lab.example',
        'X-Forwarded-Groups': 'lab-analysts',
        'X-Forwarded-Preferred-Username': 'ana',
      },
    });
  });

  it('asks the anonymous to sign in, except on public paths', () => {
    expect(decide(undefined, 'http://trino.lab.example/ui/').kind).toBe('sign-in');
    expect(decide(undefined, 'http://trino.lab.example/v1/info').kind).toBe('public');
    expect(decide(undefined, 'http://trino.lab.example/v1/info/state').kind).toBe('public');
    expect(decide(undefined, 'http://trino.lab.example/v1/infox').kind).toBe('sign-in');
  });

  it.each([
    '/v1/info/../ui/',
    '/v1/info/..;/ui/',
    '/v1/info/%2e%2e/ui/',
    '/v1/info%2F..%2Fui',
    '/v1/info/.;/ui',
    '/v1/info\\..\\ui',
  ])('never treats the unplain path %s as public', (path) => {
    expect(isPlainPath(path)).toBe(false);
    expect(decide(undefined, `http://trino.lab.example${path}`).kind).toBe('sign-in');
  });

  it('matches a host by its name on any port, or by name and port, and the longest path wins among both', () => {
    const mixed = new Gate([
      service('wiki', 'http://mix.lab.example/', { access: { hosts: ['mix.lab.example'] } }),
      service('ops', 'http://mix.lab.example:8080/ops/', { roles: ['admin'], access: { paths: ['/ops'] } }),
      service('other', 'http://other.lab.example:8080/'),
    ]);
    const owner = (url: string) => {
      const decision = mixed.decide(admin, new URL(url), new URL(url).pathname);
      return decision.kind === 'allow' ? decision.service.id : decision.kind;
    };
    expect(owner('http://mix.lab.example:8080/ops/x')).toBe('ops');
    expect(owner('http://mix.lab.example:8080/wiki')).toBe('wiki');
    expect(owner('http://mix.lab.example:9090/ops/x')).toBe('wiki');
    expect(owner('http://other.lab.example:8080/')).toBe('other');
    expect(owner('http://other.lab.example/')).toBe('unknown');
  });

  it("denies a user without the service's roles, names the roles, and lets admins in", () => {
    expect(decide(analyst, 'https://dagster.lab.example/runs')).toMatchObject({
      kind: 'deny',
      reason: 'Dagster needs one of the roles: admin, operator',
    });
    expect(decide(admin, 'https://dagster.lab.example/runs').kind).toBe('allow');
  });

  it('matches host and port: a rule with a port only that port, a default port the URL leaves out', () => {
    expect(decide(analyst, 'http://spark.lab.example:8443/jobs').kind).toBe('allow');
    expect(decide(analyst, 'http://spark.lab.example/jobs').kind).toBe('unknown');
    expect(decide(analyst, 'http://anyport.lab.example:9999/').kind).toBe('allow');
    expect(decide(analyst, 'https://dagster.lab.example:443/').kind).toBe('deny');
    expect(decide(analyst, 'http://evil.example/')).toEqual({
      kind: 'unknown',
      reason: 'No service declares the host evil.example',
    });
  });

  it('sends only the identity headers the rule asks for', () => {
    expect(decide(analyst, 'http://spark.lab.example:8443/')).toMatchObject({
      headers: { 'X-Forwarded-User': 'ana' },
    });
    expect(
      Object.keys((decide(admin, 'http://spark.lab.example:8443/') as { headers: object }).headers),
    ).toEqual(['X-Forwarded-User']);
  });

  it('picks the longest path prefix on a shared host, and a path no rule owns is unknown', () => {
    expect(decide(analyst, 'http://tools.lab.example/public/page').kind).toBe('allow');
    expect(decide(analyst, 'http://tools.lab.example/admin/page').kind).toBe('deny');
    expect(decide(analyst, 'http://tools.lab.example/other').kind).toBe('unknown');
  });

  it('makes an unplain path on a shared host pass every rule of that host', () => {
    expect(decide(analyst, 'http://tools.lab.example/public/..;/admin/').kind).toBe('deny');
    expect(decide(admin, 'http://tools.lab.example/public/..;/admin/').kind).toBe('allow');
  });

  it('percent-encodes header values a header cannot carry, and leaves out absent ones', () => {
    const user: User = { id: 'josé\r\nX-Evil: 1', name: 'José', roles: [] };
    expect(decide(user, 'http://trino.lab.example/ui/')).toMatchObject({
      headers: {
        'X-Forwarded-User': 'jos%C3%A9%0D%0AX-Evil%3A%201',
        'X-Forwarded-Preferred-Username': 'jos%C3%A9%0D%0AX-Evil%3A%201',
      },
    });
    const headers = (decide(user, 'http://trino.lab.example/ui/') as { headers: object }).headers;
    expect(headers).not.toHaveProperty('X-Forwarded-Email');
    expect(headers).not.toHaveProperty('X-Forwarded-Groups');
  });

  it('owns the http(s) URLs of its hosts only (where a sign-in may return)', () => {
    expect(gate.owns(new URL('http://trino.lab.example/ui/'))).toBe(true);
    expect(gate.owns(new URL('https://dagster.lab.example/x'))).toBe(true);
    expect(gate.owns(new URL('http://spark.lab.example/'))).toBe(false);
    expect(gate.owns(new URL('http://lab.example/'))).toBe(false);
    expect(gate.owns(new URL('javascript://trino.lab.example/%0aalert(1)'))).toBe(false);
  });
});
