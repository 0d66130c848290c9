import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverModules } from '../modules/index.ts';
import { apiClient, startTestApp, type TestApp } from '../test/harness.ts';
import type { ApiErrorBody } from './contract.ts';
import { type Labdeck, startLabdeck } from './runtime.ts';

describe('the BFF platform over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('answers unknown /api paths with the JSON error shape and 404', async () => {
    const res = await app.fetch('/api/nope', { headers: { Accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No API route for GET /nope' } });
  });

  it('rejects a malformed JSON body with 400 in the same shape', async () => {
    const res = await apiClient(app.url).request('/api/nope', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ApiErrorBody).error.code).toBe('bad_request');
  });

  it('serves liveness, readiness and Prometheus metrics', async () => {
    expect((await app.fetch('/healthz')).status).toBe(200);
    expect(await (await app.fetch('/readyz')).json()).toMatchObject({ status: 'ready', database: 'up' });
    const metrics = await (await app.fetch('/metrics')).text();
    expect(metrics).toContain('labdeck_http_request_duration_seconds_bucket');
    expect(metrics).toContain('labdeck_process_cpu_user_seconds_total');
  });

  it('echoes a safe X-Request-Id and replaces an unsafe one', async () => {
    expect(
      (await app.fetch('/healthz', { headers: { 'X-Request-Id': 'abc-123' } })).headers.get('x-request-id'),
    ).toBe('abc-123');
    const replaced = (
      await app.fetch('/healthz', { headers: { 'X-Request-Id': 'a b<script>' } })
    ).headers.get('x-request-id');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records its migrations', async () => {
    const { rows } = await app.context.db.query<{ id: string }>(
      'SELECT id FROM labdeck_migrations ORDER BY id',
    );
    expect(rows.map((row) => row.id)).toContain('platform/001_platform.sql');
  });
});

describe('the built SPA', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      spa: {
        'index.html': '<!doctype html><html><head></head><body></body></html>',
        'assets/app-1234.js': 'console.log(1)',
      },
    });
  });
  afterAll(() => app.close());

  it('answers a missing asset with 404 in the JSON error shape, without naming the file on disk', async () => {
    expect((await app.fetch('/assets/app-1234.js')).status).toBe(200);
    for (const missing of ['/assets/app-9999.js', '/assets/nope.png', '/assets/']) {
      const res = await app.fetch(missing);
      expect(res.status, missing).toBe(404);
      const text = await res.text();
      expect(JSON.parse(text), missing).toEqual({ error: { code: 'not_found', message: 'Not found' } });
      expect(text).not.toContain('/spa/');
    }
  });
});

describe('live events over SSE', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('delivers subscribed topics only, and resumes after Last-Event-ID', async () => {
    const first = await openStream(app, '/api/events?topics=alpha');
    await first.next('hello');
    app.context.bus.publish({ topic: 'beta', type: 'ignored', data: {} });
    app.context.bus.publish({ topic: 'alpha', type: 'changed', data: { n: 1 } });
    const delivered = await first.next('message');
    expect(JSON.parse(delivered.data)).toEqual({ topic: 'alpha', type: 'changed', data: { n: 1 } });
    first.close();

    app.context.bus.publish({ topic: 'alpha', type: 'changed', data: { n: 2 } });
    app.context.bus.publish({ topic: 'alpha', type: 'changed', data: { n: 3 } });
    const resumed = await openStream(app, '/api/events?topics=alpha', { 'Last-Event-ID': delivered.id });
    expect(JSON.parse((await resumed.next('message')).data).data).toEqual({ n: 2 });
    expect(JSON.parse((await resumed.next('message')).data).data).toEqual({ n: 3 });
    resumed.close();
  });

  it('tells a client from another process to reset', async () => {
    const stream = await openStream(app, '/api/events', { 'Last-Event-ID': 'deadbeef.5' });
    expect((await stream.next()).event).toBe('reset');
    stream.close();
  });
});

describe('the embedded PostgreSQL', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'labdeck-embedded-'));
  const start = () =>
    startLabdeck({
      modules: serverModules,
      cwd,
      env: { PORT: '0', LABDECK_CONFIG: '' },
      log: pino({ level: 'silent' }),
    });
  let labdeck: Labdeck;
  beforeAll(async () => {
    labdeck = await start();
  });
  afterAll(() => labdeck?.close());

  it('keeps its data across a Labdeck restart', async () => {
    await labdeck.context.db.query(
      "INSERT INTO user_preferences (user_id, key, value) VALUES ('u1', 'density', '\"compact\"')",
    );
    await labdeck.close();
    labdeck = await start();
    const { rows } = await labdeck.context.db.query(
      "SELECT value FROM user_preferences WHERE user_id = 'u1'",
    );
    expect(rows).toEqual([{ value: 'compact' }]);
  });

  it('turns /readyz 503 while the embedded PostgreSQL is stopped and 200 once it is back', async () => {
    const ready = () => fetch(`${labdeck.url}/readyz`).then((res) => res.status);
    expect(await ready()).toBe(200);
    await labdeck.embedded!.stop();
    expect(await ready()).toBe(503);
    expect((await fetch(`${labdeck.url}/healthz`)).status).toBe(200);
    await labdeck.embedded!.start();
    expect(await ready()).toBe(200);
  });
});

interface SseFrame {
  event: string;
  id: string;
  data: string;
}

async function openStream(app: TestApp, url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await app.fetch(url, { headers, signal: controller.signal });
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  async function next(event?: string): Promise<SseFrame> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const frame: SseFrame = { event: 'message', id: '', data: '' };
        let hasData = false;
        for (const line of block.split('\n')) {
          const [field, ...rest] = line.split(': ');
          const value = rest.join(': ');
          if (field === 'event') frame.event = value;
          if (field === 'id') frame.id = value;
          if (field === 'data') {
            frame.data = value;
            hasData = true;
          }
        }
        if (hasData && (!event || frame.event === event)) return frame;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += value;
    }
  }
  return { next, close: () => controller.abort() };
}
