// GET /api/services with 1,000 services at a fixed 2,000 req/s (autocannon), with GET /healthz as baseline.
//   node bench/home-api.ts [--rate 2000] [--seconds 20] [--services 1000]
// @ts-expect-error autocannon ships no type declarations
import autocannonModule from 'autocannon';

interface CannonResult {
  latency: { p50: number; p99: number; max: number };
  requests: { average: number };
  non2xx: number;
  errors: number;
}
const autocannon = autocannonModule as (options: Record<string, unknown>) => Promise<CannonResult>;

import { availableParallelism, loadavg } from 'node:os';
import { startLabdeckProcess } from '../e2e/support/labdeck.ts';
import { cpuSeconds, flag, servicesConfig, sleep, startTarget } from './home-probes.ts';

const rate = flag('rate', 2000);
const seconds = flag('seconds', 20);
const count = flag('services', 1000);

const target = await startTarget();
// Probes every 30 s keep health (and so the cached body) changing during the run, as in production.
const labdeck = await startLabdeckProcess({ config: servicesConfig(count, target.url, 30_000) });

async function run(path: string, headers: Record<string, string> = {}) {
  const cpuBefore = await cpuSeconds(labdeck.url);
  const result = await autocannon({
    url: labdeck.url + path,
    connections: 50,
    overallRate: rate,
    duration: seconds,
    headers,
  });
  const { latency, requests, non2xx, errors } = result;
  const cpu = (((await cpuSeconds(labdeck.url)) - cpuBefore) / seconds) * 100;
  console.log(
    `${path.padEnd(16)} ${requests.average.toFixed(0)} req/s, latency p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms, non-2xx ${non2xx}, errors ${errors}, BFF CPU ${cpu.toFixed(0)}% of one core, load avg ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
  );
  return result;
}

try {
  await sleep(8_000); // first round of probes so the list carries real health
  const body = await fetch(`${labdeck.url}/api/services`, { headers: { 'accept-encoding': 'gzip' } });
  const json = (await body.json()) as { groups: { services: unknown[] }[] };
  const size = Number(body.headers.get('content-length'));
  console.log(
    `home-api: ${json.groups.flatMap((g) => g.services).length} services, body ${size} bytes gzip, target ${rate} req/s for ${seconds} s, Node ${process.version}`,
  );
  await run('/healthz'); // warm-up
  const baseline = await run('/healthz');
  const services = await run('/api/services', { 'accept-encoding': 'gzip, deflate, br' });
  console.log(
    `GET /api/services p99 ${services.latency.p99} ms vs baseline GET /healthz p99 ${baseline.latency.p99} ms (target <= 10 ms)`,
  );
  if (services.latency.p99 > 10) process.exitCode = 1;
} finally {
  await labdeck.stop();
  await target.close();
}
