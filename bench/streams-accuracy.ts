/**
 * Streams accuracy: a real producer writes at a steady R msgs/s (R = 100 and 5,000, two topics at once)
 * to a real broker (lab/kafka); after a minute, the 1-minute average Labdeck shows (GET .../topics, rate1m)
 * must be within ±5% of R. Baseline in the same run: the rate measured from raw ListOffsets calls taken
 * by the bench itself at the start and end of the same minute.
 * Needs `bash lab/kafka/install.sh`. Takes about 80 s.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Admin } from '@platformatic/kafka';
import pino from 'pino';
import { startKafka } from '../lab/kafka/broker.ts';
import { produceAtRate } from '../lab/kafka/workload.ts';
import { serverModules } from '../server/modules/index.ts';
import { startLabdeck } from '../server/platform/runtime.ts';

const RATES = [100, 5_000];
const TOLERANCE = 0.05;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const broker = await startKafka();
const admin = new Admin({ clientId: 'bench-accuracy', bootstrapBrokers: [broker.bootstrap], retries: 5 });
const cwd = mkdtempSync(path.join(tmpdir(), 'labdeck-bench-accuracy-'));
writeFileSync(
  path.join(cwd, 'labdeck.yaml'),
  `streams:\n  clusters:\n    - id: bench\n      bootstrap: ${broker.bootstrap}\n      interval: 5s\n      metadataInterval: 5s\n`,
);
const labdeck = await startLabdeck({
  modules: serverModules,
  cwd,
  env: {
    ...process.env,
    PORT: '0',
    LABDECK_CONFIG: path.join(cwd, 'labdeck.yaml'),
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
  },
  log: pino({ level: 'warn' }),
});
let failed = false;
try {
  const topics = RATES.map((rate) => `accuracy.r${rate}`);
  await admin.createTopics({ topics, partitions: 3, replicas: 1 });
  const endOffsets = async (topic: string) => {
    const [listed] = await admin.listOffsets({
      topics: [
        { name: topic, partitions: [0, 1, 2].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) },
      ],
    });
    return { t: performance.now(), total: Number(listed!.partitions.reduce((sum, p) => sum + p.offset, 0n)) };
  };
  const producers = RATES.map((rate, i) => produceAtRate(broker.bootstrap, topics[i]!, rate));
  await sleep(5_000); // ramp-up: let the producers reach their steady rate
  const before = await Promise.all(topics.map(endOffsets));
  await sleep(60_000);
  const after = await Promise.all(topics.map(endOffsets));
  // The figure a browser gets right now.
  const res = await fetch(`${labdeck.url}/api/streams/clusters/bench/topics?sort=name`);
  const shown = ((await res.json()) as { topics: Array<{ name: string; rate1m: number | null }> }).topics;
  await Promise.all(producers.map((p) => p.stop()));
  RATES.forEach((rate, i) => {
    const baseline = ((after[i]!.total - before[i]!.total) * 1000) / (after[i]!.t - before[i]!.t);
    const value = shown.find((t) => t.name === topics[i])?.rate1m ?? Number.NaN;
    const error = (value - rate) / rate;
    const ok = Math.abs(error) <= TOLERANCE;
    if (!ok) failed = true;
    console.log(
      `R = ${rate} msgs/s: Labdeck 1-minute average ${value.toFixed(1)} msgs/s (${(100 * error).toFixed(2)}% from R, goal ±${TOLERANCE * 100}%) ${ok ? 'OK' : 'MISSED'}; ` +
        `baseline from raw ListOffsets over the same minute ${baseline.toFixed(1)} msgs/s`,
    );
  });
} finally {
  await labdeck.close();
  await admin.close().catch(() => {});
  await broker.stop();
}
if (failed) process.exitCode = 1;
