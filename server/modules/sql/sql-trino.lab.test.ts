// SQL Lab against a real single-node Trino (lab/trino). Without `bash lab/trino/install.sh` this FAILS.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queryTrino, startTrino, type TrinoServer } from '../../../lab/trino/server.ts';
import {
  type ApiClient,
  apiClient,
  createDatabase,
  proxyAuthYaml,
  startTestApp,
  type TestApp,
  userClient,
} from '../../test/harness.ts';
import { reportFigure, waitFor } from '../../test/outage.ts';
import { endOf, firstRow, type Json, type Line, readRun, rowCount } from './test/run.ts';

let trino: TrinoServer;
let app: TestApp;
let client: ApiClient;
const LONG = 'SELECT count(*) FROM tpch.sf1000.lineitem a CROSS JOIN tpch.sf1000.nation b';

const run = (sql: string, tabId = 'tab1', extra: Record<string, unknown> = {}) =>
  client.post('/api/sql/run', { connectionId: 'trino', sql, tabId, ...extra });

beforeAll(async () => {
  const [started, warehouse] = await Promise.all([startTrino(), createDatabase(inject('postgresUrl'))]);
  trino = started;
  app = await startTestApp({
    config: `sql:\n  connections:\n    - id: trino\n      name: Lab Trino\n      engine: trino\n      url: ${trino.url}\n      clientTags: [lab]\n    - { id: pg, name: Warehouse, engine: postgres, url: "${warehouse}" }\n`,
  });
  client = apiClient(app.url);
});
afterAll(async () => {
  await app?.close();
  await trino?.stop();
});

async function queryState(queryId: string): Promise<string> {
  const { rows } = await queryTrino(
    trino.url,
    `SELECT state, coalesce(error_code, '') FROM system.runtime.queries WHERE query_id = '${queryId}'`,
  );
  return rows[0] ? `${rows[0][0]}/${rows[0][1]}` : 'missing';
}

describe('Trino runs', () => {
  it('streams rows with columns, progress and the signed-in user', async () => {
    const lines = await readRun(
      await run(
        'SELECT n.name, current_user, r.name FROM tpch.tiny.nation n JOIN tpch.tiny.region r ON n.regionkey = r.regionkey;',
      ),
    );
    expect(lines.find((l) => l.t === 'columns')!.columns).toEqual([
      { name: 'name', type: 'varchar(25)' },
      { name: '_col1', type: 'varchar' },
      { name: 'name', type: 'varchar(25)' },
    ]);
    expect(rowCount(lines)).toBe(25);
    expect(firstRow(lines)![1]).toBe('local');
    expect(lines.some((l) => l.t === 'progress')).toBe(true);
    expect(endOf(lines)).toMatchObject({ state: 'finished', rows: 25, truncated: false });
  });

  it('runs as the login of a signed-in user, which Trino records in its query history', async () => {
    const signedIn = await startTestApp({
      config: `${proxyAuthYaml()}sql:\n  connections:\n    - { id: trino, name: Lab Trino, engine: trino, url: "${trino.url}" }\n`,
    });
    try {
      const ana = userClient(signedIn.url, { id: 'ana', name: 'Ana Analyst', groups: ['lab-analysts'] });
      let queryId = '';
      const lines = await readRun(
        await ana.post('/api/sql/run', { connectionId: 'trino', sql: 'SELECT current_user', tabId: 't' }),
        (line) => {
          if (line.t === 'query') queryId = line.queryId as string;
        },
      );
      expect(firstRow(lines)).toEqual(['ana']);
      const { rows } = await queryTrino(
        trino.url,
        `SELECT "user" FROM system.runtime.queries WHERE query_id = '${queryId}'`,
      );
      expect(rows).toEqual([['ana']]);
    } finally {
      await signedIn.close();
    }
  });

  it('marks a syntax error at the line and column Trino reports', async () => {
    const end = endOf(await readRun(await run('SELECT 1\n  FROM tpch.tiny.nation WHERE )')));
    expect(end.state).toBe('failed');
    expect(end.error).toMatchObject({ line: 2, column: 31, code: 'SYNTAX_ERROR' });
  });

  it('stops cleanly at the preview cap', async () => {
    const end = endOf(
      await readRun(await run('SELECT * FROM tpch.tiny.lineitem', 'tab1', { maxRows: 1000 })),
    );
    expect(end).toMatchObject({ state: 'finished', rows: 1000, truncated: true });
  });

  it('cancels a long query, which Trino shows as cancelled', async () => {
    let runId = '';
    let queryId = '';
    const lines = await readRun(await run(LONG), (line) => {
      if (line.t === 'start') runId = line.runId as string;
      if (line.t === 'query') {
        queryId = line.queryId as string;
        setTimeout(() => void client.post(`/api/sql/runs/${runId}/cancel`), 1_000);
      }
    });
    expect(endOf(lines).state).toBe('cancelled');
    await expect.poll(() => queryState(queryId), { timeout: 15_000 }).toBe('FAILED/USER_CANCELED');
  });

  it('cancels the query when the client goes away', async () => {
    let queryId = '';
    await readRun(await run(LONG, 'tab9'), (line: Line) => {
      if (line.t === 'query') queryId = line.queryId as string;
      return line.t === 'progress' ? false : undefined;
    });
    expect(queryId).not.toBe('');
    await expect.poll(() => queryState(queryId), { timeout: 15_000 }).toBe('FAILED/USER_CANCELED');
  });
});

describe('explain', () => {
  it('returns the text plan', async () => {
    const lines = await readRun(
      await run('SELECT count(*) FROM tpch.tiny.nation', 'tab1', { mode: 'explain' }),
    );
    expect(lines[0]).toMatchObject({ t: 'start', explain: 'text' });
    expect(String(firstRow(lines)![0])).toMatch(/Fragment|Output/);
  });
});

describe('per-tab session', () => {
  it('keeps USE and SET SESSION inside their tab', async () => {
    expect(endOf(await readRun(await run('USE tpch.tiny', 'tabA'))).state).toBe('finished');
    expect(endOf(await readRun(await run("SET SESSION query_max_run_time = '1h'", 'tabA'))).state).toBe(
      'finished',
    );

    const inA = await readRun(await run('SELECT count(*) FROM nation', 'tabA'));
    expect(firstRow(inA)).toEqual([25]);
    const inB = endOf(await readRun(await run('SELECT count(*) FROM nation', 'tabB')));
    expect(inB.state).toBe('failed');
    expect(inB.error?.message).toMatch(/catalog must be specified|Schema must be specified/i);

    const show = async (tab: string) =>
      firstRow(await readRun(await run("SHOW SESSION LIKE 'query_max_run_time'", tab)))?.[1];
    expect(await show('tabA')).toBe('1h');
    expect(await show('tabB')).not.toBe('1h');
  });
});

describe('metadata', () => {
  it('lists catalogs, schemas, tables and columns lazily', async () => {
    const get = async (q: string) =>
      ((await (await client.get(`/api/sql/connections/trino/metadata${q}`)).json()) as Json).items;
    expect((await get('')).map((n: { name: string }) => n.name)).toEqual(
      expect.arrayContaining(['tpch', 'memory', 'system']),
    );
    expect((await get('?catalog=tpch')).map((n: { name: string }) => n.name)).toContain('tiny');
    expect((await get('?catalog=tpch&schema=tiny')).map((n: { name: string }) => n.name)).toContain('nation');
    expect(await get('?catalog=tpch&schema=tiny&table=nation')).toContainEqual({
      name: 'nationkey',
      kind: 'column',
      type: 'bigint',
    });
    const fns = ((await (await client.get('/api/sql/connections/trino/functions')).json()) as Json).functions;
    expect(fns).toContain('approx_distinct');
  });
});

describe('export', () => {
  it('streams a full Trino result as JSON Lines', async () => {
    const { url } = (await (
      await client.post('/api/sql/exports', {
        connectionId: 'trino',
        sql: 'SELECT orderkey, comment FROM tpch.tiny.orders',
        format: 'jsonl',
      })
    ).json()) as Json;
    const text = await (await client.get(url)).text();
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(15_000);
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(['orderkey', 'comment']);
  });
});

// Last in the file: it kills the Trino every case above shares, and starts it again (~45 s on 2 cores).
describe('Trino killed and restarted under a running Labdeck', () => {
  const catalogs = () => client.get('/api/sql/connections/trino/metadata?refresh=1');

  it('fails the running query fast, answers 503 for catalogs, keeps PostgreSQL working, and needs no Labdeck restart', async () => {
    let killedAt = 0;
    const lines = await readRun(await run(LONG, 'tabK'), (line) => {
      if (line.t === 'progress' && !killedAt) {
        killedAt = Date.now();
        void trino.kill();
      }
    });
    const failedMs = Date.now() - killedAt;
    reportFigure('Trino killed -> running query failed', failedMs);
    expect(endOf(lines)).toMatchObject({ state: 'failed', error: { code: 'TRINO_UNREACHABLE' } });
    expect(endOf(lines).error?.message).toContain(trino.url);
    expect(failedMs).toBeLessThan(10_000);

    const started = Date.now();
    const down = await catalogs();
    expect(down.status).toBe(503);
    expect(((await down.json()) as Json).error).toMatchObject({ code: 'engine_unreachable' });
    expect(Date.now() - started).toBeLessThan(10_000);
    const pg = await readRun(
      await client.post('/api/sql/run', { connectionId: 'pg', sql: 'SELECT 41 + 1', tabId: 'p' }),
    );
    expect(endOf(pg).state).toBe('finished');
    expect(firstRow(pg)).toEqual([42]);

    const restart = Date.now();
    await trino.start();
    reportFigure('Trino restart until ready', Date.now() - restart);
    const ready = Date.now();
    const first = endOf(await readRun(await run('SELECT count(*) FROM tpch.tiny.nation', 'tabK')));
    reportFigure('Trino ready -> first Labdeck query finished', Date.now() - ready);
    expect(first).toMatchObject({ state: 'finished', rows: 1 });
    const listed = await waitFor('catalogs again', catalogs, (res) => res.status === 200, {
      timeoutMs: 10_000,
    });
    expect(((await listed.value.json()) as Json).items.map((n: { name: string }) => n.name)).toContain(
      'tpch',
    );
  });
});
