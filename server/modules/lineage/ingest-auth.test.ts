import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { runEvent } from './test/events.ts';

const post = (app: TestApp, path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body instanceof Uint8Array ? body : JSON.stringify(body),
  });

describe('producer API keys', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      config:
        'lineage:\n  ingest:\n    bodyLimit: 1mb\n    keys:\n      - producer: dbt\n        key: ${DBT_LINEAGE_KEY}\n',
      env: { DBT_LINEAGE_KEY: 'dbt-key-0123456789abcdef' },
    });
  });
  afterAll(() => app?.close());

  it('accepts a configured key and records the producer', async () => {
    const event = runEvent({ job: 'keyed' });
    const res = await post(app, '/api/v1/lineage', event, {
      authorization: 'Bearer dbt-key-0123456789abcdef',
    });
    expect(res.status).toBe(201);
    const { rows } = await app.context.db.query('SELECT source FROM lineage_events WHERE run_id = $1', [
      event.run.runId,
    ]);
    expect(rows[0]?.source).toBe('http:dbt');
  });

  it.each([
    ['no key', {}],
    ['a wrong key', { authorization: 'Bearer wrong-key-0123456789abcdef' }],
    ['basic auth', { authorization: 'Basic ZGJ0OmtleQ==' }],
  ])('refuses %s with 401', async (_name, headers) => {
    const res = await post(app, '/api/v1/lineage', runEvent({ job: 'k' }), headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('refuses other content types (a cross-site form cannot post events)', async () => {
    const res = await app.fetch('/api/v1/lineage', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: 'Bearer dbt-key-0123456789abcdef' },
      body: JSON.stringify(runEvent({ job: 'k' })),
    });
    expect(res.status).toBe(415);
  });

  it('uses its own configurable body limit, independent of server.bodyLimit', async () => {
    const res = await post(app, '/api/v1/lineage/batch', Buffer.alloc(2 * 1024 * 1024, 32), {
      authorization: 'Bearer dbt-key-0123456789abcdef',
    });
    expect(res.status).toBe(413);
  });
});

describe('anonymous ingestion', () => {
  it.each([
    ['open with sign-in off (auth.mode none)', '', 201],
    ['closed with proxy sign-in and no keys', 'auth:\n  mode: proxy\n', 403],
    [
      'open with sign-in on when the operator opens it',
      'auth:\n  mode: proxy\nlineage:\n  ingest:\n    allowAnonymous: true\n',
      201,
    ],
  ])('is %s by default', async (_case, config, status) => {
    const app = await startTestApp({ config });
    try {
      const res = await post(app, '/api/v1/lineage', runEvent({ job: 'anon' }));
      expect(res.status).toBe(status);
    } finally {
      await app.close();
    }
  });

  it('is refused when allowAnonymous is false and no key is configured', async () => {
    const app = await startTestApp({ config: 'lineage:\n  ingest:\n    allowAnonymous: false\n' });
    try {
      const res = await post(app, '/api/v1/lineage', runEvent({ job: 'anon' }));
      expect(res.status).toBe(403);
    } finally {
      await app.close();
    }
  });

  it('accepts a 15 MB batch by default although server.bodyLimit is 10mb, and refuses 50 MB early', async () => {
    const app = await startTestApp();
    try {
      const pad = 'p'.repeat(1_000_000);
      const events = Array.from({ length: 15 }, (_, i) =>
        runEvent({
          job: `big${i}`,
          jobFacets: { doc: { _producer: 'https://p.org', _schemaURL: 'https://s.org', pad } },
        }),
      );
      const ok = await post(app, '/api/v1/lineage/batch', events);
      expect(ok.status).toBe(200);
      const started = performance.now();
      const huge = await post(app, '/api/v1/lineage/batch', Buffer.alloc(50 * 1024 * 1024, 32));
      expect(huge.status).toBe(413);
      expect(await huge.json()).toEqual({
        error: { code: 'payload_too_large', message: expect.stringMatching(/20 MB/) },
      });
      expect(performance.now() - started).toBeLessThan(20_000);
    } finally {
      await app.close();
    }
  });
});
