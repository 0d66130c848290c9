/**
 * Fixed-rate HTTP load for the latency benchmarks (not a benchmark itself: run.ts skips `_` files).
 * The load comes from wrk (C, Debian's package) when installed: on a 2-core machine a JavaScript client
 * parsing tens of MB/s of responses competes with the BFF for the CPU and its own latency dominates the
 * figure. Without wrk, autocannon runs instead and `loadClient` says so.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error autocannon ships no type declarations
import autocannonModule from 'autocannon';

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** Answers outside 2xx/3xx (wrk's count; only when `allowNon2xx`, else they throw). */
  non2xx: number;
}

export interface LoadOptions {
  rate: number;
  seconds: number;
  connections?: number;
  /**
   * Client threads (default 2). With one, its own pacing of 50 connections adds to the latency it
   * reads: measured, an empty node:http server's p99 at 2,000 req/s went from 1.9 to 3.0 ms on 2 cores.
   */
  threads?: number;
  headers?: Record<string, string>;
  /** Per-request headers taken in turn (a mix of requests), on top of `headers`. */
  headerSets?: Record<string, string>[];
  /** Non-2xx/3xx answers are expected (e.g. a mix with denials): count them instead of throwing. */
  allowNon2xx?: boolean;
}

const useWrk = spawnSync('wrk', ['--version']).error === undefined;
export const loadClient = useWrk ? 'wrk' : 'autocannon';

/** `rate` req/s on `url` for `seconds`, spread over `connections` connections; latency in ms. */
export function fixedRateLoad(url: string, options: LoadOptions): Promise<Load> {
  return useWrk ? Promise.resolve(wrk(url, options)) : autocannon(url, options);
}

/**
 * wrk paces each connection with delay() so that the connections together make about `rate` req/s. The
 * pauses are random (exponential, each thread seeded apart): with a fixed pause the connections, all
 * started at once, stay in step and send `connections` requests in one burst per period, and the figure
 * reads that burst's queue. An empty node:http server at 2,000 req/s, 50 connections, medians of 3 runs:
 * p50 0.47 ms and p99 1.21 ms in step (1,945 req/s), p50 0.08 ms and p99 0.30 ms spread (2,004 req/s).
 * Arrivals spread this way are the open model of many independent users.
 */
function wrk(url: string, options: LoadOptions): Load {
  const {
    rate,
    seconds,
    connections = 50,
    threads = 2,
    headers = {},
    headerSets = [],
    allowNon2xx = false,
  } = options;
  const script = path.join(mkdtempSync(path.join(tmpdir(), 'labdeck-wrk-')), 'rate.lua');
  const lua = (headers: Record<string, string>) =>
    `{${Object.entries(headers)
      .map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
      .join(', ')}}`;
  const meanPauseMs = (connections * 1000) / rate;
  const lines = [
    'local threads = 0',
    'function setup(thread) threads = threads + 1 thread:set("seed", threads) end',
    // wrk truncates the pause to whole ms: + 0.5 keeps the mean.
    `function delay() return 0.5 - ${meanPauseMs} * math.log(1 - math.random()) end`,
    `for k, v in pairs(${lua(headers)}) do wrk.headers[k] = v end`,
    `local sets, requests, turn = {${headerSets.map((set) => lua({ ...headers, ...set })).join(', ')}}, {}, 0`,
    'function init() math.randomseed(seed * 7919) for i, set in ipairs(sets) do requests[i] = wrk.format(nil, nil, set) end end',
  ];
  if (headerSets.length > 0) {
    lines.push('function request() turn = turn % #requests + 1 return requests[turn] end');
  }
  writeFileSync(script, lines.join('\n'));
  const out = execFileSync(
    'wrk',
    [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url],
    { encoding: 'utf8' },
  );
  const toMs = (match: RegExpExecArray | null, what: string) => {
    if (!match) throw new Error(`wrk output has no ${what}:\n${out}`);
    return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
  };
  const percentile = (p: string) => toMs(new RegExp(`${p}\\s+([\\d.]+)(us|ms|s)`).exec(out), p);
  const max = toMs(/Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/.exec(out), 'max latency');
  const errors = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (errors && !allowNon2xx) throw new Error(`${url} answered ${errors[1]} non-2xx responses under load`);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: percentile('50%'),
    p99: percentile('99%'),
    max,
    non2xx: Number(errors?.[1] ?? 0),
  };
}

async function autocannon(
  url: string,
  { rate, seconds, connections = 50, headers, headerSets = [] }: LoadOptions,
): Promise<Load> {
  const run = autocannonModule as (options: Record<string, unknown>) => Promise<{
    latency: { p50: number; p99: number; max: number };
    requests: { average: number };
    non2xx: number;
  }>;
  const requests = headerSets.map((set) => ({ headers: { ...headers, ...set } }));
  const result = await run({
    url,
    connections,
    overallRate: rate,
    duration: seconds,
    headers,
    ...(requests.length > 0 ? { requests } : {}),
  });
  return { rps: result.requests.average, ...result.latency, non2xx: result.non2xx };
}
