// Home with 200 services, cold, on loopback in Chromium: Largest Contentful Paint, First Contentful Paint,
// Cumulative Layout Shift and the JavaScript loaded before first paint, median of 5 runs. Baseline in the
// same run: the same browser painting a plain response of the same server (GET /healthz), the floor of
// any page here. Also the server's cost of rendering Home's first screen (dist/.ssr, server/platform/ssr.ts)
// from the same boot answers a page carries, and the document's time to first byte.
//   npx vite build --logLevel warn && node bench/home-lcp.ts [--runs 5] [--services 200]
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { chromiumArgs, chromiumExecutable } from '../e2e/support/browser.ts';
import { startLabdeckProcess } from '../e2e/support/labdeck.ts';
import type { SsrEntry } from '../server/platform/ssr.ts';
import { flag, median, servicesConfig, sleep, startTarget } from './home-probes.ts';

const runs = flag('runs', 5);
const count = flag('services', 200);
const LCP_GOAL_MS = 300;
const JS_GOAL_BYTES = 100 * 1024;
const RENDERS = 200;
const ssrBundle = path.resolve(import.meta.dirname, '../dist/.ssr/entry-server.js');

/** Browser-only entry shapes, spelled out because the BFF's TypeScript has no DOM library. */
interface ResourceEntry {
  name: string;
  responseEnd: number;
  encodedBodySize: number;
}
interface LayoutShiftEntry {
  value: number;
  hadRecentInput: boolean;
}
const ENTRY_TYPES = { lcp: 'largest-contentful-paint', shift: 'layout-shift', navigation: 'navigation' };

interface Paint {
  lcp: number;
  fcp: number;
  cls: number;
  ttfb: number;
  jsBytes: number;
}

/**
 * LCP and CLS from buffered observers, FCP and time to first byte from the timeline, and the compressed
 * bytes of scripts that finished before first paint. CLS sums every shift without recent input (the page
 * is a single short session).
 */
function measure(page: Page): Promise<Paint> {
  return page.evaluate(
    (types) =>
      new Promise<Paint>((resolve) => {
        let lcp = 0;
        let cls = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) lcp = Math.max(lcp, entry.startTime);
        }).observe({ type: types.lcp, buffered: true } as unknown as { type: 'mark'; buffered: boolean });
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries() as unknown as LayoutShiftEntry[])
            if (!entry.hadRecentInput) cls += entry.value;
        }).observe({ type: types.shift, buffered: true } as unknown as { type: 'mark'; buffered: boolean });
        setTimeout(() => {
          const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0;
          const navigation = (
            performance.getEntriesByType(types.navigation as 'mark') as unknown as { responseStart: number }[]
          )[0];
          const jsBytes = (performance.getEntriesByType('resource') as unknown as ResourceEntry[])
            .filter((r) => r.name.endsWith('.js') && r.responseEnd <= fcp)
            .reduce((sum, r) => sum + r.encodedBodySize, 0);
          resolve({ lcp, fcp, cls, ttfb: navigation?.responseStart ?? 0, jsBytes });
        }, 300);
      }),
    ENTRY_TYPES,
  );
}

/**
 * Rendering Home's first screen with the built server bundle from the caller's boot answers, in this
 * process: the first (cold) renders, as a quiet BFF meets them, and the median once warm.
 */
async function serverRenderMs(
  url: string,
): Promise<{ first: number; firstTen: number; ms: number; tiles: number } | null> {
  if (!existsSync(ssrBundle)) return null;
  const entry = (await import(pathToFileURL(ssrBundle).href)) as SsrEntry;
  const answer = async (p: string) => (await fetch(`${url}/api${p}`)).json();
  const api = {
    '/session': await answer('/session'),
    '/services': await answer('/services'),
    '/services/favourites': await answer('/services/favourites'),
  };
  const times: number[] = [];
  let markup = '';
  for (let i = 0; i < RENDERS; i++) {
    const started = performance.now();
    markup = (await entry.render({ url: '/', api, preferences: {} })) ?? '';
    times.push(performance.now() - started);
  }
  return {
    first: times[0] ?? 0,
    firstTen: median(times.slice(0, 10)),
    ms: median(times.slice(RENDERS / 4)),
    tiles: markup.match(/<article/g)?.length ?? 0,
  };
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
  const rendered = await serverRenderMs(labdeck.url);
  const med = (key: keyof Paint, list = home) => median(list.map((p) => p[key]));
  const lcp = med('lcp');
  const js = med('jsBytes');
  console.log(
    `home-lcp: ${count} services, ${runs} cold runs each, Chromium ${browser.version()}, Node ${process.version}`,
  );
  console.log(
    `  Home (/):              LCP median ${lcp.toFixed(0)} ms (runs: ${home.map((p) => p.lcp.toFixed(0)).join(', ')}), FCP median ${med('fcp').toFixed(0)} ms, CLS median ${med('cls').toFixed(3)} (max ${Math.max(...home.map((p) => p.cls)).toFixed(3)}), TTFB median ${med('ttfb').toFixed(0)} ms`,
  );
  console.log(`                         JS before first paint ${(js / 1024).toFixed(1)} KiB compressed`);
  console.log(
    `  baseline (/healthz):   LCP median ${med('lcp', baseline).toFixed(0)} ms, FCP median ${med('fcp', baseline).toFixed(0)} ms, TTFB median ${med('ttfb', baseline).toFixed(0)} ms`,
  );
  console.log(
    rendered
      ? `  server render of Home: median ${rendered.ms.toFixed(2)} ms warm (of ${RENDERS}), first ${rendered.first.toFixed(1)} ms, median of the first ten ${rendered.firstTen.toFixed(1)} ms (${rendered.tiles} tiles in the first screen, NODE_ENV=${process.env.NODE_ENV ?? 'unset'}, as the BFF here)`
      : `  server render of Home: no bundle at ${ssrBundle} (run vite build): the page went out empty`,
  );
  console.log(`  goals: LCP <= ${LCP_GOAL_MS} ms, JS <= ${JS_GOAL_BYTES / 1024} KiB, CLS ~ 0`);
  if (lcp > LCP_GOAL_MS || js > JS_GOAL_BYTES) process.exitCode = 1;
} finally {
  await browser.close();
  await labdeck.stop();
  await target.close();
}
