import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { freePort } from '../server/platform/net.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

/** A real HTTP service the lab "runs": started, stopped and started again on the same port. */
class TargetServer {
  server: Server | undefined;
  readonly port: number;
  constructor(port: number) {
    this.port = port;
  }
  get url() {
    return `http://127.0.0.1:${this.port}/`;
  }
  async start() {
    this.server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>Target service</title><h1>Target service</h1>');
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }
  async stop() {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function watchForFailures(page: Page, allowedHosts: string[] = []) {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const url = request.url();
    const error = request.failure()?.errorText;
    // Leaving or reloading a page aborts its requests (ERR_ABORTED): navigation, not a failure.
    if (error !== 'net::ERR_ABORTED' && !allowedHosts.some((host) => url.startsWith(host))) {
      problems.push(`failed: ${url} ${error}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return problems;
}

const PROBE_INTERVAL_MS = 1_000;
/** A service name and description from a hostile config or Kubernetes annotation: must stay text. */
const HOSTILE = '</script><img src=x onerror=alert(1)>';

let target: TargetServer;
let labdeck: LabdeckProcess;
/** Answers like Flink's JobManager (documented shape of GET /overview), for the flink preset's figures. */
const flink = createServer((_req, res) =>
  res.end(
    '{"taskmanagers":1,"slots-total":4,"slots-available":1,"jobs-running":3,"jobs-failed":2,"flink-version":"1.20.1"}',
  ),
);

test.beforeAll(async () => {
  target = new TargetServer(await freePort());
  await target.start();
  await new Promise<void>((resolve) => flink.listen(0, '127.0.0.1', resolve));
  const flinkUrl = `http://127.0.0.1:${(flink.address() as AddressInfo).port}/`;
  labdeck = await startLabdeckProcess({
    config: `
services:
  probes: { intervalMs: ${PROBE_INTERVAL_MS}, timeoutMs: 800, maxBackoffMs: 2000 }
  groups:
    - name: Data platform
      services:
        - id: target
          name: Target service
          url: ${target.url}
          description: A real HTTP server started by the test
          icon: trino
          tags: [sql]
        - { id: flink, name: Flink, kind: flink, url: "${flinkUrl}" }
    - name: Tools
      services:
        - name: Team wiki
          url: http://127.0.0.1:9/wiki
          icon: web
          probe: false
        - id: hostile
          name: ${JSON.stringify(HOSTILE)}
          description: ${JSON.stringify(`<!-- ${HOSTILE}`)}
          url: http://127.0.0.1:9/hostile
          probe: false
`,
  });
});

test.afterAll(async () => {
  await labdeck?.stop();
  await target?.stop();
  flink.close();
});

test('Home shows groups and live states; a stopped target turns down and recovers without reload', async ({
  page,
}) => {
  const problems = watchForFailures(page);
  await page.goto(labdeck.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  await expect(page.getByRole('heading', { name: /Data platform/ })).toBeVisible();
  await expect(page.getByRole('heading', { name: /Tools/ })).toBeVisible();
  const tile = page.getByTestId('service-target');
  await expect(tile).toHaveAttribute('data-status', 'up', { timeout: 10_000 });
  await expect(page.getByTestId('service-team-wiki')).toHaveAttribute('data-status', 'unknown');

  await target.stop();
  // Within one probe interval (plus the probe's own timeout and the push to the browser).
  await expect(tile).toHaveAttribute('data-status', 'down', { timeout: PROBE_INTERVAL_MS + 2_000 });
  await expect(tile).toContainText('ECONNREFUSED');

  await target.start();
  await expect(tile).toHaveAttribute('data-status', 'up', { timeout: 8_000 });

  await tile.getByRole('button', { name: 'Details of Target service' }).click();
  const drawer = page.getByRole('dialog', { name: 'Target service' });
  await expect(drawer.getByRole('img', { name: /Latency and failed checks/ })).toBeVisible();
  await expect(drawer.getByText('ECONNREFUSED').first()).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(drawer).toBeHidden();
  expect(problems).toEqual([]);
});

test('the first response of / carries the first screen; it paints without scripts and works once they run', async ({
  browser,
  page,
}) => {
  const res = await page.request.get(labdeck.url, { headers: { accept: 'text/html' } });
  const html = await res.text();
  const app = html.slice(html.indexOf('<div id="app">'), html.lastIndexOf('</div>'));
  expect(app).toContain('class="topbar"');
  expect(app).toContain('data-testid="service-target"');
  expect(app).toContain('A real HTTP server started by the test');
  expect(app).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
  expect(app).not.toContain('<img src=x');

  const viewport = page.viewportSize() ?? { width: 1280, height: 720 };
  const noScripts = await browser.newContext({ javaScriptEnabled: false, viewport });
  const still = await noScripts.newPage();
  await still.goto(labdeck.url);
  await expect(still.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  await expect(still.getByTestId('service-target')).toBeVisible();
  await expect(still.getByTestId('service-hostile').getByRole('link')).toHaveText(HOSTILE);
  // Where the first screen puts things, before any script: the SPA must put them in the same places.
  const landmarks = (p: Page) =>
    Promise.all(
      [
        p.getByRole('heading', { level: 1, name: 'Home' }),
        p.getByRole('searchbox'),
        p.getByTestId('service-target'),
        p.getByTestId('service-hostile'),
      ].map((locator) => locator.boundingBox()),
    );
  const serverBoxes = await landmarks(still);
  await noScripts.close();

  const problems = watchForFailures(page);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(labdeck.url);
  await expect(page.getByTestId('service-hostile').getByRole('link')).toHaveText(HOSTILE);
  expect(await landmarks(page)).toEqual(serverBoxes);
  await page.getByRole('searchbox').fill('wiki');
  await expect(page.getByTestId('service-team-wiki')).toBeVisible();
  await expect(page.getByTestId('service-target')).toBeHidden();
  await page.getByRole('searchbox').fill('');
  await expect(page.getByTestId('service-target')).toBeVisible();
  // The density choice reaches the server: the next first screen is already compact.
  await page.getByRole('button', { name: 'Compact' }).click();
  await expect(page.getByTestId('service-target')).toHaveClass(/compact/);
  const again = await page.request.get(labdeck.url, { headers: { accept: 'text/html' } });
  expect(await again.text()).toMatch(/class="tile \w+ compact"[^>]*data-testid="service-target"/);
  await page.getByRole('button', { name: 'Comfortable' }).click();
  expect(dialogs).toEqual([]);
  expect(problems).toEqual([]);
});

test('Quick launch: "/" opens the palette, three letters and Enter land on the service', async ({ page }) => {
  const problems = watchForFailures(page);
  await page.goto(labdeck.url);
  await expect(page.getByTestId('service-target')).toBeVisible();
  await page.keyboard.press('/');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await expect(palette).toBeVisible();
  await page.keyboard.type('tar');
  await expect(palette.getByRole('option').first()).toContainText('Target service');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(target.url);
  await expect(page.getByRole('heading', { name: 'Target service' })).toBeVisible();
  expect(problems).toEqual([]);
});

test('a pinned favourite survives a reload and a BFF restart; the wall screen reconnects', async ({
  page,
  context,
}) => {
  const problems = watchForFailures(page);
  await page.goto(labdeck.url);
  const saved = page.waitForResponse(
    (res) => res.url().endsWith('/api/services/favourites/team-wiki') && res.request().method() === 'PUT',
  );
  await page.getByRole('button', { name: 'Pin Team wiki' }).click();
  expect((await saved).status()).toBe(204);
  const favourites = page.getByRole('region', { name: /Favourites/ });
  await expect(favourites.getByTestId('service-team-wiki')).toBeVisible();
  await page.reload();
  await expect(favourites.getByTestId('service-team-wiki')).toBeVisible();
  await page.goto('about:blank');
  expect(problems).toEqual([]);

  const wall = await context.newPage();
  await wall.goto(`${labdeck.url}/status`);
  await expect(wall.getByRole('heading', { level: 1, name: 'Lab status' })).toBeVisible();
  await expect(wall.getByTestId('wall-target')).toHaveAttribute('data-status', 'up');
  await Promise.all([
    labdeck.restart(),
    expect(wall.getByText('Reconnecting…')).toBeVisible({ timeout: 30_000 }),
  ]);
  await expect(wall.getByText('Reconnecting…')).toBeHidden({ timeout: 30_000 });
  await target.stop();
  await expect(wall.getByTestId('wall-target')).toHaveAttribute('data-status', 'down', { timeout: 8_000 });
  // Failing services come first on the wall.
  await expect(wall.locator('[data-testid^="wall-"]').first()).toHaveAttribute('data-testid', 'wall-target');
  await target.start();
  await wall.close();

  await page.goto(labdeck.url);
  await expect(favourites.getByTestId('service-team-wiki')).toBeVisible();
  await favourites.getByRole('button', { name: 'Unpin Team wiki' }).click();
  await expect(favourites).toBeHidden();
  expect(problems).toEqual([]);
});

test('Home stays useful with no services declared', async ({ page }) => {
  const problems = watchForFailures(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'No services declared yet' })).toBeVisible();
  await expect(page.getByText('labdeck.example.yaml')).toBeVisible();
  expect(problems).toEqual([]);
});

for (const theme of ['light', 'dark'] as const) {
  test(`Home with services, its drawer and the wall screen pass axe in the ${theme} theme`, async ({
    page,
  }) => {
    await page.emulateMedia({ colorScheme: theme });
    const check = async (where: string) => {
      const results = await new AxeBuilder({ page }).analyze();
      const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(serious.map((v) => `${where}: ${v.id} ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
    };
    await page.goto(labdeck.url);
    await expect(page.getByTestId('service-target')).toHaveAttribute('data-status', 'up', {
      timeout: 10_000,
    });
    const figures = page.getByTestId('service-flink').getByTestId('service-figures');
    await expect(figures).toHaveText(/3 running jobs\s*1 \/ 4 free task slots/, { timeout: 10_000 });
    await check('home');
    await page.getByRole('button', { name: 'Details of Flink' }).click();
    await expect(page.getByRole('dialog', { name: 'Flink' }).getByText('Failed jobs')).toBeVisible();
    await check('drawer with figures');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Compact' }).click();
    await check('home compact');
    await page.getByRole('button', { name: 'Details of Target service' }).click();
    await expect(page.getByRole('img', { name: /Latency and failed checks/ })).toBeVisible();
    await check('drawer');
    await page.goto(`${labdeck.url}/status`);
    await expect(page.getByTestId('wall-target')).toBeVisible();
    await check('status');
  });
}
