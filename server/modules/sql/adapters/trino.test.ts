import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySessionHeaders, createTrinoEngine, trinoConnection } from './trino.ts';
import { type Column, EngineUnreachableError, type RunSink, type TabSession } from './types.ts';

// A fake Trino coordinator: enough of the protocol to test what the real lab server cannot show
// (spooled segments need S3, 503s need an overloaded coordinator).
type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;
let handler: Handler;
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const json = (res: http.ServerResponse, doc: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(doc));
};
const engine = (extra: Record<string, unknown> = {}) =>
  createTrinoEngine(
    trinoConnection.parse({ id: 't', engine: 'trino', url: base, ...extra }),
    pino({ level: 'silent' }),
  );
const user = { id: 'u1', name: 'ada', roles: [] };

function collect() {
  const rows: unknown[][] = [];
  let columns: Column[] = [];
  const sink: RunSink = {
    started() {},
    progress() {},
    columns: (c) => {
      columns = c;
    },
    rows: (batch) => void rows.push(...batch),
  };
  return { sink, rows, columns: () => columns };
}

describe('Trino client', () => {
  it('follows nextUri, retries 503, and decodes inline and spooled json segments', async () => {
    seen.length = 0;
    let polls = 0;
    handler = (req, _body, res) => {
      if (req.method === 'POST')
        return json(res, { id: 'q1', nextUri: `${base}/v1/statement/q1/1`, stats: { state: 'QUEUED' } });
      if (req.url === '/segment/2') return json(res, [[3, 'c']]);
      if (req.url === '/ack/2') return json(res, {});
      if (++polls === 1) {
        res.writeHead(503);
        return res.end();
      }
      json(res, {
        id: 'q1',
        columns: [
          { name: 'n', type: 'integer' },
          { name: 's', type: 'varchar' },
        ],
        data: {
          encoding: 'json',
          segments: [
            {
              type: 'inline',
              data: Buffer.from(
                JSON.stringify([
                  [1, 'a'],
                  [2, 'b'],
                ]),
              ).toString('base64'),
              metadata: {},
            },
            {
              type: 'spooled',
              uri: `${base}/segment/2`,
              ackUri: `${base}/ack/2`,
              headers: { 'x-seg': ['k'] },
              metadata: {},
            },
          ],
        },
        stats: { state: 'FINISHED' },
      });
    };
    const out = collect();
    const outcome = await engine({ spooling: true }).run(
      { sql: 'select 1;', user, session: {}, signal: new AbortController().signal, maxRows: 100 },
      out.sink,
    );
    expect(outcome).toMatchObject({ state: 'finished', rows: 3, queryId: 'q1' });
    expect(out.rows).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    const post = seen.find((s) => s.method === 'POST')!;
    // The stable login, never the display name: Trino's access control and query history key on it.
    expect(post.headers['x-trino-user']).toBe('u1');
    expect(post.headers['x-trino-source']).toBe('labdeck');
    expect(post.headers['x-trino-query-data-encoding']).toBe('json');
    expect(seen.find((s) => s.url === '/segment/2')!.headers['x-seg']).toBe('k');
    await expect.poll(() => seen.some((s) => s.url === '/ack/2')).toBe(true);
  });

  it('keeps the error location for the editor', async () => {
    handler = (_req, _body, res) =>
      json(res, {
        id: 'q2',
        error: {
          message: "line 2:3: mismatched input 'x'",
          errorName: 'SYNTAX_ERROR',
          errorLocation: { lineNumber: 2, columnNumber: 3 },
        },
      });
    const outcome = await engine().run(
      { sql: 'x', user, session: {}, signal: new AbortController().signal, maxRows: 10 },
      collect().sink,
    );
    expect(outcome.error).toEqual({
      message: "line 2:3: mismatched input 'x'",
      code: 'SYNTAX_ERROR',
      line: 2,
      column: 3,
    });
  });

  it('cancels with DELETE on nextUri when aborted', async () => {
    seen.length = 0;
    handler = (req, _body, res) => {
      if (req.method === 'DELETE') {
        res.writeHead(204);
        return res.end();
      }
      // Long-poll that never finishes on its own.
      setTimeout(
        () => json(res, { id: 'q3', nextUri: `${base}/v1/statement/q3/2`, stats: { state: 'RUNNING' } }),
        50,
      );
    };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const outcome = await engine().run(
      { sql: 'slow', user, session: {}, signal: controller.signal, maxRows: 10 },
      collect().sink,
    );
    expect(outcome.state).toBe('cancelled');
    expect(seen.some((s) => s.method === 'DELETE' && s.url.startsWith('/v1/statement/q3/'))).toBe(true);
  });

  it('sends the tab session and applies Set/Clear headers to it only', async () => {
    seen.length = 0;
    handler = (_req, _body, res) =>
      json(
        res,
        { id: 'q4', stats: { state: 'FINISHED' } },
        { 'x-trino-set-catalog': 'memory', 'x-trino-set-schema': 'default' },
      );
    const session: TabSession = { catalog: 'tpch', schema: 'tiny', properties: { query_max_run_time: '1h' } };
    const outcome = await engine().run(
      { sql: 'USE memory.default', user, session, signal: new AbortController().signal, maxRows: 10 },
      collect().sink,
    );
    const post = seen[0]!;
    expect(post.headers['x-trino-catalog']).toBe('tpch');
    expect(post.headers['x-trino-schema']).toBe('tiny');
    expect(post.headers['x-trino-session']).toBe('query_max_run_time=1h');
    expect(outcome.session).toMatchObject({ catalog: 'memory', schema: 'default' });
    expect(session.catalog).toBe('tpch'); // the caller's copy is untouched
  });
});

describe('Trino gone', () => {
  it('fails a running query fast with TRINO_UNREACHABLE when the coordinator goes away, and metadata with EngineUnreachableError', async () => {
    // Accepts the query, then every poll finds the connection reset: what a killed coordinator looks like.
    handler = (req, _body, res) => {
      if (req.method === 'POST')
        return json(res, { id: 'q9', nextUri: `${base}/v1/statement/q9/1`, stats: { state: 'RUNNING' } });
      res.socket?.resetAndDestroy();
    };
    const started = Date.now();
    const outcome = await engine().run(
      { sql: 'select 1', user, session: {}, signal: new AbortController().signal, maxRows: 10 },
      collect().sink,
    );
    expect(outcome).toMatchObject({ state: 'failed', queryId: 'q9', error: { code: 'TRINO_UNREACHABLE' } });
    expect(outcome.error?.message).toMatch(/^Trino at http:\/\/127\.0\.0\.1:\d+ is unreachable: /);
    expect(Date.now() - started).toBeLessThan(5_000);
    handler = (_req, _body, res) => res.socket?.resetAndDestroy();
    await expect(engine().metadata([], user)).rejects.toBeInstanceOf(EngineUnreachableError);
  });
});

describe('applySessionHeaders', () => {
  it('sets and clears session properties, prepared statements and transactions', () => {
    const s: TabSession = { properties: { a: '1', b: '2' } };
    applySessionHeaders(s, {
      'x-trino-set-session': 'c=x%2Cy, d=4',
      'x-trino-clear-session': 'a',
      'x-trino-added-prepare': 'q1=SELECT%201',
      'x-trino-started-transaction-id': 'tx1',
    });
    expect(s).toEqual({
      properties: { b: '2', c: 'x,y', d: '4' },
      prepared: { q1: 'SELECT 1' },
      transactionId: 'tx1',
    });
    applySessionHeaders(s, { 'x-trino-deallocated-prepare': 'q1', 'x-trino-clear-transaction-id': 'true' });
    expect(s.prepared).toEqual({});
    expect(s.transactionId).toBeUndefined();
  });
});
