import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startTestApp, type TestApp } from '../../test/harness.ts';

/** A response body as JSON, for assertions that walk it freely. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
const json = (res: Response): Promise<any> => res.json();

describe('authentication off (mode none, the default)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ config: 'auth:\n  rateLimit:\n    writesPerMinute: 3\n' });
  });
  afterAll(() => app?.close());

  it('makes everyone the local administrator and says that authentication is off', async () => {
    const session = await json(await app.fetch('/api/session'));
    expect(session).toMatchObject({
      authMode: 'none',
      user: { id: 'local', roles: ['admin'] },
      providers: [],
    });
    expect((await app.fetch('/api/admin/audit')).status).toBe(200);
  });

  it('sends security headers with a CSP that lets Monaco and ELK workers run', async () => {
    const res = await app.fetch('/api/session');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toMatch(/style-src-elem 'self' 'nonce-[A-Za-z0-9+/=]{24}';/);
    expect(csp).toContain("style-src-attr 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("img-src 'self' data: blob: https: http:");
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('rate-limits API writes with a JSON 429', async () => {
    const client = apiClient(app.url);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await client.post('/api/auth/logout')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await json(await client.post('/api/auth/logout'))).error.code).toBe('rate_limited');
  });

  it('records audit entries for other modules through audit()', async () => {
    const { audit } = await import('../../platform/audit.ts');
    await audit(app.context, null, 'jobs.trigger', { job: 'nightly' }, { id: 'local', name: 'Local user' });
    const log = await json(await app.fetch('/api/admin/audit?action=jobs.trigger'));
    expect(log.items[0]).toMatchObject({
      userId: 'local',
      action: 'jobs.trigger',
      details: { job: 'nightly' },
    });
    await expect(audit(app.context, null, 'Bad Action!')).rejects.toThrow(/invalid action/);
  });
});

describe('refusing to expose an unauthenticated Labdeck', () => {
  it('will not listen beyond loopback with auth off, naming the fix', async () => {
    await expect(startTestApp({ env: { HOST: '0.0.0.0' } })).rejects.toThrow(
      /auth\.mode.*loopback only.*allowRemoteWithoutAuth/s,
    );
  });

  it('does when the operator explicitly allows it', async () => {
    const app = await startTestApp({
      config: 'auth:\n  allowRemoteWithoutAuth: true\n',
      env: { HOST: '0.0.0.0' },
    });
    try {
      expect((await app.fetch('/api/session')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('rejects an oidc config without providers at start', async () => {
    await expect(startTestApp({ config: 'auth:\n  mode: oidc\n' })).rejects.toThrow(
      /auth\.providers.*at least one provider/,
    );
  });
});

describe('housekeeping', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ config: 'auth:\n  auditRetentionDays: 30\n' });
  });
  afterAll(() => app?.close());

  it('drops audit entries past retention, stale sign-in flows and long-ended sessions', async () => {
    const { db } = app.context;
    await db.query(
      `INSERT INTO audit_log (action, at) VALUES ('old.entry', now() - interval '31 days'), ('new.entry', now())`,
    );
    await db.query(
      `INSERT INTO auth_login_flows (state, browser_hash, provider, nonce, code_verifier, return_to, created_at)
       VALUES ('s1', 'b', 'lab', 'n', 'v', '/', now() - interval '1 hour')`,
    );
    await db.query(
      `INSERT INTO auth_sessions (id_hash, public_id, user_id, user_name, expires_at, revoked_at)
       VALUES ('h1', 'p1', 'ana', 'Ana', now() + interval '1 hour', now() - interval '2 days')`,
    );
    const { createAuthStore } = await import('./store.ts');
    await createAuthStore(db).sweep(30);
    const left = await db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM audit_log WHERE action LIKE '%.entry')::int
            + (SELECT count(*) FROM auth_login_flows)::int + (SELECT count(*) FROM auth_sessions)::int AS n`,
    );
    expect(left.rows[0]!.n).toBe(1);
  });
});
