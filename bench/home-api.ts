// GET /api/services with 1,000 services at about 2,000 req/s, with GET /healthz as the baseline in the same run.
//   node bench/home-api.ts [--rate 2000] [--seconds 20] [--services 1000]
import { availableParallelism, loadavg } from 'node:os';
import { startLabdeckProcess } from '../e2e/support/labdeck.ts';
import { fixedRateLoad, type Load, loadClient } from './_load.ts';
import { cpuSeconds, flag, servicesConfig, sleep, startTarget } from './home-probes.ts';

const rate = flag('rate', 2000);
const seconds = flag('seconds', 20);
const count = flag('services', 1000);
const client = loadClient;

const target = await startTarget();
// Probes every 30 s keep health (and so the cached body) changing during the run, as in production.
const labdeck = await startLabdeckProcess({ config: servicesConfig(count, target.url, 30_000) });

async function measure(urlPath: string, headers: Record<string, string> = {}): Promise<Load> {
  const cpuBefore = await cpuSeconds(labdeck.url);
  const load: Load = await fixedRateLoad(labdeck.url + urlPath, { rate, seconds, headers });
  const cpu = (((await cpuSeconds(labdeck.url)) - cpuBefore) / seconds) * 100;
  console.log(
    `${urlPath.padEnd(16)} ${load.rps.toFixed(0)} req/s, latency p50 ${load.p50.toFixed(2)} ms, p99 ${load.p99.toFixed(2)} ms, max ${load.max.toFixed(1)} ms, BFF CPU ${cpu.toFixed(0)}% of one core, load avg ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
  );
  return load;
}

try {
  await sleep(8_000); // first round of probes so the list carries real health
  const body = await fetch(`${labdeck.url}/api/services`, { headers: { 'accept-encoding': 'gzip' } });
  const json = (await body.json()) as { groups: { services: unknown[] }[] };
  const size = Number(body.headers.get('content-length'));
  console.log(
    `home-api: ${json.groups.flatMap((g) => g.services).length} services, body ${size} bytes gzip, target ${rate} req/s for ${seconds} s with ${client}, Node ${process.version}`,
  );
  await measure('/healthz'); // warm-up
  const baseline = await measure('/healthz');
  const services = await measure('/api/services', { 'accept-encoding': 'gzip, deflate, br' });
  console.log(
    `GET /api/services p99 ${services.p99.toFixed(2)} ms vs baseline GET /healthz p99 ${baseline.p99.toFixed(2)} ms (goal <= 10 ms, ${client})`,
  );
  if (services.p99 > 10) process.exitCode = 1;
} finally {
  await labdeck.stop();
  await target.close();
}
