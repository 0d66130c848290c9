import { expect, test } from '@playwright/test';
import { type SparkApp, type SparkCluster, startSparkApp, startSparkCluster } from '../lab/spark/server.ts';
import { watchForFailures } from './support/failures.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

// Lab tier: the lab's real Spark standalone master and worker (lab/spark/server.ts, as `npm run lab` starts
// them) and the production Labdeck with one `kind: spark` service, nothing else configured for it.
// Run: bash lab/spark/install.sh && npx vite build --logLevel warn &&
//   LABDECK_E2E_TIER=lab npx playwright test e2e/home-spark.lab.spec.ts

test.describe.configure({ mode: 'serial', timeout: 240_000 });

let spark: SparkCluster;
let app: SparkApp | undefined;
let labdeck: LabdeckProcess;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  // Never a silent skip: it throws with the install command when pyspark is missing.
  spark = await startSparkCluster();
  labdeck = await startLabdeckProcess({
    config: `
services:
  probes: { intervalMs: 1000, timeoutMs: 3000 }
  groups:
    - name: Lab
      services:
        - { id: spark, name: Spark, kind: spark, url: "${spark.url}" }
`,
  });
});

test.afterAll(async () => {
  await labdeck?.stop();
  await app?.stop();
  await spark?.stop();
});

test("Home's Spark tile counts the master's running applications live, and its workers", async ({ page }) => {
  const problems = watchForFailures(page);
  await page.goto(labdeck.url);
  const tile = page.getByTestId('service-spark');
  const figures = tile.getByTestId('service-figures');
  await expect(tile).toHaveAttribute('data-status', 'up', { timeout: 20_000 });
  await expect(figures).toHaveText(/^\s*0 running apps\s*1 alive workers\s*$/);

  app = await startSparkApp(spark, { name: 'labdeck-e2e', intervalSeconds: 5 });
  // No reload: the probe's new figures reach the page over its live events.
  await expect(figures).toHaveText(/^\s*1 running apps\s*1 alive workers\s*$/, { timeout: 20_000 });
  // The tile opens the master's web UI.
  await expect(tile.getByRole('link', { name: 'Spark', exact: true })).toHaveAttribute(
    'href',
    new RegExp(`^${spark.url}/?$`),
  );
  await page.getByRole('button', { name: 'Details of Spark' }).click();
  const drawer = page.getByRole('dialog', { name: 'Spark' });
  await expect(drawer.getByText('Cores used')).toBeVisible();
  await expect(drawer.getByText('1 / 1')).toBeVisible();
  await page.keyboard.press('Escape');

  await app.stop();
  app = undefined;
  await expect(figures).toHaveText(/^\s*0 running apps\s*1 alive workers\s*$/, { timeout: 30_000 });
  expect(problems).toEqual([]);
});
