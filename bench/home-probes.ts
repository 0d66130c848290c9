// BFF CPU while probing 1,000 declared services, against the same BFF idle (no services) as baseline; then
// 1,000 preset services (12 kinds, stand-in status APIs answering the presets' recorded responses) against
// the plain http probes as their baseline.
//   node bench/home-probes.ts                       # 1,000 services every 30 s, 120 s window (the target: <= 5% of a core)
//   node bench/home-probes.ts --interval 5000 --seconds 60   # scaled run: 6x the probe rate, shorter
//   node bench/home-probes.ts --presets 0            # plain probes only; --preset-seconds 60 is the presets' window

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLabdeckProcess } from '../e2e/support/labdeck.ts';
import { flag, median, sleep } from './_cli.ts';
import { PRESET_KINDS_BENCHED, startPresetApis } from './_preset-apis.ts';

export { flag, median, sleep };

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
export const servicesConfig = (count: number, targetUrl: string, intervalMs: number): string =>
  groupedServicesConfig(
    count,
    intervalMs,
    (i) => `{ id: svc-${i}, name: Service ${i}, url: "${targetUrl}/s/${i}", icon: web, tags: [bench] }`,
  );

/** labdeck.yaml with `count` services in groups of 50, the kinds taken in turn, each with its preset's probe. */
export const presetsConfig = (count: number, apisUrl: string, intervalMs: number): string =>
  groupedServicesConfig(count, intervalMs, (i) => {
    const kind = PRESET_KINDS_BENCHED[i % PRESET_KINDS_BENCHED.length]!;
    return `{ id: preset-${i}, name: Preset ${i}, kind: ${kind}, url: "${apisUrl}/${kind}/${i}/" }`;
  });

/** labdeck.yaml with `count` services in groups of 50, each the flow mapping `service(i)` gives. */
export function groupedServicesConfig(
  count: number,
  intervalMs: number,
  service: (i: number) => string,
): string {
  const lines = [
    'log: { level: warn }',
    'services:',
    `  probes: { intervalMs: ${intervalMs}, timeoutMs: 5000 }`,
    '  groups:',
  ];
  for (let i = 0; i < count; i++) {
    if (i % 50 === 0) lines.push(`    - name: Group ${i / 50 + 1}`, '      services:');
    lines.push(`        - ${service(i)}`);
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

async function main() {
  const count = flag('services', 1000);
  const intervalMs = flag('interval', 30_000);
  const seconds = flag('seconds', 120);
  const presets = flag('presets', 1000);
  const presetSeconds = flag('preset-seconds', 60);
  const WINDOW_S = 10;

  async function measure(
    label: string,
    config: string,
    warmupMs: number,
    hits?: () => number,
    options: { seconds?: number; inspect?: (url: string) => Promise<void> } = {},
  ) {
    const windowS = options.seconds ?? seconds;
    const labdeck = await startLabdeckProcess({ config });
    try {
      await sleep(warmupMs);
      const startHits = hits?.() ?? 0;
      const windows: number[] = [];
      const startCpu = await cpuSeconds(labdeck.url);
      let last = startCpu;
      for (let t = 0; t < windowS; t += WINDOW_S) {
        await sleep(WINDOW_S * 1000);
        const now = await cpuSeconds(labdeck.url);
        windows.push(((now - last) / WINDOW_S) * 100);
        last = now;
      }
      const mean = ((last - startCpu) / windowS) * 100;
      const probes = hits ? (hits() - startHits) / windowS : 0;
      console.log(
        `${label.padEnd(34)} CPU mean ${mean.toFixed(2)}% of one core, median of ${WINDOW_S}s windows ${median(windows).toFixed(2)}%` +
          (hits ? `, ${probes.toFixed(1)} probes/s answered` : ''),
      );
      await options.inspect?.(labdeck.url);
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
  const at30 = baseline.mean + ((probing.mean - baseline.mean) * intervalMs) / 30_000;
  if (intervalMs !== 30_000)
    console.log(`scaled to 30 s interval (linear in probe rate): ~${at30.toFixed(2)}% of one core`);
  console.log(`home-probes: ${count} plain probes every 30 s: ${at30.toFixed(2)}% of one core (goal <= 5%)`);
  if (at30 > 5) process.exitCode = 1;
  if (presets > 0) await measurePresets(probing.mean);

  /** Preset probes (status APIs, figures) against the plain http probes just measured. */
  async function measurePresets(plainMean: number) {
    const apis = await startPresetApis();
    console.log(
      `home-probes presets: ${presets} services of ${PRESET_KINDS_BENCHED.length} kinds (${PRESET_KINDS_BENCHED.join(', ')}), interval ${intervalMs} ms, ${presetSeconds} s window`,
    );
    let statuses = '';
    let answeredLikeProducts = false;
    const measured = await measure(
      `${presets} preset services @ ${intervalMs / 1000} s`,
      presetsConfig(presets, apis.url, intervalMs),
      15_000,
      apis.probes,
      {
        seconds: presetSeconds,
        inspect: async (url) => {
          const list = (await (await fetch(`${url}/api/services`)).json()) as {
            groups: { services: { status: string; figures: unknown[] }[] }[];
          };
          const services = list.groups.flatMap((group) => group.services);
          const count = (status: string) => services.filter((service) => service.status === status).length;
          const withFigures = services.filter((service) => service.figures.length > 0).length;
          statuses = `${count('up')} up, ${count('degraded')} degraded (kafka-connect's recording has a FAILED task), ${count('down')} down, ${count('unknown')} unknown; ${withFigures} show figures`;
          answeredLikeProducts = count('down') === 0 && count('unknown') === 0 && apis.unmatched() === 0;
        },
      },
    );
    await apis.close();
    const cost = measured.mean - plainMean;
    console.log(`  statuses at the end: ${statuses}; requests no recording answered: ${apis.unmatched()}`);
    const at30 = intervalMs === 30_000 ? measured.mean : plainMean + (cost * intervalMs) / 30_000;
    console.log(
      `home-probes presets: ${presets} preset probes every ${intervalMs / 1000} s: ${measured.mean.toFixed(2)}% of one core (goal <= 5%${intervalMs === 30_000 ? '' : `; ~${at30.toFixed(2)}% scaled to 30 s`}), ` +
        `${cost >= 0 ? '+' : ''}${cost.toFixed(2)}% over the same number of plain http probes (${plainMean.toFixed(2)}%)`,
    );
    if (at30 > 5 || !answeredLikeProducts) process.exitCode = 1;
  }
}

if (import.meta.main) await main();
