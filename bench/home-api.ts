// GET /api/services with 1,000 services at about 2,000 req/s, with GET /healthz as the baseline in the same run.
//   node bench/home-api.ts [--rate 2000] [--seconds 20] [--services 1000]
// The load comes from wrk (C, Debian's package) when installed: on a 2-core machine a JavaScript client
// parsing 40 MB/s of responses competes with the BFF for the CPU and its own latency dominates the figure.
// Without wrk, autocannon runs instead and the output says so.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error autocannon ships no type declarations
import autocannonModule from 'autocannon';
import { startLabdeckProcess } from '../e2e/support/labdeck.ts';
import { cpuSeconds, flag, servicesConfig, sleep, startTarget } from './home-probes.ts';

interface Load {
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

const rate = flag('rate', 2000);
const seconds = flag('seconds', 20);
const count = flag('services', 1000);
const CONNECTIONS = 50;
const useWrk = spawnSync('wrk', ['--version']).error === undefined;
const client = useWrk ? 'wrk' : 'autocannon';

/** wrk paces each connection with delay() so that CONNECTIONS connections make about `rate` req/s. */
function wrk(url: string, headers: Record<string, string>): Load {
  const script = path.join(mkdtempSync(path.join(tmpdir(), 'labdeck-wrk-')), 'rate.lua');
  const setHeaders = Object.entries(headers).map(
    ([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`,
  );
  writeFileSync(
    script,
    [`function delay() return ${(CONNECTIONS * 1000) / rate} end`, ...setHeaders].join('\n'),
  );
  const out = execFileSync(
    'wrk',
    ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, url],
    {
      encoding: 'utf8',
    },
  );
  const toMs = (match: RegExpExecArray | null, what: string) => {
    if (!match) throw new Error(`wrk output has no ${what}:\n${out}`);
    return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
  };
  const percentile = (p: string) => toMs(new RegExp(`${p}\\s+([\\d.]+)(us|ms|s)`).exec(out), p);
  const max = toMs(/Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/.exec(out), 'max latency');
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: percentile('50%'),
    p99: percentile('99%'),
    max,
  };
}

async function autocannon(url: string, headers: Record<string, string>): Promise<Load> {
  const run = autocannonModule as (options: Record<string, unknown>) => Promise<{
    latency: { p50: number; p99: number; max: number };
    requests: { average: number };
  }>;
  const result = await run({ url, connections: CONNECTIONS, overallRate: rate, duration: seconds, headers });
  return { rps: result.requests.average, ...result.latency };
}

const target = await startTarget();
// Probes every 30 s keep health (and so the cached body) changing during the run, as in production.
const labdeck = await startLabdeckProcess({ config: servicesConfig(count, target.url, 30_000) });

async function measure(urlPath: string, headers: Record<string, string> = {}): Promise<Load> {
  const cpuBefore = await cpuSeconds(labdeck.url);
  const load = useWrk
    ? wrk(labdeck.url + urlPath, headers)
    : await autocannon(labdeck.url + urlPath, headers);
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
