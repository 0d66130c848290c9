/**
 * Jobs reads with 5,000 jobs and 500,000 runs in the store (seeded with INSERT ... SELECT generate_series):
 * the status board, the matrix (GET /api/jobs as the page asks for it) and a job's run list, each beside
 * GET /healthz in the same run; the store's own queries beside a plain indexed SELECT; one snapshot
 * recompute (the first request after it expires) with the longest event-loop stall it caused; and
 * GET /api/jobs at 1,000 req/s beside GET /healthz at the same rate.
 *   node bench/jobs-read.ts [--rounds 3] [--requests 100] [--rate 1000] [--seconds 10]
 * Goals: board and matrix p95 <= 50 ms, run list p95 <= 100 ms, GET /api/jobs p99 <= 10 ms at 1,000 req/s.
 */
import { get } from 'node:http';
import pg from 'pg';
import { fixedRateLoad, type Load, loadClient } from './_load.ts';
import { type BenchBff, benchWithBff, fmt, median } from './_sql-harness.ts';
import { flag, sleep } from './home-probes.ts';

const SOURCES = 5;
const JOBS = 5_000;
const RUNS_PER_JOB = 100;
const rounds = flag('rounds', 3);
const requests = flag('requests', 100);
const rate = flag('rate', 1000);
const seconds = flag('seconds', 10);
/** The service recomputes its snapshot when it is older than this (service.ts SNAPSHOT_MAX_AGE_MS). */
const SNAPSHOT_MAX_AGE_MS = 10_000;

const pct = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;
const ms = (n: number) => `${n.toFixed(1)} ms`;

/** One source of 1,000 jobs per id; `openlineage` needs no server (its poll reads an empty lineage store). */
const config = () =>
  [
    'log: { level: warn }',
    'jobs:',
    '  sources:',
    ...Array.from(
      { length: SOURCES },
      (_, i) => `    - { id: bench-${i}, kind: openlineage, url: "http://127.0.0.1:9", intervalMs: 60000 }`,
    ),
  ].join('\n');

/**
 * Run k (0 = newest) of job j every 7 hours back from now (within the 30-day retention, ~23% inside the
 * 7-day counts window). Job j % 20 = 0 fails now (its last 3 runs), j % 20 = 1 recovered (failed once,
 * then succeeded), j % 50 = 2 is running, and 3% of the other runs failed.
 */
async function seed(client: pg.Client): Promise<void> {
  // Secondary indexes are dropped and built again after the load (a sort instead of 500,000 inserts each).
  const { rows: indexes } = await client.query<{ name: string; def: string }>(
    `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def FROM pg_index
     WHERE indrelid = 'jobs_runs'::regclass AND NOT indisunique`,
  );
  for (const index of indexes) await client.query(`DROP INDEX ${index.name}`);
  await client.query(
    `INSERT INTO jobs_jobs (source, job_id, name, owner, tags, schedule, paused, url)
     SELECT 'bench-' || (j % ${SOURCES}), 'dag_' || j, 'Pipeline ' || j, 'team-' || (j % 20),
       ARRAY['tier-' || (j % 3), 'domain-' || (j % 10)], '0 */7 * * *', false, 'http://airflow.example/dags/dag_' || j
     FROM generate_series(0, ${JOBS - 1}) j`,
  );
  await client.query(
    `INSERT INTO jobs_runs (source, job_id, run_id, state, native_state, queued_at, started_at, ended_at,
       trigger, triggered_by, error, url, sort_at)
     SELECT 'bench-' || (j % ${SOURCES}), 'dag_' || j, 'scheduled__' || to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS'),
       state, state, at, at + interval '5 seconds',
       CASE WHEN state = 'running' THEN NULL ELSE at + (60 + j % 600 + k % 30) * interval '1 second' END,
       'scheduled', NULL, CASE WHEN state = 'failed' THEN 'Task exited with return code 1' END,
       'http://airflow.example/dags/dag_' || j || '/runs/' || k, at
     FROM generate_series(0, ${JOBS * RUNS_PER_JOB - 1}) g,
       LATERAL (SELECT g % ${JOBS} AS j, ${RUNS_PER_JOB - 1} - g / ${JOBS} AS k) jk,
       LATERAL (SELECT date_trunc('second', now()) - k * interval '7 hours' - (j % 300) * interval '1 minute' AS at) t,
       LATERAL (SELECT CASE
         WHEN k = 0 AND j % 50 = 2 THEN 'running'
         WHEN k < 3 AND j % 20 = 0 THEN 'failed'
         WHEN k = 1 AND j % 20 = 1 THEN 'failed'
         WHEN (j * 7 + k * 13) % 100 < 3 THEN 'failed'
         ELSE 'success' END AS state) s`,
  );
  for (const index of indexes) await client.query(index.def);
  await client.query('VACUUM ANALYZE jobs_jobs');
  await client.query('VACUUM ANALYZE jobs_runs');
}

/** Time to the last byte of the answer, gzipped as a browser asks for it (not inflated: that is the client's). */
function timed(url: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(performance.now() - started)
          : reject(new Error(`${url} answered ${res.statusCode}`)),
      );
    }).on('error', reject);
  });
}

/** Sizes of an answer as sent (gzip) and as JSON. */
async function sizes(url: string): Promise<string> {
  const res = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
  const sent = Number(res.headers.get('content-length'));
  return `${fmt(sent / 1024)} KB gzip, ${fmt((await res.arrayBuffer()).byteLength / 1024)} KB JSON`;
}

async function sequential(urls: string[]): Promise<number[]> {
  const times: number[] = [];
  for (const url of urls) times.push(await timed(url));
  return times;
}

/** Client-side time of the store's queries as service.ts sends them, beside a primary-key SELECT. */
async function storeQueries(client: pg.Client) {
  const ids = { sources: Array.from({ length: SOURCES }, (_, i) => `bench-${i}`) };
  const from = new Date(Date.now() - 7 * 86_400_000);
  const time = async (sql: string, params: unknown[]) => {
    const started = performance.now();
    await client.query(sql, params);
    return performance.now() - started;
  };
  const { createJobsStore } = await import('../server/modules/jobs/store.ts');
  const store = createJobsStore({
    query: (text: string, values?: unknown[]) => client.query(text, values),
    transaction: () => Promise.reject(new Error('read only')),
  } as never);
  const call = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  return {
    'baseline: SELECT one run by primary key': await time(
      'SELECT * FROM jobs_runs WHERE source = $1 AND job_id = $2 AND run_id = $3',
      ['bench-1', 'dag_1', 'nope'],
    ),
    'jobs()': await call(() => store.jobs(ids)),
    'recentRuns(20 per job)': await call(() => store.recentRuns(ids, 20)),
    'counts(7-day window)': await call(() => store.counts(ids, from)),
    'successDurations(20 per job)': await call(() => store.successDurations(ids, 20)),
    'runPage(50)': await call(() => store.runPage('bench-3', 'dag_1234', null, 51)),
  };
}

/** The longest event-loop stall since the previous scrape (prom-client resets its histogram per scrape). */
async function eventLoopLagMaxMs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^labdeck_nodejs_eventloop_lag_max_seconds ([0-9.e+-]+)$/m.exec(text)?.[1]) * 1000;
}

async function measure(bff: BenchBff): Promise<boolean> {
  const client = new pg.Client({ connectionString: bff.pg.url });
  await client.connect();
  try {
    const seedStarted = performance.now();
    await seed(client);
    const { rows } = await client.query<{ jobs: number; runs: number }>(
      'SELECT (SELECT count(*) FROM jobs_jobs)::int AS jobs, (SELECT count(*) FROM jobs_runs)::int AS runs',
    );
    console.log(
      `jobs-read: ${fmt(rows[0]!.jobs)} jobs, ${fmt(rows[0]!.runs)} runs seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s; ${rounds} rounds of ${requests} sequential requests each; Node ${process.version}`,
    );

    const random = (n: number) => Math.floor(Math.random() * n);
    const runListUrl = () => {
      const j = random(JOBS);
      return `${bff.url}/api/jobs/bench-${j % SOURCES}/dag_${j}/runs?limit=50`;
    };
    const urls = {
      'GET /healthz (baseline)': () => `${bff.url}/healthz`,
      'GET /api/jobs/board': () => `${bff.url}/api/jobs/board`,
      'GET /api/jobs (matrix)': () => `${bff.url}/api/jobs`,
      'GET /api/jobs/:source/:job/runs': runListUrl,
    };
    type Name = keyof typeof urls;
    const p95s = new Map<Name, number[]>();
    // The first request after the load reads everything (as after a start); later rounds start when the
    // snapshot is 10 s old, so their first request re-derives health and serialises again.
    await eventLoopLagMaxMs(bff.url);
    const fullLoad = await timed(`${bff.url}/api/jobs/board`);
    const fullLoadStall = await eventLoopLagMaxMs(bff.url);
    let expiresAt = Date.now() + SNAPSHOT_MAX_AGE_MS + 200;
    const recomputes: number[] = [];
    const stalls: number[] = [];
    const queries = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      // One recompute per round: the first request after the snapshot expired waits for it.
      await sleep(Math.max(0, expiresAt - Date.now()));
      await eventLoopLagMaxMs(bff.url);
      recomputes.push(await timed(`${bff.url}/api/jobs/board`));
      expiresAt = Date.now() + SNAPSHOT_MAX_AGE_MS + 200;
      stalls.push(await eventLoopLagMaxMs(bff.url));
      for (const [name, url] of Object.entries(urls) as [Name, () => string][]) {
        const times = await sequential(Array.from({ length: requests }, url));
        p95s.set(name, [...(p95s.get(name) ?? []), pct(times, 0.95)]);
      }
      for (const [name, took] of Object.entries(await storeQueries(client)))
        queries.set(name, [...(queries.get(name) ?? []), took]);
    }

    console.log(
      `  answers: board ${await sizes(`${bff.url}/api/jobs/board`)}; matrix (500 jobs, the default limit) ${await sizes(`${bff.url}/api/jobs`)}`,
    );
    console.log(`  HTTP, sequential, p95 (median of ${rounds} rounds) [each round]:`);
    for (const [name, values] of p95s)
      console.log(`    ${name.padEnd(34)} ${ms(median(values)).padStart(9)}  [${values.map(ms).join(', ')}]`);
    console.log('  store queries, client-side time (median of rounds) [each round]:');
    for (const [name, values] of queries)
      console.log(`    ${name.padEnd(42)} ${ms(median(values)).padStart(9)}  [${values.map(ms).join(', ')}]`);
    console.log(
      `  full load (first request after start: every job's last 20 runs, counts, p90s): ${ms(fullLoad)}, longest event-loop stall meanwhile ${ms(fullLoadStall)}`,
    );
    console.log(
      `  re-derive after 10 s (first request after it): median ${ms(median(recomputes))} [${recomputes.map(ms).join(', ')}]; longest event-loop stall meanwhile: median ${ms(median(stalls))} [${stalls.map(ms).join(', ')}]`,
    );

    const load = async (path: string, label = path, headers: Record<string, string> = {}, time = seconds) => {
      const result: Load = await fixedRateLoad(bff.url + path, {
        rate,
        seconds: time,
        headers: { 'accept-encoding': 'gzip, deflate, br', ...headers },
      });
      console.log(
        `    ${label.padEnd(50)} ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, max ${result.max.toFixed(1)} ms`,
      );
      return result;
    };
    console.log(`  at ${rate} req/s for ${seconds} s (${loadClient}, 50 connections):`);
    await load('/healthz', 'GET /healthz (warm-up, 3 s)', {}, 3);
    const baseline = await load('/healthz', 'GET /healthz (baseline)');
    const list = await load('/api/jobs', 'GET /api/jobs');
    // What a browser's cache sends on a refetch (the answer is `Cache-Control: no-cache` with an ETag).
    const etag = (await fetch(`${bff.url}/api/jobs`, { headers: { 'accept-encoding': 'gzip' } })).headers.get(
      'etag',
    );
    await load('/api/jobs', 'GET /api/jobs with If-None-Match (304 while unchanged)', {
      'if-none-match': etag ?? '',
    });

    const board = median(p95s.get('GET /api/jobs/board')!);
    const matrix = median(p95s.get('GET /api/jobs (matrix)')!);
    const runList = median(p95s.get('GET /api/jobs/:source/:job/runs')!);
    console.log(
      `jobs-read: board p95 ${ms(board)} (goal <= 50), matrix p95 ${ms(matrix)} (goal <= 50), run list p95 ${ms(runList)} (goal <= 100), GET /api/jobs p99 ${ms(list.p99)} at ${rate} req/s (goal <= 10) vs GET /healthz p99 ${ms(baseline.p99)}`,
    );
    return board <= 50 && matrix <= 50 && runList <= 100 && list.p99 <= 10;
  } finally {
    await client.end();
  }
}

await benchWithBff({ name: 'jobs-read', config, measure });
