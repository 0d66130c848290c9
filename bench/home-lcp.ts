// Home with 200 services, cold, on loopback in Chromium: Largest Contentful Paint and the JavaScript
// loaded before first paint, median of 5 runs. Baseline in the same run: the same browser painting
// a plain response of the same server (GET /healthz), the floor of any page here.
//   node bench/home-lcp.ts [--runs 5] [--services 200]
import { chromium, type Page } from '@playwright/test';
import { chromiumArgs, chromiumExecutable } from '../e2e/support/browser.ts';
import { startLabdeckProcess } from '../e2e/support/labdeck.ts';
import { flag, median, servicesConfig, sleep, startTarget } from './home-probes.ts';

const runs = flag('runs', 5);
const count = flag('services', 200);
const LCP_GOAL_MS = 300;
const JS_GOAL_BYTES = 100 * 1024;

/** Browser-only entry shapes, spelled out because the BFF's TypeScript has no DOM library. */
interface ResourceEntry {
  name: string;
  responseEnd: number;
  encodedBodySize: number;
}
const LCP_ENTRIES = { type: 'largest-contentful-paint', buffered: true };

interface Paint {
  lcp: number;
  fcp: number;
  jsBytes: number;
}

/** LCP from a buffered observer, and the compressed bytes of scripts that finished before first paint. */
function measure(page: Page): Promise<Paint> {
  return page.evaluate(
    (lcpEntries) =>
      new Promise<Paint>((resolve) => {
        let lcp = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) lcp = Math.max(lcp, entry.startTime);
        }).observe(lcpEntries as unknown as { type: 'mark'; buffered: boolean });
        setTimeout(() => {
          const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0;
          const jsBytes = (performance.getEntriesByType('resource') as unknown as ResourceEntry[])
            .filter((r) => r.name.endsWith('.js') && r.responseEnd <= fcp)
            .reduce((sum, r) => sum + r.encodedBodySize, 0);
          resolve({ lcp, fcp, jsBytes });
        }, 300);
      }),
    LCP_ENTRIES,
  );
}

const target = await startTarget();
const labdeck = await startLabdeckProcess({ config: servicesConfig(count, target.url, 30_000) });
const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: chromiumArgs });
try {
  await sleep(5_000); // a first round of probes, so tiles carry real states
  async function coldRun(path: string, ready: (page: Page) => Promise<unknown>): Promise<Paint> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    await page.goto(labdeck.url + path);
    await ready(page);
    const paint = await measure(page);
    await context.close();
    return paint;
  }
  const baseline: Paint[] = [];
  const home: Paint[] = [];
  for (let i = 0; i < runs; i++) {
    baseline.push(await coldRun('/healthz', (page) => page.waitForLoadState('load')));
    home.push(
      await coldRun('/', (page) =>
        page
          .locator('article.tile')
          .nth(count - 1)
          .waitFor(),
      ),
    );
  }
  const lcp = median(home.map((p) => p.lcp));
  const js = median(home.map((p) => p.jsBytes));
  console.log(
    `home-lcp: ${count} services, ${runs} cold runs each, Chromium ${browser.version()}, Node ${process.version}`,
  );
  console.log(
    `  Home (/):              LCP median ${lcp.toFixed(0)} ms (runs: ${home.map((p) => p.lcp.toFixed(0)).join(', ')}), JS before first paint ${(js / 1024).toFixed(1)} KiB compressed`,
  );
  console.log(`  baseline (/healthz):   LCP median ${median(baseline.map((p) => p.lcp)).toFixed(0)} ms`);
  console.log(`  goals: LCP <= ${LCP_GOAL_MS} ms, JS <= ${JS_GOAL_BYTES / 1024} KiB`);
  if (lcp > LCP_GOAL_MS || js > JS_GOAL_BYTES) process.exitCode = 1;
} finally {
  await browser.close();
  await labdeck.stop();
  await target.close();
}
