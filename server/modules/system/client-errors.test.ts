import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Labdeck, startLabdeck } from '../../platform/runtime.ts';
import { apiClient, createDatabase, proxyAuthYaml, userClient } from '../../test/harness.ts';
import { serverModules } from '../index.ts';
import { CLIENT_ERRORS_PER_MINUTE } from './index.ts';

/** Labdeck with sign-in on (forward-auth headers) and a logger whose warnings the test reads. */
async function startWithLog(lines: Record<string, unknown>[]): Promise<Labdeck> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'labdeck-system-'));
  writeFileSync(path.join(cwd, 'labdeck.yaml'), proxyAuthYaml());
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return startLabdeck({
    modules: serverModules,
    cwd,
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: await createDatabase(inject('postgresUrl')),
      LABDECK_CONFIG: path.join(cwd, 'labdeck.yaml'),
    },
    log: pino({ level: 'warn' }, sink),
  });
}

const report = {
  message: 'Cannot read properties of undefined (reading "nodes")',
  component: 'GraphCanvas',
  panel: 'Lineage graph',
  route: '/lineage?node=dataset:pg:orders',
  stack: 'TypeError: Cannot read properties of undefined\n    at setup (GraphCanvas.vue:12:3)',
};

describe('POST /api/client-errors', () => {
  let app: Labdeck;
  const logged: Record<string, unknown>[] = [];
  const reportsOf = (userId: string) =>
    logged.filter((line) => line.msg === 'SPA panel failed' && line.userId === userId);
  beforeAll(async () => {
    app = await startWithLog(logged);
  });
  afterAll(() => app?.close());

  it('logs a report at warn with the user id and answers without echoing it', async () => {
    const ana = userClient(app.url, { id: 'ana', groups: ['lab-analysts'] });
    const res = await ana.post('/api/client-errors', report);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(reportsOf('ana')).toEqual([expect.objectContaining({ level: 40, clientError: report })]);
  });

  it.each([
    ['no message', { ...report, message: undefined }, 'body.message'],
    ['a message over 2 kB', { ...report, message: 'x'.repeat(2049) }, 'body.message'],
    ['a stack over 8 kB', { ...report, stack: 'x'.repeat(8193) }, 'body.stack'],
    ['no component', { ...report, component: '' }, 'body.component'],
    ['an unknown field', { ...report, cookie: 'labdeck_session=abc' }, 'body'],
  ])('refuses %s with 400', async (_case, body, where) => {
    const bob = userClient(app.url, { id: 'bob', groups: ['lab-analysts'] });
    const res = await bob.post('/api/client-errors', body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe('bad_request');
    expect(answer.error.message).toMatch(new RegExp(`^${where.replace('.', '\\.')}`));
    expect(reportsOf('bob')).toEqual([]);
  });

  it('refuses an anonymous caller with 401', async () => {
    const res = await apiClient(app.url).post('/api/client-errors', report);
    expect(res.status).toBe(401);
  });

  it(`limits each user to ${CLIENT_ERRORS_PER_MINUTE} reports a minute`, async () => {
    const carl = userClient(app.url, { id: 'carl', groups: ['lab-analysts'] });
    const statuses: number[] = [];
    for (let i = 0; i <= CLIENT_ERRORS_PER_MINUTE; i++)
      statuses.push((await carl.post('/api/client-errors', report)).status);
    expect(statuses.slice(0, CLIENT_ERRORS_PER_MINUTE).every((s) => s === 204)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(reportsOf('carl')).toHaveLength(CLIENT_ERRORS_PER_MINUTE);
    const dana = userClient(app.url, { id: 'dana', groups: ['lab-analysts'] });
    expect((await dana.post('/api/client-errors', report)).status).toBe(204);
  });
});
