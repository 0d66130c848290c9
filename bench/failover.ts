/**
 * Failover: three replicas (`node server/main.ts`) on one embedded PostgreSQL probe services every
 * second against a local target that records each probe's arrival.
 *   node bench/failover.ts [--rounds 3] [--events 200]
 * Each round kill -9s the replica that probes (the one /api/services/discovery calls leader), measures
 * the takeover (kill -> the last service's first probe from another replica) and counts double probes (two
 * probes of a service less than an interval apart), then starts a replacement replica. Then live events:
 * lineage events posted through replica A, timed on SSE clients of B and C, beside A's own SSE client.
 * Goals: takeover <= interval + the followers' 1 s lock retry, zero double probes, cross-replica p99 <= 500 ms.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runEvent } from '../server/modules/lineage/test/events.ts';
import { EmbeddedPostgres } from '../server/platform/db/embedded.ts';
import { listenLineage, percentile, startProbeTarget } from '../server/test/replicas.ts';
import { flag, median, sleep } from './_cli.ts';
import { spawnBff } from './_sql-harness.ts';

const rounds = flag('rounds', 3);
const events = flag('events', 200);
const INTERVAL_MS = 1_000;
/** A follower tries the probing lock every second (server/platform/leader.ts). */
const LOCK_RETRY_MS = 1_000;
const P99_GOAL_MS = 500;
const SERVICES = ['s1', 's2', 's3', 's4'];
const INGEST_KEY = 'failover-ingest-key-0123456789abc';
const identity = { 'X-Forwarded-User': 'bench', 'X-Forwarded-Groups': 'lab-admins' };

const config = (targetUrl: string) =>
  [
    'log: { level: warn }',
    'auth:',
    '  mode: proxy',
    '  roles: { admin: [lab-admins], analyst: [lab-analysts] }',
    'replicas: { heartbeatMs: 300, leaseMs: 1500 }',
    'services:',
    `  probes: { intervalMs: ${INTERVAL_MS}, timeoutMs: 500, jitter: 0 }`,
    '  groups:',
    '    - name: Failover',
    '      services:',
    ...SERVICES.map((id) => `        - { id: ${id}, name: ${id}, url: "${targetUrl}/${id}" }`),
    'sql:',
    '  sample: { enabled: false }',
    'lineage:',
    `  ingest: { keys: [{ producer: failover, key: ${INGEST_KEY} }] }`,
    '',
  ].join('\n');

interface Replica {
  name: string;
  url: string;
  process: ChildProcess;
}

const isLeader = async (replica: Replica) =>
  (
    (await (await fetch(`${replica.url}/api/services/discovery`, { headers: identity })).json()) as {
      leader: boolean;
    }
  ).leader;

/** The one replica that calls itself leader, once exactly one does. */
async function prober(replicas: Replica[]): Promise<Replica> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const leaders = await Promise.all(replicas.map(isLeader));
    if (leaders.filter(Boolean).length === 1) return replicas[leaders.indexOf(true)]!;
    if (Date.now() > deadline) throw new Error(`no single leader: ${leaders.join(', ')}`);
    await sleep(100);
  }
}

/** Two probes of a service closer than an interval (less 100 ms for timer slack), over the whole run. */
const doubleProbes = (probes: Map<string, number[]>) =>
  [...probes.values()].reduce(
    (count, times) => count + times.slice(1).filter((t, i) => t - times[i]! < INTERVAL_MS - 100).length,
    0,
  );

/**
 * One round: kill -9 the prober `phase` of an interval after its last probes (rounds spread the kill
 * over the interval: a kill just before a probe is due waits for a follower's lock retry).
 */
async function failoverRound(
  replicas: Replica[],
  probes: Map<string, number[]>,
  phase: number,
): Promise<number> {
  const victim = await prober(replicas);
  // Probing has settled into its rhythm under this leader.
  const since = Date.now();
  while (SERVICES.some((id) => probes.get(id)!.filter((t) => t > since).length < 2)) await sleep(20);
  await sleep(phase * INTERVAL_MS);
  const killedAt = Date.now();
  victim.process.kill('SIGKILL');
  replicas.splice(replicas.indexOf(victim), 1);
  const firstAfter = () => SERVICES.map((id) => probes.get(id)!.find((t) => t > killedAt));
  while (firstAfter().some((t) => t === undefined) && Date.now() - killedAt < 15_000) await sleep(20);
  const takeover = Math.max(...firstAfter().map((t) => (t ?? Number.POSITIVE_INFINITY) - killedAt));
  console.log(
    `failover: killed ${victim.name} ${Math.round(phase * INTERVAL_MS)} ms after its probes; every service probed again ${takeover} ms after the kill`,
  );
  return takeover;
}

/** Latencies (ms) of `events` lineage events posted through `a`, at SSE clients of `a` and of the others. */
async function liveEvents(a: Replica, others: Replica[]) {
  const job = /failover_job_(\d+)/;
  const atA = new Map<string, number>();
  const atOthers = others.map(() => new Map<string, number>());
  const stops = [
    await listenLineage(a.url, identity, job, atA),
    ...(await Promise.all(others.map((r, i) => listenLineage(r.url, identity, job, atOthers[i]!)))),
  ];
  await sleep(300);
  const sentAt = new Map<string, number>();
  for (let i = 0; i < events; i++) {
    sentAt.set(String(i), Date.now());
    const res = await fetch(`${a.url}/api/v1/lineage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_KEY}` },
      body: JSON.stringify(runEvent({ job: `failover_job_${i}`, outputs: [{ name: `failover_out_${i}` }] })),
    });
    if (res.status !== 201) throw new Error(`lineage POST: HTTP ${res.status} ${await res.text()}`);
    await sleep(25);
  }
  const all = () => atA.size + atOthers.reduce((n, m) => n + m.size, 0);
  const deadline = Date.now() + 5_000;
  while (all() < events * (1 + others.length) && Date.now() < deadline) await sleep(50);
  for (const stop of stops) await stop();
  const latency = (arrivals: Map<string, number>) =>
    [...sentAt].map(([id, sent]) => (arrivals.get(id) ?? Number.POSITIVE_INFINITY) - sent);
  return { same: latency(atA), cross: atOthers.flatMap(latency) };
}

const work = mkdtempSync(path.join(tmpdir(), 'labdeck-bench-failover-'));
const postgres = new EmbeddedPostgres({ dir: path.join(work, 'pg') });
const target = await startProbeTarget(SERVICES);
const replicas: Replica[] = [];
const started: Replica[] = [];
let met = false;
try {
  await postgres.start();
  const startReplica = async (name: string) => {
    const dir = path.join(work, name);
    mkdirSync(dir);
    const replica = { name, ...(await spawnBff(dir, config(target.url), postgres.url)) };
    started.push(replica);
    return replica;
  };
  // The first one alone creates the schema; the two others start together.
  replicas.push(await startReplica('r1'));
  replicas.push(...(await Promise.all([startReplica('r2'), startReplica('r3')])));

  const takeovers: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    takeovers.push(await failoverRound(replicas, target.probes, (round - 1) / rounds));
    replicas.push(await startReplica(`r${3 + round}`));
  }
  // A last interval after the last takeover so that a double probe right after it is seen too.
  await sleep(2 * INTERVAL_MS);
  const doubles = doubleProbes(target.probes);
  const gaps = [...target.probes.values()].reduce((n, times) => n + times.length - 1, 0);

  const [a, ...others] = replicas as [Replica, ...Replica[]];
  const { same, cross } = await liveEvents(a, others);

  const takeoverGoal = INTERVAL_MS + LOCK_RETRY_MS;
  const crossP99 = percentile(cross, 99);
  console.log(
    `failover: takeover after kill -9 of the prober, ${rounds} rounds: median ${median(takeovers)} ms, max ${Math.max(...takeovers)} ms ` +
      `(baseline: the probe interval ${INTERVAL_MS} ms; goal <= ${takeoverGoal} ms)`,
  );
  console.log(
    `failover: double probes (two of a service within an interval): ${doubles} over ${gaps} gaps (goal 0)`,
  );
  console.log(
    `failover: live events, ${events} posted through one replica: SSE on the two others p50 ${percentile(cross, 50)} ms, ` +
      `p99 ${crossP99} ms (goal <= ${P99_GOAL_MS} ms); baseline SSE on the same replica p50 ${percentile(same, 50)} ms, p99 ${percentile(same, 99)} ms`,
  );
  met = Math.max(...takeovers) <= takeoverGoal && doubles === 0 && crossP99 <= P99_GOAL_MS;
} finally {
  for (const replica of started) replica.process.kill('SIGTERM');
  await sleep(1000);
  target.close();
  await postgres.stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = met ? 0 : 1;
