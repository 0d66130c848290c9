/**
 * Soak: 200 req/s across the API plus 1,000 open SSE clients, through a round-robin balancer in front of
 * 2 replicas (`node server/main.ts`) on one embedded PostgreSQL, for SOAK_MINUTES (default 10; bench/run.ts
 * runs 3). Signed in through forward-auth headers (auth.mode proxy, trusted from loopback).
 *   SOAK_MINUTES=10 node bench/soak.ts [--rate 200] [--sse 1000]
 * Baseline in the same run: a third replica on the same database that gets no traffic (no requests, no
 * SSE) for memory and descriptor drift, and GET /healthz inside the mix for latency.
 * Goals: zero 5xx and zero unanswered requests; every SSE stream held the whole run; per loaded replica
 * RSS growth < 5% (a least-squares line through the samples after warm-up, start to end), RSS's anonymous
 * part (what a leak grows: file-backed pages are dropped and read back as the kernel likes, and this
 * machine's proactive reclaim drops 15-20% of an idle replica's RSS that way); no growth in open
 * file descriptors or PostgreSQL connections (at most 1 more) between a quiet spell before the load and
 * one after it (SSE open, no requests, longer than the pool's idle timeout): under load both follow the
 * pool and the balancer's keep-alive sockets up and down, so only what stays open once the load is gone
 * is a leak.
 */
import { type ChildProcess, fork } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedPostgres } from '../server/platform/db/embedded.ts';
import { startBalancer } from '../server/test/balancer.ts';
import { cpuSecondsOf, memoryOf } from './_proc.ts';
import type { LoadResult, MixSpec, SseReport } from './_soak-clients.ts';
import { soakRunEvent } from './_soak-clients.ts';
import { spawnBff } from './_sql-harness.ts';
import { flag, sleep } from './home-probes.ts';

const minutes = Number(process.env.SOAK_MINUTES ?? 10);
const rate = flag('rate', 200);
const sseClients = flag('sse', 1000);
const seconds = Math.round(minutes * 60);
/** Warm-up: the first minute (a third of a shorter run); then windows of up to a minute at both ends. */
const warmup = Math.min(60, seconds / 3);
const windowSeconds = Math.min(60, (seconds - warmup) / 4);
/**
 * RSS growth is read off a least-squares line through every sample after warm-up, from its value at the
 * end of warm-up to its value at the end: V8 sizes its heap by its own rules (a full collection shrinks
 * it by 50-100 MB, then it regrows), which moves a one-minute window's median, or a third's floor, by
 * 20-30% either way with no leak; the line averages that out, a leak tilts it. Floors and medians printed too.
 */
const rssThird = (seconds - warmup) / 3;
const SAMPLE_MS = 2_000;
/**
 * A quiet spell before and after the load, SSE streams open: longer than the pool's idle timeout (30 s,
 * server/platform/db/pool.ts) and the keep-alive timeouts (5 s), so what is still open then is held.
 */
const QUIET_MS = 40_000;
const SERVICES = 20;
const JOBS = 40;
const INGEST_KEY = 'soak-ingest-key-0123456789abcdef';
const identity = { 'X-Forwarded-User': 'soak', 'X-Forwarded-Groups': 'lab-analysts' };
/** What the SPA's pages subscribe to, in turn (empty: every topic). */
const TOPIC_SETS = ['services', 'lineage', 'jobs', ''];
const clientsFile = path.join(import.meta.dirname, '_soak-clients.ts');
const leakFile = path.join(import.meta.dirname, '_soak-leak.ts');

const config = (targetUrl: string) =>
  [
    'log: { level: warn }',
    'auth:',
    '  mode: proxy',
    '  roles: { admin: [lab-admins], analyst: [lab-analysts] }',
    'services:',
    '  probes: { intervalMs: 10000, timeoutMs: 1000 }',
    '  groups:',
    '    - name: Soak',
    '      services:',
    ...Array.from(
      { length: SERVICES },
      (_, i) => `        - { id: s${i}, name: Service ${i}, url: "${targetUrl}/s${i}" }`,
    ),
    'sql:',
    '  sample: { enabled: false }',
    'lineage:',
    `  ingest: { keys: [{ producer: soak, key: ${INGEST_KEY} }] }`,
    '',
  ].join('\n');

interface Replica {
  name: string;
  url: string;
  process: ChildProcess;
}

interface Sample {
  /** Before the load and after it (SSE open, no requests), or during it. */
  phase: 'before' | 'load' | 'after';
  /** Seconds since the load started. */
  at: number;
  rssMb: number[];
  /** The anonymous part of RSS (heap, buffers): file-backed pages come and go with the page cache. */
  anonMb: number[];
  /** V8 heap in use (the replica's /metrics): garbage included until a collection, so its floor is what lives. */
  heapMb: number[];
  /** Inside each replica (process.memoryUsage() through /metrics): V8 heap committed, its new space, external. */
  inside: ReplicaMemory[];
  fds: number[];
  /** Sockets each replica holds to PostgreSQL (its pool and LISTEN connection), from /proc. */
  pgSockets: number[];
  /** HTTP connections each replica has accepted (SSE streams and the balancer's keep-alive pool). */
  inbound: number[];
  /** Client backends in pg_stat_activity (every replica, not this bench's own). */
  pgBackends: number;
  sse: SseReport;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;

const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const anonMbOf = (pid: number) =>
  Number(/^Anonymous:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]) / 1024;

/** [local port, peer port] of each TCP socket `pid` holds (its fd links matched in /proc/net/tcp and tcp6). */
function tcpSocketsOf(pid: number): [number, number][] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1));
    } catch {
      // closed meanwhile
    }
  }
  const port = (address: string) => Number.parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
  const sockets: [number, number][] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && inodes.has(fields[9]!)) sockets.push([port(fields[1]!), port(fields[2]!)]);
    }
  }
  return sockets;
}

async function startTarget() {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

function child(args: string[]): ChildProcess {
  return fork(clientsFile, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** What a replica's process.memoryUsage() says (prom-client's default metrics), in MB. */
interface ReplicaMemory {
  heapUsed: number;
  heapTotal: number;
  /** V8's young generation (semi-spaces), committed: part of heapTotal. */
  newSpace: number;
  /** Memory of C++ objects bound to JS ones (Buffers, zlib contexts' input...), array buffers included. */
  external: number;
}

async function memoryInside(replica: Replica): Promise<ReplicaMemory> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  const mb = (name: string) => Number(new RegExp(`^labdeck_${name} (\\S+)`, 'm').exec(text)?.[1]) / 2 ** 20;
  return {
    heapUsed: mb('nodejs_heap_size_used_bytes'),
    heapTotal: mb('nodejs_heap_size_total_bytes'),
    newSpace: mb('nodejs_heap_space_size_total_bytes\\{space="new"\\}'),
    external: mb('nodejs_external_memory_bytes'),
  };
}

const sseOnReplica = async (replica: Replica) =>
  Number(/^labdeck_sse_clients (\d+)/m.exec(await (await fetch(`${replica.url}/metrics`)).text())?.[1]);

const work = mkdtempSync(path.join(tmpdir(), 'labdeck-bench-soak-'));
const postgres = new EmbeddedPostgres({ dir: path.join(work, 'pg') });
const target = await startTarget();
const replicas: Replica[] = [];
const children: ChildProcess[] = [];
let met = false;
try {
  await postgres.start();
  const pgPort = Number(new URL(postgres.url).port);
  const startReplica = async (name: string) => {
    const dir = path.join(work, name);
    mkdirSync(dir);
    // SOAK_LEAK_MB_PER_S (bench only): replica B leaks that much, to check that the RSS goal fails on a leak.
    const leak = name === 'B' && process.env.SOAK_LEAK_MB_PER_S ? ['--import', leakFile] : [];
    const { url, process: replica } = await spawnBff(dir, config(target.url), postgres.url, leak);
    return { name, url, process: replica };
  };
  // The first one alone creates the schema; the two others start together.
  replicas.push(await startReplica('A'));
  replicas.push(...(await Promise.all([startReplica('B'), startReplica('idle')])));
  const loaded = replicas.slice(0, 2);
  const balancer = await startBalancer(loaded.map((r) => r.url));

  // Lineage to read: a chain of JOBS runs, posted before the load.
  for (let n = 0; n < JOBS; n++) {
    const res = await fetch(`${balancer.url}/api/v1/lineage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_KEY}` },
      body: JSON.stringify(soakRunEvent(n)),
    });
    if (res.status !== 201) throw new Error(`seeding lineage: HTTP ${res.status} ${await res.text()}`);
  }
  const spec: MixSpec = {
    identity,
    ingestKey: INGEST_KEY,
    nodeIds: [0, 10, 20, 30].map((n) => `job:dbt:soak_job_${n}`),
    jobs: JOBS,
  };
  // Every request of the mix answers 2xx before the load: a soak of error pages measures nothing.
  const { soakMix } = await import('./_soak-clients.ts');
  for (const entry of soakMix(spec)) {
    const res = await fetch(balancer.url + entry.path, {
      method: entry.method,
      headers: { ...entry.headers, ...(entry.body ? { 'content-type': 'application/json' } : {}) },
      body: entry.body?.(),
    });
    if (!res.ok) throw new Error(`${entry.method} ${entry.path}: HTTP ${res.status} ${await res.text()}`);
  }

  const sse = child([
    'sse',
    balancer.url,
    String(sseClients),
    JSON.stringify(identity),
    JSON.stringify(TOPIC_SETS),
  ]);
  children.push(sse);
  let sseReport: SseReport = { open: 0, opened: 0, closed: 0, failed: 0, messages: 0, refused: {} };
  sse.on('message', (report: SseReport) => {
    sseReport = report;
  });
  const rampDeadline = Date.now() + 60_000;
  while (sseReport.open < sseClients && Date.now() < rampDeadline)
    await new Promise((resolve) => setTimeout(resolve, 500));
  const perReplica = await Promise.all(loaded.map(sseOnReplica));
  console.log(
    `soak: ${minutes} min window (SOAK_MINUTES=${process.env.SOAK_MINUTES ?? 'unset, default 10'}), ${rate} req/s through a balancer on 2 replicas, ` +
      `${sseReport.open}/${sseClients} SSE streams open (${perReplica.join(' + ')} per replica, /metrics), warm-up ${warmup} s, windows ${windowSeconds} s, quiet spells ${QUIET_MS / 1000} s before and after, ` +
      `load avg ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${availableParallelism()} cores, Node ${process.version}`,
  );
  if (sseReport.open < sseClients)
    throw new Error(
      `only ${sseReport.open} of ${sseClients} SSE streams opened (refused ${JSON.stringify(sseReport.refused)}, failed ${sseReport.failed})`,
    );

  const pgClient = new pg.Client({ connectionString: postgres.url });
  await pgClient.connect();
  const samples: Sample[] = [];
  let phase: Sample['phase'] = 'before';
  let loadStarted = Date.now();
  let sampling: Promise<void> | undefined;
  const sample = () => {
    // The previous one may still wait for PostgreSQL or /metrics (a loaded machine).
    sampling ??= takeSample().finally(() => {
      sampling = undefined;
    });
  };
  const takeSample = async () => {
    const pids = replicas.map((r) => r.process.pid!);
    const ports = replicas.map((r) => Number(new URL(r.url).port));
    const sockets = pids.map(tcpSocketsOf);
    const inside = await Promise.all(replicas.map(memoryInside));
    const { rows } = await pgClient.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
    );
    const last: Sample = {
      phase,
      at: (Date.now() - loadStarted) / 1000,
      rssMb: pids.map((pid) => memoryOf([pid]).rssMb),
      anonMb: pids.map(anonMbOf),
      heapMb: inside.map((m) => m.heapUsed),
      inside,
      fds: pids.map(fdCount),
      pgSockets: sockets.map((list) => list.filter(([, peer]) => peer === pgPort).length),
      inbound: sockets.map((list, i) => list.filter(([local]) => local === ports[i]).length),
      pgBackends: rows[0]!.n,
      sse: { ...sseReport },
    };
    samples.push(last);
    if (phase === 'load' && samples.filter((s) => s.phase === 'load').length % (60_000 / SAMPLE_MS) === 0)
      console.log(
        `  ${last.at.toFixed(0).padStart(4)} s: RSS ${last.rssMb.map((m) => m.toFixed(0)).join('/')} MB ` +
          `(anonymous ${last.anonMb.map((m) => m.toFixed(0)).join('/')}: V8 heap committed ${last.inside.map((m) => m.heapTotal.toFixed(0)).join('/')} ` +
          `of which new space ${last.inside.map((m) => m.newSpace.toFixed(0)).join('/')}, external ${last.inside.map((m) => m.external.toFixed(0)).join('/')}, ` +
          `the rest (malloc, stacks) ${last.anonMb.map((m, i) => (m - last.inside[i]!.heapTotal - last.inside[i]!.external).toFixed(0)).join('/')}), ` +
          `fds ${last.fds.join('/')} (inbound HTTP ${last.inbound.join('/')}), PG sockets ${last.pgSockets.join('/')} (A/B/idle), ` +
          `PG backends ${last.pgBackends}, SSE open ${last.sse.open}, load avg ${loadavg()[0]!.toFixed(1)}`,
      );
  };
  const sampler = setInterval(sample, SAMPLE_MS);
  await sleep(QUIET_MS); // SSE open, no requests: the idle pool and keep-alive sockets have closed

  phase = 'load';
  loadStarted = Date.now();
  const cpuPids = [...replicas.map((r) => r.process.pid!), process.pid, sse.pid!];
  const cpuBefore = cpuPids.map((pid) => cpuSecondsOf([pid], false));
  const load = child(['load', balancer.url, String(rate), String(seconds), JSON.stringify(spec)]);
  children.push(load);
  const result = await new Promise<LoadResult>((resolve, reject) => {
    load.once('message', (message) => resolve(message as LoadResult));
    load.once('exit', (code) => reject(new Error(`load generator exited ${code}`)));
  });
  phase = 'after';
  const elapsed = (Date.now() - loadStarted) / 1000;
  const share = (cpu: number) => `${((cpu / elapsed) * 100).toFixed(0)}%`;
  const cpuUsed = cpuPids.map((pid, i) => share(cpuSecondsOf([pid], false) - cpuBefore[i]!));
  console.log(
    `CPU during the load (% of one core): replicas A/B/idle ${cpuUsed.slice(0, 3).join('/')}, balancer (this process) ${cpuUsed[3]}, ` +
      `SSE clients ${cpuUsed[4]}, load generator ${share(result.cpuSeconds)}; load avg ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  await sleep(QUIET_MS);
  clearInterval(sampler);
  await sampling;
  await pgClient.end();
  sse.send('stop');
  await new Promise((resolve) => sse.once('exit', resolve));
  await balancer.close();

  if (process.env.SOAK_SAMPLES) writeFileSync(process.env.SOAK_SAMPLES, JSON.stringify(samples));
  met = report(result, samples);
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  for (const r of replicas) r.process.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  target.close();
  await postgres.stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = met ? 0 : 1;

/** The least-squares line of `of` over `samples`: its values at the end of warm-up and at the end of the load. */
function fitLine(samples: Sample[], of: (s: Sample) => number): [number, number] {
  const meanAt = samples.reduce((sum, s) => sum + s.at, 0) / samples.length;
  const mean = samples.reduce((sum, s) => sum + of(s), 0) / samples.length;
  const slope =
    samples.reduce((sum, s) => sum + (s.at - meanAt) * (of(s) - mean), 0) /
    samples.reduce((sum, s) => sum + (s.at - meanAt) ** 2, 0);
  return [mean + slope * (warmup - meanAt), mean + slope * (seconds - meanAt)];
}

/** Prints the figures and says whether every goal was met. */
function report({ labels, samples: requests, errors, retried }: LoadResult, samples: Sample[]): boolean {
  const goals: [string, boolean][] = [];
  const fiveXx = requests.filter(([, , status]) => status >= 500).length;
  const unanswered = requests.filter(([, , status]) => status === 0).length;
  const other = requests.filter(([, , status]) => status >= 400 && status < 500).length;
  const latencyOf = (rows: LoadResult['samples']) =>
    rows.map(([, , , latency]) => latency).sort((a, b) => a - b);

  console.log('  minute  requests  p50        p99        max         5xx');
  for (let minute = 0; minute * 60 < seconds; minute++) {
    const rows = requests.filter(([second]) => Math.floor(second / 60) === minute);
    const sorted = latencyOf(rows);
    console.log(
      `  ${String(minute + 1).padStart(6)}  ${String(rows.length).padStart(8)}  ${ms(percentile(sorted, 50)).padEnd(9)}  ` +
        `${ms(percentile(sorted, 99)).padEnd(9)}  ${ms(sorted.at(-1) ?? Number.NaN).padEnd(10)}  ${rows.filter(([, , s]) => s >= 500).length}`,
    );
  }
  labels.forEach((label, index) => {
    const sorted = latencyOf(requests.filter(([, l]) => l === index));
    console.log(
      `  ${label.padEnd(24)} ${String(sorted.length).padStart(7)} requests, p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}`,
    );
  });
  const all = latencyOf(requests);
  const healthz = latencyOf(requests.filter(([, l]) => labels[l] === 'GET /healthz'));
  console.log(
    `overall: ${requests.length} requests, p50 ${ms(percentile(all, 50))}, p99 ${ms(percentile(all, 99))}, max ${ms(all.at(-1)!)}; ` +
      `baseline GET /healthz in the same load p50 ${ms(percentile(healthz, 50))}, p99 ${ms(percentile(healthz, 99))}; ` +
      `5xx ${fiveXx}, unanswered ${unanswered}${unanswered ? ` ${JSON.stringify(errors)}` : ''}, 4xx ${other}, ` +
      `GETs sent again after their kept-alive connection closed ${retried}`,
  );
  goals.push([`zero 5xx (${fiveXx}) and zero unanswered (${unanswered})`, fiveXx === 0 && unanswered === 0]);

  const during = samples.filter((s) => s.phase === 'load');
  const first = during.filter((s) => s.at >= warmup && s.at <= warmup + windowSeconds);
  const last = during.filter((s) => s.at >= seconds - windowSeconds);
  const firstThird = during.filter((s) => s.at >= warmup && s.at < warmup + rssThird);
  const lastThird = during.filter((s) => s.at >= seconds - rssThird);
  // Quiet figures: the last 15 s of the quiet spells before and after the load.
  const quietTail = Math.round(15_000 / SAMPLE_MS);
  const before = samples.filter((s) => s.phase === 'before').slice(-quietTail);
  const after = samples.filter((s) => s.phase === 'after').slice(-quietTail);
  // One more is not growth: a periodic task (probes, heartbeat) may hold one more pooled connection.
  const held = (from: number, to: number) => to <= from + 1;
  const end = samples.at(-1)!;
  const minOpen = Math.min(...samples.map((s) => s.sse.open));
  goals.push([
    `${sseClients} SSE streams held the whole run (min open ${minOpen}, closed ${end.sse.closed}, ${end.sse.messages} messages received)`,
    minOpen === sseClients && end.sse.closed === 0,
  ]);
  const change = (of: (s: Sample) => number, from: Sample[], to: Sample[]) => [
    median(from.map(of)),
    median(to.map(of)),
  ];
  replicas.forEach((replica, i) => {
    const lowest = (window: Sample[], of: (s: Sample) => number) => Math.min(...window.map(of));
    const highest = (window: Sample[], of: (s: Sample) => number) => Math.max(...window.map(of));
    const anon = (s: Sample) => s.anonMb[i]!;
    const [floorFirst, floorLast] = [lowest(firstThird, anon), lowest(lastThird, anon)];
    const [anonFirst, anonLast] = fitLine(
      during.filter((s) => s.at >= warmup),
      anon,
    );
    const growth = ((anonLast - anonFirst) / anonFirst) * 100;
    const [medianFirst, medianLast] = change(anon, first, last);
    const [rssFirst, rssLast] = [firstThird, lastThird].map((third) => lowest(third, (s) => s.rssMb[i]!));
    const floor = (window: Sample[]) => lowest(window, (s) => s.heapMb[i]!).toFixed(1);
    const inside = (window: Sample[], of: (m: ReplicaMemory) => number) =>
      `${lowest(window, (s) => of(s.inside[i]!)).toFixed(0)}-${highest(window, (s) => of(s.inside[i]!)).toFixed(0)}`;
    const [fdsBefore, fdsAfter] = change((s) => s.fds[i]!, before, after);
    const [fdsFirst, fdsLast] = change((s) => s.fds[i]!, first, last);
    const [inboundBefore, inboundAfter] = change((s) => s.inbound[i]!, before, after);
    const [pgBefore, pgAfter] = change((s) => s.pgSockets[i]!, before, after);
    const [pgFirst, pgLast] = change((s) => s.pgSockets[i]!, first, last);
    const figures =
      `replica ${replica.name}${replica.name === 'idle' ? ' (baseline, no traffic)' : ''}: ` +
      `RSS anonymous, least-squares line over the ${((seconds - warmup) / 60).toFixed(1)} min after warm-up ${anonFirst.toFixed(1)} -> ${anonLast.toFixed(1)} MB ` +
      `(${growth >= 0 ? '+' : ''}${growth.toFixed(1)}%, goal < 5%; lowest of the first -> last ${(rssThird / 60).toFixed(1)} min ${floorFirst.toFixed(1)} -> ${floorLast.toFixed(1)} MB, ` +
      `whole RSS ${rssFirst!.toFixed(1)} -> ${rssLast!.toFixed(1)} MB; ` +
      `range ${lowest(during, anon).toFixed(0)}-${highest(during, anon).toFixed(0)} MB under load, median of the first -> last ${windowSeconds} s ${medianFirst!.toFixed(0)} -> ${medianLast!.toFixed(0)} MB; ` +
      `V8 heap used, floor ${floor(firstThird)} -> ${floor(lastThird)} MB; first -> last third, MB: V8 heap committed ${inside(firstThird, (m) => m.heapTotal)} -> ${inside(lastThird, (m) => m.heapTotal)}, ` +
      `its new space ${inside(firstThird, (m) => m.newSpace)} -> ${inside(lastThird, (m) => m.newSpace)}, external ${inside(firstThird, (m) => m.external)} -> ${inside(lastThird, (m) => m.external)}); ` +
      `quiet before -> after: fds ${fdsBefore} -> ${fdsAfter} (inbound HTTP ${inboundBefore} -> ${inboundAfter}), PG connections ${pgBefore} -> ${pgAfter}; ` +
      `under load first -> last window: fds ${fdsFirst} -> ${fdsLast}, PG connections ${pgFirst} -> ${pgLast}`;
    if (replica.name === 'idle') console.log(`info   ${figures}`);
    else goals.push([figures, growth < 5 && held(fdsBefore!, fdsAfter!) && held(pgBefore!, pgAfter!)]);
  });
  const [backendsBefore, backendsAfter] = change((s) => s.pgBackends, before, after);
  goals.push([
    `pg_stat_activity client backends (all 3 replicas), quiet before -> after: ${backendsBefore} -> ${backendsAfter} (goal: at most 1 more, as for fds and PG connections per replica)`,
    held(backendsBefore!, backendsAfter!),
  ]);
  for (const [text, ok] of goals) console.log(`${ok ? 'met   ' : 'MISSED'} ${text}`);
  console.log(
    `load avg at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  return goals.every(([, ok]) => ok);
}
