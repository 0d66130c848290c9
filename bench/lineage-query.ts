// Lineage reads on a generated graph of ~100,000 nodes (jobs + datasets, layered, skewed fan-in/out,
// two generations of runs so the past differs from now): depth-5 walks from the in-memory index and
// time-travel walks (indexed range scans), each against a Marquez-style recursive CTE in the same run.
//   node bench/lineage-query.ts [--jobs 40000] [--queries 200]
// Goals: depth-5 lineage p95 <= 100 ms; time travel p95 <= 300 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startLabdeckProcess } from '../e2e/support/labdeck.ts';
import { planGraph, rng, runEvents } from '../server/modules/lineage/test/generate.ts';
import { EmbeddedPostgres } from '../server/platform/db/embedded.ts';

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const jobCount = flag('jobs', 40_000);
const queries = flag('queries', 200);
const DEPTH = 5;

const pct = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;
const fmt = (values: number[]) =>
  `p50 ${pct(values, 0.5).toFixed(1)} ms, p95 ${pct(values, 0.95).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms`;

const dir = mkdtempSync(path.join(tmpdir(), 'labdeck-bench-lq-'));
const postgres = new EmbeddedPostgres({ dir: path.join(dir, 'pg') });
await postgres.start();
const labdeck = await startLabdeckProcess({ env: { DATABASE_URL: postgres.url, LOG_LEVEL: 'warn' } });
const client = new pg.Client({ connectionString: postgres.url });
await client.connect();

try {
  const plan = planGraph(jobCount, 42);
  const random = rng(5);
  const t0 = Date.UTC(2026, 0, 1);
  const t1 = Date.UTC(2026, 0, 2);
  const between = new Date(Date.UTC(2026, 0, 1, 12)).toISOString();
  // Generation 1: every job once. Generation 2 (a day later): 30% of jobs again, one input swapped.
  const gen1 = plan.jobs.map((job, i) => runEvents(job, t0 + i * 10, random, { lean: true })[1]!);
  const gen2 = plan.jobs
    .filter(() => random() < 0.3)
    .map((job, i) => {
      const inputs = [...job.inputs];
      inputs[0] = plan.datasets[Math.floor(random() * plan.datasets.length * 0.3)]!;
      return runEvents({ ...job, inputs }, t1 + i * 10, random, { lean: true })[1]!;
    });
  const loadStarted = performance.now();
  const all = [...gen1, ...gen2];
  const sends: Promise<void>[] = [];
  for (let i = 0; i < all.length; i += 2_000) {
    const body = JSON.stringify(all.slice(i, i + 2_000));
    sends.push(
      fetch(`${labdeck.url}/api/v1/lineage/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).then(async (res) => {
        if (res.status !== 200)
          throw new Error(`load answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
        await res.arrayBuffer();
      }),
    );
    if (sends.length >= 3) await sends.shift();
  }
  await Promise.all(sends);
  const counts = (
    await client.query<{ jobs: number; datasets: number; current: number; closed: number }>(
      `SELECT (SELECT count(*) FROM lineage_jobs)::int AS jobs, (SELECT count(*) FROM lineage_datasets)::int AS datasets,
              (SELECT count(*) FROM lineage_edges WHERE valid_to IS NULL)::int AS current, (SELECT count(*) FROM lineage_edges WHERE valid_to IS NOT NULL)::int AS closed`,
    )
  ).rows[0]!;
  console.log(
    `lineage-query: ${counts.jobs + counts.datasets} nodes (${counts.jobs} jobs, ${counts.datasets} datasets), ${counts.current} current + ${counts.closed} superseded edges, loaded ${all.length} events in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s; Node ${process.version}`,
  );
  // Restart: the index is rebuilt from the current-edge table, as after a deploy.
  const restart = performance.now();
  await labdeck.restart();
  console.log(`  restart incl. index build: ${((performance.now() - restart) / 1000).toFixed(1)} s`);

  const starts: string[] = [];
  // One query in five starts at a hub: one of the most-read source datasets (wide, deep answers).
  const reads = new Map<string, number>();
  for (const job of plan.jobs) for (const input of job.inputs) reads.set(input, (reads.get(input) ?? 0) + 1);
  const hubs = [...reads]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 50)
    .map(([ref]) => `dataset:${ref.replace('|', ':')}`);
  for (let i = 0; i < queries; i++) {
    if (i % 5 === 0) {
      starts.push(hubs[Math.floor(random() * hubs.length)]!);
      continue;
    }
    const pickJob = random() < 0.5;
    if (pickJob) {
      const job = plan.jobs[Math.floor(random() * plan.jobs.length)]!;
      starts.push(`job:${job.namespace}:${job.name}`);
    } else {
      const job = plan.jobs[Math.floor(random() * plan.jobs.length)]!;
      const ref = random() < 0.5 ? job.inputs[0]! : job.outputs[0]!;
      starts.push(`dataset:${ref.replace('|', ':')}`);
    }
  }
  const walk = async (nodeId: string, asOf?: string) => {
    const params = new URLSearchParams({ nodeId, depth: String(DEPTH), direction: 'both' });
    if (asOf) params.set('asOf', asOf);
    const started = performance.now();
    const res = await fetch(`${labdeck.url}/api/lineage?${params}`);
    const body = (await res.json()) as { nodes: unknown[]; truncated?: boolean };
    if (res.status !== 200)
      throw new Error(`lineage answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
    return { ms: performance.now() - started, nodes: body.nodes.length, truncated: Boolean(body.truncated) };
  };
  for (const nodeId of starts.slice(0, 20)) await walk(nodeId); // warm-up

  const now = [];
  for (const nodeId of starts) now.push(await walk(nodeId));
  const past = [];
  for (const nodeId of starts) past.push(await walk(nodeId, between));

  // Baseline: the recursive CTE a Marquez-style store runs, on the same database and start nodes.
  const cte = async (nodeId: string) => {
    const [kind, ...rest] = nodeId.split(':');
    const info = (
      await client.query<{ id: number }>(
        kind === 'job'
          ? `SELECT id FROM lineage_jobs WHERE namespace || ':' || name = $1`
          : `SELECT id FROM lineage_datasets WHERE namespace || ':' || name = $1`,
        [rest.join(':')],
      )
    ).rows[0]!;
    // Upstream and downstream walks, like ours (never sideways): a dataset's upstream is the jobs
    // writing it ('out'), a job's upstream the datasets it reads ('in'); downstream the reverse.
    const walkSql = (jobDir: string, datasetDir: string) => `WITH RECURSIVE walk(kind, id, depth) AS (
         SELECT $1::text, $2::bigint, 0
         UNION
         SELECT CASE WHEN w.kind = 'job' THEN 'dataset' ELSE 'job' END,
                CASE WHEN w.kind = 'job' THEN e.dataset_id ELSE e.job_id END, w.depth + 1
           FROM walk w JOIN lineage_edges e ON e.valid_to IS NULL AND
                ((w.kind = 'job' AND e.job_id = w.id AND e.direction = '${jobDir}') OR (w.kind = 'dataset' AND e.dataset_id = w.id AND e.direction = '${datasetDir}'))
          WHERE w.depth < $3
       ) SELECT DISTINCT kind, id FROM walk`;
    const started = performance.now();
    const up = await client.query(walkSql('in', 'out'), [kind, info.id, DEPTH]);
    const down = await client.query(walkSql('out', 'in'), [kind, info.id, DEPTH]);
    return { ms: performance.now() - started, nodes: up.rows.length + down.rows.length - 1 };
  };
  const baseline = [];
  for (const nodeId of starts.slice(0, 100)) baseline.push(await cte(nodeId));

  const nodesOf = (list: { nodes: number }[]) =>
    `median ${pct(
      list.map((x) => x.nodes),
      0.5,
    )} nodes, max ${Math.max(...list.map((x) => x.nodes))}`;
  console.log(
    `  depth-${DEPTH} lineage (index, HTTP):      ${fmt(now.map((x) => x.ms))}; ${nodesOf(now)}, ${now.filter((x) => x.truncated).length} truncated at maxNodes`,
  );
  console.log(`  depth-${DEPTH} time travel (asOf, HTTP):   ${fmt(past.map((x) => x.ms))}; ${nodesOf(past)}`);
  console.log(
    `  baseline recursive CTE (SQL only, 100): ${fmt(baseline.map((x) => x.ms))}; ${nodesOf(baseline)}`,
  );
  const ok =
    pct(
      now.map((x) => x.ms),
      0.95,
    ) <= 100 &&
    pct(
      past.map((x) => x.ms),
      0.95,
    ) <= 300;
  console.log(
    `lineage-query: depth-5 p95 ${pct(
      now.map((x) => x.ms),
      0.95,
    ).toFixed(1)} ms (goal <= 100), time travel p95 ${pct(
      past.map((x) => x.ms),
      0.95,
    ).toFixed(1)} ms (goal <= 300)`,
  );
  if (!ok) process.exitCode = 1;
} finally {
  await client.end();
  await labdeck.stop();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
