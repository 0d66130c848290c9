/**
 * 1,000,000 rows from Trino's tpch connector through the BFF (POST /api/sql/run, NDJSON parsed by the client)
 * beside a raw protocol loop (POST /v1/statement, follow nextUri, JSON.parse) on the same query in the same run.
 * Needs the lab Trino (`bash lab/trino/install.sh`). Goal: the BFF keeps >= 50% of the raw loop's rows/s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTrino, type TrinoServer } from '../lab/trino/server.ts';
import { EmbeddedPostgres } from '../server/platform/db/embedded.ts';
import { freePort } from '../server/platform/net.ts';

const ROWS = 1_000_000;
const RUNS = 3;
const QUERY = `SELECT orderkey, custkey, orderstatus, totalprice, orderdate, orderpriority, clerk, shippriority, comment,
  orderkey % 7 AS bucket FROM tpch.sf1.orders LIMIT ${ROWS}`;
const root = path.resolve(import.meta.dirname, '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const work = mkdtempSync(path.join(tmpdir(), 'labdeck-bench-trino-'));
const pg = new EmbeddedPostgres({ dir: path.join(work, 'pg') });
let trino: TrinoServer | undefined;
let bff: ChildProcess | undefined;
let exitCode = 0;
try {
  [trino] = await Promise.all([startTrino(), pg.start()]);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    path.join(work, 'labdeck.yaml'),
    `sql:\n  previewRows: 2000000\n  connections:\n    - id: trino\n      engine: trino\n      url: ${trino.url}\n`,
  );
  bff = spawn(process.execPath, [path.join(root, 'server/main.ts')], {
    cwd: work,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: pg.url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitReady(url);
  const session = await fetch(`${url}/api/session`);
  const csrf = /labdeck_csrf=([^;]+)/.exec(session.headers.getSetCookie().join(';'))![1]!;
  await rawLoop(trino.url); // warm-up: Trino compiles and caches the plan

  const bffRates: number[] = [];
  const rawRates: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const rows = await runThroughBff(url, csrf);
    bffRates.push(rows / ((performance.now() - t0) / 1000));
    if (rows !== ROWS) throw new Error(`BFF delivered ${rows} rows`);
    const t1 = performance.now();
    const raw = await rawLoop(trino.url);
    rawRates.push(raw / ((performance.now() - t1) / 1000));
    if (raw !== ROWS) throw new Error(`raw loop delivered ${raw} rows`);
  }
  const ratio = median(bffRates) / median(rawRates);
  console.log(`Trino tpch.sf1.orders, ${fmt(ROWS)} rows x 10 columns, median of ${RUNS}:`);
  console.log(
    `  Trino -> BFF -> client (NDJSON, parsed): ${fmt(median(bffRates))} rows/s  [${bffRates.map(fmt).join(', ')}]`,
  );
  console.log(
    `  raw protocol loop (baseline):            ${fmt(median(rawRates))} rows/s  [${rawRates.map(fmt).join(', ')}]`,
  );
  console.log(`  ratio: ${(ratio * 100).toFixed(0)}% of the raw loop (goal >= 50%)`);
  if (ratio < 0.5) exitCode = 1;
} finally {
  bff?.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await Promise.allSettled([trino?.stop(), pg.stop()]);
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = exitCode;

async function rawLoop(trinoUrl: string): Promise<number> {
  const headers = { 'X-Trino-User': 'bench', 'X-Trino-Source': 'labdeck-bench' };
  let res = await fetch(`${trinoUrl}/v1/statement`, { method: 'POST', body: QUERY, headers });
  let rows = 0;
  for (;;) {
    if (res.status === 502 || res.status === 503 || res.status === 504) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    } else if (!res.ok) throw new Error(`Trino HTTP ${res.status}`);
    const doc = (await res.json()) as { nextUri?: string; data?: unknown[][]; error?: { message: string } };
    if (doc.error) throw new Error(doc.error.message);
    rows += doc.data?.length ?? 0;
    if (!doc.nextUri) return rows;
    res = await fetch(doc.nextUri, { headers });
  }
}

async function runThroughBff(url: string, csrf: string): Promise<number> {
  const res = await fetch(`${url}/api/sql/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `labdeck_csrf=${csrf}`, 'x-csrf-token': csrf },
    body: JSON.stringify({ connectionId: 'trino', sql: QUERY, tabId: 'bench' }),
  });
  if (!res.ok) throw new Error(`run failed: HTTP ${res.status} ${await res.text()}`);
  const decoder = new TextDecoder();
  let buffer = '';
  let rows = 0;
  for await (const chunk of res.body!) {
    buffer += decoder.decode(chunk, { stream: true });
    let from = 0;
    let at = buffer.indexOf('\n');
    while (at >= 0) {
      const line = JSON.parse(buffer.slice(from, at));
      if (line.t === 'rows') rows += line.rows.length;
      if (line.t === 'end' && line.state !== 'finished')
        throw new Error(`run ended ${line.state}: ${line.error?.message}`);
      from = at + 1;
      at = buffer.indexOf('\n', from);
    }
    buffer = buffer.slice(from);
  }
  return rows;
}

async function waitReady(url: string) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the BFF did not become ready');
}
