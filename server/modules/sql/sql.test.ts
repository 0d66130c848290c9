import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiClient, apiClient, createDatabase, startTestApp, type TestApp } from '../../test/harness.ts';
import { endOf, type Json, readRun, rowCount } from './test/run.ts';

let app: TestApp;
let client: ApiClient;
let admin: pg.Client;
const run = (sql: string, extra: Record<string, unknown> = {}) =>
  client.post('/api/sql/run', { connectionId: 'sample', sql, tabId: 'tab1', ...extra });

beforeAll(async () => {
  // A writable database of its own, as a team's warehouse connection would be.
  const scratchUrl = await createDatabase(inject('postgresUrl'));
  app = await startTestApp({
    config: [
      'sql:',
      '  previewRows: 2000000',
      '  sample:',
      '    enabled: true',
      '    database: labdeck_sample_test',
      '  connections:',
      '    - id: scratch',
      '      name: Scratch',
      '      engine: postgres',
      `      url: ${scratchUrl}`,
      '      statementTimeoutMs: 1500',
    ].join('\n'),
  });
  client = apiClient(app.url);
  admin = new pg.Client({ connectionString: app.databaseUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await app?.close();
});

describe('connections', () => {
  it('lists connections (the sample too) without any credentials', async () => {
    const res = await client.get('/api/sql/connections');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    const postgres = {
      engine: 'postgres',
      dialect: 'postgresql',
      capabilities: { sessions: false, cancel: true, progress: false, explain: true, catalogs: false },
    };
    expect(body.connections).toEqual([
      { id: 'scratch', name: 'Scratch', readOnly: false, ...postgres },
      { id: 'sample', name: 'Sample (PostgreSQL)', readOnly: true, ...postgres },
    ]);
    expect(JSON.stringify(body)).not.toMatch(/postgres:\/\/|password/i);
  });

  it('refuses unknown connections and bad bodies with a clear error', async () => {
    const res = await client.post('/api/sql/run', { connectionId: 'nope', sql: 'select 1', tabId: 't' });
    expect(res.status).toBe(404);
    const bad = await client.post('/api/sql/run', { connectionId: 'sample', sql: '', tabId: 't' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error.message).toMatch(/sql: SQL is empty/);
  });
});

describe('PostgreSQL runs', () => {
  it('streams a result with columns, rows and an end line', async () => {
    const lines = await readRun(
      await run('SELECT customer_id, name, attributes FROM customers ORDER BY 1 LIMIT 5;'),
    );
    expect(lines[0]!.t).toBe('start');
    expect(lines.find((l) => l.t === 'columns')!.columns).toEqual([
      { name: 'customer_id', type: 'integer' },
      { name: 'name', type: 'text' },
      { name: 'attributes', type: 'jsonb' },
    ]);
    expect(rowCount(lines)).toBe(5);
    expect(endOf(lines)).toMatchObject({ state: 'finished', rows: 5, truncated: false });
  });

  it('the sample is read-only and cannot see Labdeck tables', async () => {
    const write = endOf(await readRun(await run('CREATE TABLE evil (id int)')));
    expect(write.state).toBe('failed');
    const own = endOf(await readRun(await run('SELECT * FROM sql_history')));
    expect(own.error?.message).toMatch(/does not exist/);
    const files = endOf(await readRun(await run("SELECT pg_read_file('/etc/passwd')")));
    expect(files.error?.message).toMatch(/permission denied/);
    const temp = endOf(await readRun(await run('CREATE TEMP TABLE t AS SELECT 1')));
    expect(temp.state).toBe('failed');
  });

  it('marks a syntax error at its line and column', async () => {
    const end = endOf(await readRun(await run('SELECT 1,\n  2 FORM orders')));
    expect(end.state).toBe('failed');
    // PostgreSQL reads `2 FORM` as `2 AS form`, so the error is at `orders`.
    expect(end.error).toMatchObject({ line: 2, column: 10, code: '42601' });
  });

  it('stops cleanly at the preview cap', async () => {
    const end = endOf(
      await readRun(await run('SELECT g FROM generate_series(1, 100000) g', { maxRows: 1234 })),
    );
    expect(end).toMatchObject({ state: 'finished', rows: 1234, truncated: true });
  });

  it('cancels a long pg_sleep, which leaves pg_stat_activity', async () => {
    const res = await run('SELECT pg_sleep(60)');
    let runId = '';
    const started = Date.now();
    const lines = await readRun(res, (line) => {
      if (line.t === 'start') runId = line.runId as string;
      if (line.t === 'query') setTimeout(() => void client.post(`/api/sql/runs/${runId}/cancel`), 300);
    });
    expect(endOf(lines).state).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect.poll(() => sleepers(), { timeout: 5_000 }).toBe(0);
  });

  it('cancels the query when the client goes away', async () => {
    const res = await run('SELECT pg_sleep(61)', { tabId: 'tab2' });
    const reader = res.body!.getReader();
    await reader.read();
    await expect.poll(() => sleepers(61), { timeout: 5_000 }).toBe(1);
    await reader.cancel(); // the browser tab closes
    await expect.poll(() => sleepers(61), { timeout: 10_000 }).toBe(0);
    const { items } = (await (await client.get('/api/sql/history?q=pg_sleep(61)')).json()) as Json;
    await expect
      .poll(async () => (await getJson('/api/sql/history?q=pg_sleep(61)')).items[0].state)
      .toBe('cancelled');
    expect(items).toHaveLength(1);
  });

  it('streams 1,000,000 rows while BFF memory stays bounded', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const lines = await readRun(
      await run("SELECT g, g * 2, 'row ' || g, now(), g % 7 = 0 FROM generate_series(1, 1000000) g"),
    );
    clearInterval(timer);
    expect(rowCount(lines)).toBe(1_000_000);
    expect(endOf(lines)).toMatchObject({ state: 'finished', rows: 1_000_000, truncated: false });
    // Test client and BFF share this process: the client keeps only counts, so growth is the BFF's.
    expect((peak - before) / 2 ** 20).toBeLessThan(150);
  }, 120_000);
});

const getJson = async (path: string): Promise<Json> => (await client.get(path)).json();

async function sleepers(seconds = 60): Promise<number> {
  const { rows } = await admin.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1 AND state = 'active'`,
    [`SELECT pg_sleep(${seconds})`],
  );
  return rows[0].n;
}

describe('writable connection', () => {
  const onScratch = (sql: string) =>
    client.post('/api/sql/run', { connectionId: 'scratch', sql, tabId: 'w' });

  it('runs DDL and DML with affected-row counts, and refreshed metadata shows new tables', async () => {
    const before = (await getJson('/api/sql/connections/scratch/metadata?catalog=x&schema=public')).items;
    expect(before).toEqual([]);
    expect(endOf(await readRun(await onScratch('CREATE TABLE notes (id int, body text)'))).state).toBe(
      'finished',
    );
    const insert = endOf(
      await readRun(await onScratch("INSERT INTO notes SELECT g, 'n' || g FROM generate_series(1, 3) g")),
    );
    expect(insert).toMatchObject({ state: 'finished', updateCount: 3 });
    const cached = (await getJson('/api/sql/connections/scratch/metadata?catalog=x&schema=public')).items;
    expect(cached).toEqual([]);
    const fresh = (await getJson('/api/sql/connections/scratch/metadata?catalog=x&schema=public&refresh=1'))
      .items;
    expect(fresh).toEqual([{ name: 'notes', kind: 'table' }]);
  });

  it('stops statements at the connection statement timeout', async () => {
    const end = endOf(await readRun(await onScratch('SELECT pg_sleep(5)')));
    expect(end.state).toBe('failed');
    expect(end.error?.message).toMatch(/statement timeout/);
  });

  it('explains with EXPLAIN ANALYZE as JSON, rolling back writes', async () => {
    const lines = await readRun(
      await client.post('/api/sql/run', {
        connectionId: 'scratch',
        sql: 'DELETE FROM notes',
        tabId: 'w',
        mode: 'explain',
      }),
    );
    expect(lines[0]).toMatchObject({ t: 'start', explain: 'pg-json' });
    const plan = JSON.parse(String((lines.find((l) => l.t === 'rows')!.first as unknown[])[0]));
    expect(plan[0].Plan['Node Type']).toBe('ModifyTable');
    const count = await readRun(await onScratch('SELECT count(*) FROM notes'));
    expect(count.find((l) => l.t === 'rows')!.first).toEqual(['3']);
  });

  it('places an EXPLAIN error on the line of the statement', async () => {
    const end = endOf(
      await readRun(
        await client.post('/api/sql/run', {
          connectionId: 'scratch',
          sql: 'SELECT\n  nope',
          tabId: 'w',
          mode: 'explain',
        }),
      ),
    );
    expect(end.error).toMatchObject({ line: 2, column: 3 });
  });
});

describe('metrics', () => {
  it('counts runs by engine and state, and rows streamed', async () => {
    const text = await (await app.fetch('/metrics')).text();
    expect(text).toMatch(/labdeck_sql_runs_total\{engine="postgres",kind="run",state="cancelled"\} [1-9]/);
    expect(text).toMatch(/labdeck_sql_rows_total\{engine="postgres",kind="run"\} [1-9]\d{6}/);
    expect(text).toMatch(/labdeck_sql_running 0/);
  });
});

describe('export', () => {
  it('streams the full result as CSV with no cap', async () => {
    const created = await client.post('/api/sql/exports', {
      connectionId: 'sample',
      sql: "SELECT g AS n, 'a,\"b' AS s, NULL AS z FROM generate_series(1, 30000) g",
      format: 'csv',
    });
    expect(created.status).toBe(201);
    const { url } = (await created.json()) as Json;
    const res = await client.get(url);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="sample-.*\.csv"/);
    const text = await res.text();
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('n,s,z');
    expect(lines[1]).toBe('1,"a,""b",');
    expect(lines).toHaveLength(30_001);
    expect((await client.get(url)).status).toBe(404); // one download per link
  });

  it('answers a failing export with the error instead of a file', async () => {
    const { url } = (await (
      await client.post('/api/sql/exports', { connectionId: 'sample', sql: 'SELEC 1', format: 'jsonl' })
    ).json()) as Json;
    const res = await client.get(url);
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.message).toMatch(/syntax error/);
  });
});

describe('tabs, history and saved queries', () => {
  it('keeps tabs per user', async () => {
    expect(
      (
        await client.put('/api/sql/tabs/a1', {
          title: 'Orders',
          connectionId: 'sample',
          sql: 'select 1',
          position: 0,
        })
      ).status,
    ).toBe(204);
    const { tabs } = (await (await client.get('/api/sql/tabs')).json()) as Json;
    expect(tabs).toMatchObject([{ id: 'a1', title: 'Orders', sql: 'select 1' }]);
    expect(
      (await client.put('/api/sql/tabs/bad%20id', { title: 'x', connectionId: null, sql: '', position: 0 }))
        .status,
    ).toBe(400);
    expect((await client.delete('/api/sql/tabs/a1')).status).toBe(204);
  });

  it('records every run with its outcome and finds it by text', async () => {
    const { items } = (await (await client.get('/api/sql/history?q=FORM%20orders')).json()) as Json;
    expect(items[0]).toMatchObject({
      connectionId: 'sample',
      state: 'failed',
      sql: 'SELECT 1,\n  2 FORM orders',
    });
    expect(items[0].error).toMatch(/syntax error/);
    const all = (await (await client.get('/api/sql/history?limit=50')).json()) as Json;
    expect(all.items.some((h: { state: string }) => h.state === 'cancelled')).toBe(true);
  });

  it('writes every run to the audit log as the user who ran it', async () => {
    const { rows } = await app.context.db.query<{
      user_id: string;
      details: { connection: string; sql: string };
    }>("SELECT user_id, details FROM audit_log WHERE action = 'sql.query' ORDER BY id");
    expect(rows.length).toBeGreaterThan(0);
    expect(
      rows.some((row) => row.details.sql.includes('FORM orders') && row.details.connection === 'sample'),
    ).toBe(true);
    expect(rows[0]!.user_id).toBeTruthy();
  });

  it('saves, shares by id, and only the owner changes', async () => {
    const created = await client.post('/api/sql/saved', {
      name: 'Top customers',
      connectionId: 'sample',
      sql: 'select 1',
    });
    expect(created.status).toBe(201);
    const saved = (await created.json()) as Json;
    expect((await client.get(`/api/sql/saved/${saved.id}`)).status).toBe(200);
    expect((await getJson('/api/sql/saved?q=top')).items).toHaveLength(1);
    expect((await client.get('/api/sql/saved/not-a-uuid')).status).toBe(400);
    expect((await client.delete(`/api/sql/saved/${saved.id}`)).status).toBe(204);
  });
});

describe('metadata', () => {
  it('browses database > schema > table > column lazily', async () => {
    const catalogs = (await getJson('/api/sql/connections/sample/metadata')).items;
    expect(catalogs).toEqual([{ name: 'labdeck_sample_test', kind: 'catalog' }]);
    const base = '/api/sql/connections/sample/metadata?catalog=labdeck_sample_test&schema=public';
    const tables = (await getJson(base)).items;
    expect(tables.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(['customers', 'orders', 'daily_revenue']),
    );
    const columns = (await getJson(`${base}&table=orders`)).items;
    expect(columns[0]).toEqual({ name: 'order_id', kind: 'column', type: 'integer' });
    expect((await client.get('/api/sql/connections/sample/metadata?table=x')).status).toBe(400);
  });
});
