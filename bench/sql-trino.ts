/**
 * 1,000,000 rows from Trino's tpch connector through the BFF (POST /api/sql/run, NDJSON parsed by the client)
 * beside a raw protocol loop (POST /v1/statement, follow nextUri, JSON.parse) on the same query in the same run.
 * Needs the lab Trino (`bash lab/trino/install.sh`). Goal: the BFF keeps >= 50% of the raw loop's rows/s.
 */
import { startTrino, type TrinoServer } from '../lab/trino/server.ts';
import { benchWithBff, fmt, median, runThroughBff } from './_sql-harness.ts';

const ROWS = 1_000_000;
const RUNS = 3;
const QUERY = `SELECT orderkey, custkey, orderstatus, totalprice, orderdate, orderpriority, clerk, shippriority, comment,
  orderkey % 7 AS bucket FROM tpch.sf1.orders LIMIT ${ROWS}`;

await benchWithBff<TrinoServer>({
  name: 'trino',
  before: () => startTrino(),
  after: (trino) => trino?.stop(),
  config: (trino) =>
    `sql:\n  previewRows: 2000000\n  connections:\n    - id: trino\n      engine: trino\n      url: ${trino.url}\n`,
  async measure(bff, trino) {
    await rawLoop(trino.url); // warm-up: Trino compiles and caches the plan
    const bffRates: number[] = [];
    const rawRates: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const rows = await runThroughBff(bff, 'trino', QUERY);
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
    return ratio >= 0.5;
  },
});

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
