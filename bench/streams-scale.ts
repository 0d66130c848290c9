/**
 * Streams at scale against a real broker (lab/kafka): 2,000 topics x 5 partitions (10,000 partitions) and
 * 500 consumer groups with committed offsets. Goals: one sampling cycle <= 1 s; BFF CPU <= 20% of one core
 * at a 5 s interval; GET /api/streams/clusters/:id/topics p99 <= 50 ms.
 * Baselines measured in the same run: one raw ListOffsets over all partitions and one raw OffsetFetch over
 * all groups (the client library alone); the CPU of a bare loop making those same raw calls every 5 s;
 * p99 of GET /healthz under the same load.
 * Needs `bash lab/kafka/install.sh`. Takes a few minutes (topic creation dominates).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import pino from 'pino';
import { startKafka } from '../lab/kafka/broker.ts';
import { serverModules } from '../server/modules/index.ts';
import { startLabdeck } from '../server/platform/runtime.ts';

const TOPICS = Number(process.env.BENCH_TOPICS ?? 2_000);
const PARTITIONS = 5;
const GROUPS = Number(process.env.BENCH_GROUPS ?? 500);
const INTERVAL_MS = 5_000;
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 60_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const root = path.resolve(import.meta.dirname, '..');

const broker = await startKafka({ startTimeoutMs: 120_000 });
const admin = new Admin({
  clientId: 'bench-scale',
  bootstrapBrokers: [broker.bootstrap],
  retries: 5,
  requestTimeout: 60_000,
});
let failed = false;
const goal = (ok: boolean) => {
  if (!ok) failed = true;
  return ok ? 'OK' : 'MISSED';
};

try {
  const names = Array.from({ length: TOPICS }, (_, i) => `scale.t${String(i).padStart(4, '0')}`);
  let created = performance.now();
  for (let i = 0; i < names.length; i += 100) {
    await admin.createTopics({ topics: names.slice(i, i + 100), partitions: PARTITIONS, replicas: 1 });
  }
  console.log(
    `setup: ${TOPICS} topics x ${PARTITIONS} partitions in ${((performance.now() - created) / 1000).toFixed(0)} s`,
  );
  created = performance.now();
  const groupIds = Array.from({ length: GROUPS }, (_, i) => `scale-g${String(i).padStart(3, '0')}`);
  for (let i = 0; i < GROUPS; i++) {
    const commit = () =>
      admin.alterConsumerGroupOffsets({
        groupId: groupIds[i]!,
        topics: [
          {
            name: names[i % TOPICS]!,
            partitionOffsets: Array.from({ length: PARTITIONS }, (_, partition) => ({
              partition,
              offset: 0n,
            })),
          },
        ],
      });
    // The first commit creates __consumer_offsets: its coordinator takes a moment to become available.
    for (let attempt = 0; ; attempt++) {
      try {
        await commit();
        break;
      } catch (error) {
        if (attempt >= 30) throw error;
        await sleep(1_000);
      }
    }
  }
  console.log(
    `setup: ${GROUPS} consumer groups with committed offsets in ${((performance.now() - created) / 1000).toFixed(0)} s`,
  );

  // ---- baselines: the client library alone ----
  const allPartitions = names.map((name) => ({
    name,
    partitions: Array.from({ length: PARTITIONS }, (_, partitionIndex) => ({
      partitionIndex,
      timestamp: -1n,
    })),
  }));
  const rawCycle = async () => {
    await admin.listOffsets({ topics: allPartitions });
    await admin.listConsumerGroupOffsets({ groups: groupIds });
  };
  const rawTimes: number[] = [];
  const fetchTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    await admin.listOffsets({ topics: allPartitions });
    rawTimes.push(performance.now() - t);
    t = performance.now();
    await admin.listConsumerGroupOffsets({ groups: groupIds });
    fetchTimes.push(performance.now() - t);
  }
  const cpuOver = async (ms: number, work?: () => Promise<void>) => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    while (performance.now() - start < ms) {
      const tick = performance.now();
      await work?.();
      await sleep(Math.max(0, INTERVAL_MS - (performance.now() - tick)));
    }
    const used = process.cpuUsage(cpu);
    return (100 * (used.user + used.system)) / 1000 / (performance.now() - start);
  };
  const rawCpu = await cpuOver(Math.min(MEASURE_MS, 30_000), rawCycle);

  // ---- Labdeck ----
  const cwd = mkdtempSync(path.join(tmpdir(), 'labdeck-bench-scale-'));
  writeFileSync(
    path.join(cwd, 'labdeck.yaml'),
    `streams:\n  clusters:\n    - id: bench\n      bootstrap: ${broker.bootstrap}\n      interval: ${INTERVAL_MS}ms\n`,
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
  try {
    const clusters = async () =>
      (
        (await (await fetch(`${labdeck.url}/api/streams/clusters`)).json()) as {
          clusters: Array<{
            status: string;
            cycleMs: number;
            attemptedAt: number;
            overview: { partitions: number; groups: number };
          }>;
        }
      ).clusters[0]!;
    const deadline = Date.now() + 120_000;
    while ((await clusters()).overview.groups < GROUPS && Date.now() < deadline) await sleep(500);
    const first = await clusters();
    console.log(
      `Labdeck sees ${first.overview.partitions} partitions and ${first.overview.groups} groups (status ${first.status})`,
    );
    await sleep(2 * INTERVAL_MS);
    const cycles = new Map<number, number>();
    const watch = setInterval(async () => {
      const c = await clusters().catch(() => null);
      if (c?.attemptedAt) cycles.set(c.attemptedAt, c.cycleMs);
    }, 1_000);
    const cpu = await cpuOver(MEASURE_MS);
    clearInterval(watch);
    const times = [...cycles.values()];
    console.log(
      `sampling cycle (10k partitions, ${GROUPS} groups): median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms over ${times.length} cycles (goal <= 1000 ms) ${goal(Math.max(...times) <= 1000)}`,
    );
    console.log(
      `  baseline: one raw ListOffsets over all partitions ${median(rawTimes).toFixed(0)} ms, one raw OffsetFetch over all groups ${median(fetchTimes).toFixed(0)} ms (medians of 5)`,
    );
    console.log(
      `BFF CPU at a ${INTERVAL_MS / 1000} s interval: ${cpu.toFixed(1)}% of one core (goal <= 20%) ${goal(cpu <= 20)}`,
    );
    console.log(
      `  baseline: a bare loop of the same raw calls every ${INTERVAL_MS / 1000} s: ${rawCpu.toFixed(1)}% of one core`,
    );

    // autocannon in its own process: the BFF under test keeps this process's event loop to itself.
    const cannon = async (url: string, seconds: number) => {
      const { stdout } = await promisify(execFile)(
        path.join(root, 'node_modules/.bin/autocannon'),
        ['-j', '-c', '10', '-d', String(seconds), url],
        { maxBuffer: 16 * 1024 * 1024 },
      );
      return JSON.parse(stdout) as {
        latency: { p99: number; p50: number };
        requests: { average: number };
        non2xx: number;
      };
    };
    const ui = `${labdeck.url}/api/streams/clusters/bench/topics?q=&sort=rate&order=desc&limit=200`;
    const api = await cannon(ui, 10);
    const all = await cannon(`${labdeck.url}/api/streams/clusters/bench/topics?limit=10000`, 5);
    const health = await cannon(`${labdeck.url}/healthz`, 5);
    console.log(
      `GET .../topics (sorted by rate, 200 rows, as the UI asks) p99 ${api.latency.p99} ms, p50 ${api.latency.p50} ms, ${api.requests.average.toFixed(0)} req/s, 10 connections (goal p99 <= 50 ms) ${goal(api.latency.p99 <= 50 && api.non2xx === 0)}`,
    );
    console.log(`  all ${TOPICS} topics in one answer: p99 ${all.latency.p99} ms, p50 ${all.latency.p50} ms`);
    console.log(
      `  baseline GET /healthz under the same load: p99 ${health.latency.p99} ms, p50 ${health.latency.p50} ms`,
    );
  } finally {
    await labdeck.close();
  }
} finally {
  await admin.close().catch(() => {});
  await broker.stop();
}
if (failed) process.exitCode = 1;
