// Integration test against a real Trino (see lab/trino/README.md).
// Needs `bash lab/trino/install.sh` first; without it this test FAILS (never skips).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTrinoInstalled, startTrino, TRINO_INSTALL_HINT, type TrinoServer } from './server.ts';

type QueryResults = {
  id: string;
  nextUri?: string;
  columns?: { name: string; type: string }[];
  data?: unknown[][];
  stats: { state: string };
  error?: { errorName: string; errorType: string; message: string };
};

const HEADERS = { 'X-Trino-User': 'labdeck-test', 'X-Trino-Source': 'labdeck-vitest' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let trino: TrinoServer | undefined;
let startError: Error | undefined;

// A missing install or a failed start fails every test (with the reason);
// nothing here is ever skipped.
function server(): TrinoServer {
  if (startError) throw startError;
  if (!trino) throw new Error(`Trino did not start; install it with \`${TRINO_INSTALL_HINT}\``);
  return trino;
}

async function post(sql: string): Promise<QueryResults> {
  const res = await fetch(`${server().url}/v1/statement`, { method: 'POST', body: sql, headers: HEADERS });
  expect(res.status).toBe(200);
  return (await res.json()) as QueryResults;
}

async function next(uri: string): Promise<QueryResults> {
  for (;;) {
    const res = await fetch(uri, { headers: HEADERS });
    if (res.status === 503) {
      await sleep(50);
      continue;
    }
    expect(res.status).toBe(200);
    return (await res.json()) as QueryResults;
  }
}

/** The raw client protocol: POST, then GET each nextUri until there is none. */
async function query(sql: string): Promise<{ rows: unknown[][]; last: QueryResults }> {
  let page = await post(sql);
  const rows: unknown[][] = [...(page.data ?? [])];
  while (page.nextUri) {
    page = await next(page.nextUri);
    rows.push(...(page.data ?? []));
  }
  if (page.error) throw new Error(`${page.error.errorName}: ${page.error.message}`);
  return { rows, last: page };
}

beforeAll(async () => {
  try {
    assertTrinoInstalled(); // its message names `bash lab/trino/install.sh`
    trino = await startTrino();
  } catch (err) {
    startError = err as Error;
  }
}, 240_000);

afterAll(async () => {
  await trino?.stop();
}, 60_000);

describe('lab Trino server', () => {
  it('reports itself started on /v1/info', async () => {
    const info = (await (await fetch(`${server().url}/v1/info`)).json()) as {
      starting: boolean;
      coordinator: boolean;
    };
    expect(info.starting).toBe(false);
    expect(info.coordinator).toBe(true);
  });

  it('counts the 25 nations of tpch.tiny over the raw HTTP protocol', async () => {
    const { rows, last } = await query('SELECT count(*) FROM tpch.tiny.nation');
    expect(rows).toEqual([[25]]);
    expect(last.stats.state).toBe('FINISHED');
    expect(last.columns?.[0]?.type).toBe('bigint');
  }, 60_000);

  it('writes to and reads from the memory catalog', async () => {
    await query('CREATE TABLE memory.default.regions AS SELECT * FROM tpch.tiny.region');
    const { rows } = await query('SELECT name FROM memory.default.regions ORDER BY regionkey LIMIT 1');
    expect(rows).toEqual([['AFRICA']]);
  }, 60_000);

  it('cancels a long query with DELETE on nextUri and records USER_CANCELED', async () => {
    // Endless in practice: 1.5M x 1.5M rows.
    let page = await post('SELECT count(*) FROM tpch.sf1.orders a CROSS JOIN tpch.sf1.orders b');
    const id = page.id;
    const deadline = Date.now() + 60_000;
    while (page.nextUri && page.stats.state !== 'RUNNING' && Date.now() < deadline) {
      page = await next(page.nextUri);
    }
    expect(page.stats.state).toBe('RUNNING');
    expect(page.nextUri).toBeTruthy();

    const del = await fetch(page.nextUri as string, { method: 'DELETE', headers: HEADERS });
    expect(del.status).toBe(204);

    let row: unknown[] | undefined;
    for (let i = 0; i < 60; i++) {
      const { rows } = await query(
        `SELECT state, error_type, error_code FROM system.runtime.queries WHERE query_id = '${id}'`,
      );
      row = rows[0];
      if (row?.[0] === 'FAILED') break;
      await sleep(500);
    }
    expect(row).toEqual(['FAILED', 'USER_ERROR', 'USER_CANCELED']);
  }, 120_000);

  it('reports syntax errors with an errorLocation', async () => {
    let page = await post('SELEC 1');
    while (page.nextUri) page = await next(page.nextUri);
    expect(page.stats.state).toBe('FAILED');
    expect(page.error).toMatchObject({
      errorName: 'SYNTAX_ERROR',
      errorType: 'USER_ERROR',
      errorLocation: { lineNumber: 1, columnNumber: 1 },
    });
  }, 60_000);
});
