// OpenLineage ingestion through HTTP batches (validate, store raw, derive in one transaction per batch)
// against a plain multi-row INSERT of the same JSON into the same database, in the same run.
//   node bench/lineage-ingest.ts [--seconds 10] [--batch 500] [--concurrency 4] [--rounds 3]
// Goal: >= 5,000 events/s sustained (median of rounds).
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
const seconds = flag('seconds', 10);
const batchSize = flag('batch', 500);
const concurrency = flag('concurrency', 4);
const rounds = flag('rounds', 3);
const GOAL = 5_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const dir = mkdtempSync(path.join(tmpdir(), 'labdeck-bench-lineage-'));
const postgres = new EmbeddedPostgres({ dir: path.join(dir, 'pg') });
await postgres.start();
const databaseUrl = postgres.url;
const labdeck = await startLabdeckProcess({ env: { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' } });
const client = new pg.Pool({ connectionString: databaseUrl, max: concurrency });

try {
  const plan = planGraph(5_000, 7);
  const random = rng(11);
  let clock = Date.UTC(2026, 0, 1);
  /** Endless realistic traffic: START + COMPLETE per run of a random job. */
  const nextBatch = () => {
    const events: Record<string, unknown>[] = [];
    while (events.length < batchSize) {
      clock += 250;
      events.push(
        ...runEvents(plan.jobs[Math.floor(random() * plan.jobs.length)]!, clock, random, {
          columns: plan.columns,
        }),
      );
    }
    return events;
  };
  const sample = nextBatch();
  const bytes = Buffer.byteLength(JSON.stringify(sample)) / sample.length;
  console.log(
    `lineage-ingest: ${plan.jobs.length} jobs, ${plan.datasets.length} datasets, ~${Math.round(bytes)} bytes/event, batches of ${batchSize}, ${concurrency} concurrent, ${seconds} s x ${rounds} rounds, Node ${process.version}`,
  );

  /**
   * Sends batches from `concurrency` workers for `seconds`; returns events/s. Every event is new and
   * event times only advance, as a producer's do. Requests for up to `ceiling` events/s are rendered
   * before the clock starts: on this 2-core machine the load generator would otherwise take CPU from
   * what it measures (a real producer runs elsewhere). Past that, batches are rendered while sending.
   */
  async function drive<T>(
    ceiling: number,
    prepare: (events: string[]) => T,
    send: (request: T) => Promise<void>,
  ): Promise<number> {
    const request = () => {
      const events = nextBatch().map((e) => JSON.stringify(e));
      return { body: prepare(events), count: events.length };
    };
    const ready = Array.from({ length: Math.ceil((ceiling * seconds) / batchSize) }, request);
    let done = 0;
    const end = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const next = ready.shift() ?? request();
          await send(next.body);
          done += next.count;
        }
      }),
    );
    return done / ((performance.now() - started) / 1000);
  }

  const viaLabdeck = (body: string) =>
    fetch(`${labdeck.url}/api/v1/lineage/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    }).then(async (res) => {
      if (res.status !== 200)
        throw new Error(
          `batch answered ${res.status}: ${(await res.text()).slice(0, 300)}\nLabdeck's log:\n${labdeck.output().slice(-3000)}`,
        );
      await res.arrayBuffer();
    });
  await client.query(
    'CREATE TABLE IF NOT EXISTS bench_plain_events (id bigserial PRIMARY KEY, body jsonb NOT NULL)',
  );
  const plainInsert = async (events: string[]) => {
    await client.query('INSERT INTO bench_plain_events (body) SELECT * FROM unnest($1::jsonb[])', [events]);
  };

  /** Ceilings of pre-rendered requests: twice the goal, and above what a plain INSERT reaches here. */
  const LABDECK_CEILING = 2 * GOAL;
  const PLAIN_CEILING = 16_000;
  const joined = (events: string[]) => `[${events.join(',')}]`;
  const asIs = (events: string[]) => events;
  await drive(LABDECK_CEILING, joined, viaLabdeck); // warm-up (JIT, caches, first derived rows)
  const labdeckRates: number[] = [];
  const plainRates: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const rate = await drive(LABDECK_CEILING, joined, viaLabdeck);
    const plain = await drive(PLAIN_CEILING, asIs, plainInsert);
    labdeckRates.push(rate);
    plainRates.push(plain);
    console.log(
      `  round ${round}: Labdeck HTTP batch ${rate.toFixed(0)} events/s | plain INSERT of the same JSON ${plain.toFixed(0)} events/s`,
    );
  }
  const { rows } = await client.query<{ events: number; edges: number; runs: number }>(
    'SELECT (SELECT count(*) FROM lineage_events)::int AS events, (SELECT count(*) FROM lineage_edges)::int AS edges, (SELECT count(*) FROM lineage_runs)::int AS runs',
  );
  const rate = median(labdeckRates);
  console.log(
    `lineage-ingest: median ${rate.toFixed(0)} events/s through HTTP (goal >= ${GOAL}), baseline plain INSERT median ${median(plainRates).toFixed(0)} events/s; stored ${rows[0]!.events} events, ${rows[0]!.runs} runs, ${rows[0]!.edges} edges`,
  );
  if (rate < GOAL) process.exitCode = 1;
} finally {
  await client.end();
  await labdeck.stop();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
