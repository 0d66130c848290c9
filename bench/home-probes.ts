// BFF CPU while probing 1,000 declared services, against the same BFF idle (no services) as baseline.
//   node bench/home-probes.ts                       # 1,000 services every 30 s, 120 s window (the target: <= 5% of a core)
//   node bench/home-probes.ts --interval 5000 --seconds 60   # scaled run: 6x the probe rate, shorter

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLabdeckProcess } from '../e2e/support/labdeck.ts';

// Helpers shared with home-api.ts.
/** A local HTTP target that counts the probes it answers. */
export async function startTarget(): Promise<{
  url: string;
  hits: () => number;
  close: () => Promise<void>;
}> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits: () => hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** labdeck.yaml with `count` declared services in groups of 50, all probing the target. */
export function servicesConfig(count: number, targetUrl: string, intervalMs: number): string {
  const lines = [
    'log: { level: warn }',
    'services:',
    `  probes: { intervalMs: ${intervalMs}, timeoutMs: 5000 }`,
    '  groups:',
  ];
  for (let i = 0; i < count; i++) {
    if (i % 50 === 0) lines.push(`    - name: Group ${i / 50 + 1}`, '      services:');
    lines.push(
      `        - { id: svc-${i}, name: Service ${i}, url: "${targetUrl}/s/${i}", icon: web, tags: [bench] }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** User+system CPU seconds of the BFF process, from its own Prometheus metrics. */
export async function cpuSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return value('labdeck_process_cpu_user_seconds_total') + value('labdeck_process_cpu_system_seconds_total');
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

async function main() {
  const count = flag('services', 1000);
  const intervalMs = flag('interval', 30_000);
  const seconds = flag('seconds', 120);
  const WINDOW_S = 10;

  async function measure(label: string, config: string, warmupMs: number, hits?: () => number) {
    const labdeck = await startLabdeckProcess({ config });
    try {
      await sleep(warmupMs);
      const startHits = hits?.() ?? 0;
      const windows: number[] = [];
      const startCpu = await cpuSeconds(labdeck.url);
      let last = startCpu;
      for (let t = 0; t < seconds; t += WINDOW_S) {
        await sleep(WINDOW_S * 1000);
        const now = await cpuSeconds(labdeck.url);
        windows.push(((now - last) / WINDOW_S) * 100);
        last = now;
      }
      const mean = ((last - startCpu) / seconds) * 100;
      const probes = hits ? (hits() - startHits) / seconds : 0;
      console.log(
        `${label.padEnd(34)} CPU mean ${mean.toFixed(2)}% of one core, median of ${WINDOW_S}s windows ${median(windows).toFixed(2)}%` +
          (hits ? `, ${probes.toFixed(1)} probes/s answered` : ''),
      );
      return { mean, median: median(windows), probes };
    } finally {
      await labdeck.stop();
    }
  }

  const target = await startTarget();
  console.log(
    `home-probes: ${count} services, interval ${intervalMs} ms, ${seconds} s window, Node ${process.version}`,
  );
  const baseline = await measure('baseline: BFF with no services', 'log: { level: warn }\n', 5_000);
  const probing = await measure(
    `${count} services @ ${intervalMs / 1000} s`,
    servicesConfig(count, target.url, intervalMs),
    Math.min(intervalMs, 30_000) + 5_000,
    target.hits,
  );
  await target.close();
  const expected = (count * 1000) / intervalMs;
  console.log(`expected probe rate ${expected.toFixed(1)}/s, measured ${probing.probes.toFixed(1)}/s`);
  console.log(`probing cost over baseline: ${(probing.mean - baseline.mean).toFixed(2)}% of one core (mean)`);
  if (intervalMs !== 30_000) {
    const scaled = baseline.mean + ((probing.mean - baseline.mean) * intervalMs) / 30_000;
    console.log(`scaled to 30 s interval (linear in probe rate): ~${scaled.toFixed(2)}% of one core`);
  }
}

if (import.meta.main) await main();
