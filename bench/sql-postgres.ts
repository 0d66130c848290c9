/**
 * 1,000,000 rows x 10 columns from PostgreSQL through the BFF (POST /api/sql/run, NDJSON, parsed by the
 * client) beside `psql -c "COPY (...) TO STDOUT"` on the same query in the same run. Also the BFF's peak
 * RSS growth while streaming (VmHWM of the BFF process). Goals: >= 50% of psql's rows/s, <= 100 MB growth.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres } from '../server/platform/db/embedded.ts';
import { freePort } from '../server/platform/net.ts';

const ROWS = 1_000_000;
const RUNS = 3;
const QUERY = `SELECT g, g * 2 AS twice, g::text AS label, md5(g::text) AS hash, timestamptz '2024-01-01' + g * interval '1 second' AS at,
  g % 7 = 0 AS lucky, g::float8 / 3 AS third, 'group ' || (g % 100) AS grp, (g % 1000)::numeric(10, 2) AS amount,
  date '2024-01-01' + (g % 365) AS day FROM generate_series(1, ${ROWS}) g`;
const root = path.resolve(import.meta.dirname, '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const work = mkdtempSync(path.join(tmpdir(), 'labdeck-bench-sql-'));
const pg = new EmbeddedPostgres({ dir: path.join(work, 'pg') });
let bff: ChildProcess | undefined;
let exitCode = 0;
try {
  await pg.start();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    path.join(work, 'labdeck.yaml'),
    'sql:\n  previewRows: 2000000\n  sample:\n    enabled: true\n',
  );
  bff = spawn(process.execPath, [path.join(root, 'server/main.ts')], {
    cwd: work,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: pg.url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitReady(url);
  const session = await fetch(`${url}/api/session`);
  const csrf = /labdeck_csrf=([^;]+)/.exec(session.headers.getSetCookie().join(';'))![1]!;

  const bffRates: number[] = [];
  const psqlRates: number[] = [];
  const growths: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const baseRss = procStatus(bff.pid!, 'VmRSS');
    resetPeak(bff.pid!);
    const t0 = performance.now();
    const rows = await runThroughBff(url, csrf);
    const seconds = (performance.now() - t0) / 1000;
    if (rows !== ROWS) throw new Error(`BFF delivered ${rows} rows, expected ${ROWS}`);
    bffRates.push(rows / seconds);
    growths.push((procStatus(bff.pid!, 'VmHWM') - baseRss) / 1024);

    const t1 = performance.now();
    const copy = spawnSync('/usr/bin/psql', [pg.url, '-X', '-q', '-c', `COPY (${QUERY}) TO STDOUT`], {
      maxBuffer: 1 << 30,
      encoding: 'buffer',
    });
    const psqlSeconds = (performance.now() - t1) / 1000;
    if (copy.status !== 0) throw new Error(`psql failed: ${copy.stderr}`);
    const lines = copy.stdout.reduce((n: number, byte: number) => n + (byte === 10 ? 1 : 0), 0);
    if (lines !== ROWS) throw new Error(`psql delivered ${lines} rows`);
    psqlRates.push(ROWS / psqlSeconds);
  }
  const bffRate = median(bffRates);
  const psqlRate = median(psqlRates);
  const ratio = bffRate / psqlRate;
  const growthMb = Math.max(...growths);
  console.log(`PostgreSQL, ${fmt(ROWS)} rows x 10 columns, median of ${RUNS}:`);
  console.log(`  BFF -> client (NDJSON, parsed): ${fmt(bffRate)} rows/s  [${bffRates.map(fmt).join(', ')}]`);
  console.log(
    `  psql COPY TO STDOUT (baseline): ${fmt(psqlRate)} rows/s  [${psqlRates.map(fmt).join(', ')}]`,
  );
  console.log(`  ratio: ${(ratio * 100).toFixed(0)}% of psql (goal >= 50%)`);
  console.log(
    `  BFF peak RSS growth while streaming: ${growthMb.toFixed(1)} MB worst (goal <= 100 MB)  [${growths.map((g) => g.toFixed(1)).join(', ')}]`,
  );
  if (ratio < 0.5 || growthMb > 100) exitCode = 1;
} finally {
  bff?.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await pg.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = exitCode;

async function runThroughBff(url: string, csrf: string): Promise<number> {
  const res = await fetch(`${url}/api/sql/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `labdeck_csrf=${csrf}`, 'x-csrf-token': csrf },
    body: JSON.stringify({ connectionId: 'sample', sql: QUERY, tabId: 'bench' }),
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

/** kB value of a /proc/<pid>/status field. */
function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0);
}

/** Writing 5 to clear_refs resets VmHWM to the current RSS (Linux). */
function resetPeak(pid: number) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not permitted: the peak then covers the whole life of the process (still an upper bound)
  }
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
