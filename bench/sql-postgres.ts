/**
 * 1,000,000 rows x 10 columns from PostgreSQL through the BFF (POST /api/sql/run, NDJSON, parsed by the
 * client) beside `psql -c "COPY (...) TO STDOUT"` on the same query in the same run. Also the BFF's peak
 * RSS growth while streaming (VmHWM of the BFF process). Goals: >= 50% of psql's rows/s, <= 100 MB growth.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { benchWithBff, fmt, median, runThroughBff } from './_sql-harness.ts';

const ROWS = 1_000_000;
const RUNS = 3;
const QUERY = `SELECT g, g * 2 AS twice, g::text AS label, md5(g::text) AS hash, timestamptz '2024-01-01' + g * interval '1 second' AS at,
  g % 7 = 0 AS lucky, g::float8 / 3 AS third, 'group ' || (g % 100) AS grp, (g % 1000)::numeric(10, 2) AS amount,
  date '2024-01-01' + (g % 365) AS day FROM generate_series(1, ${ROWS}) g`;

await benchWithBff({
  name: 'sql',
  config: () => 'sql:\n  previewRows: 2000000\n  sample:\n    enabled: true\n',
  async measure(bff) {
    const pid = bff.process.pid!;
    const bffRates: number[] = [];
    const psqlRates: number[] = [];
    const growths: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const baseRss = procStatus(pid, 'VmRSS');
      resetPeak(pid);
      const t0 = performance.now();
      const rows = await runThroughBff(bff, 'sample', QUERY);
      const seconds = (performance.now() - t0) / 1000;
      if (rows !== ROWS) throw new Error(`BFF delivered ${rows} rows, expected ${ROWS}`);
      bffRates.push(rows / seconds);
      growths.push((procStatus(pid, 'VmHWM') - baseRss) / 1024);

      const t1 = performance.now();
      const copy = spawnSync('/usr/bin/psql', [bff.pg.url, '-X', '-q', '-c', `COPY (${QUERY}) TO STDOUT`], {
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
    console.log(
      `  BFF -> client (NDJSON, parsed): ${fmt(bffRate)} rows/s  [${bffRates.map(fmt).join(', ')}]`,
    );
    console.log(
      `  psql COPY TO STDOUT (baseline): ${fmt(psqlRate)} rows/s  [${psqlRates.map(fmt).join(', ')}]`,
    );
    console.log(`  ratio: ${(ratio * 100).toFixed(0)}% of psql (goal >= 50%)`);
    console.log(
      `  BFF peak RSS growth while streaming: ${growthMb.toFixed(1)} MB worst (goal <= 100 MB)  [${growths.map((g) => g.toFixed(1)).join(', ')}]`,
    );
    return ratio >= 0.5 && growthMb <= 100;
  },
});

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
