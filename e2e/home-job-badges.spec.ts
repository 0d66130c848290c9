// A Home service tile says how many jobs of the job sources naming it (`service:`) are failing, and
// follows it live. The runs are real OpenLineage events stored by Labdeck's lineage module and polled by
// its jobs module (an `openlineage` source); nothing in between is faked.
import { randomUUID } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { watchForFailures } from './support/failures.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

const POLL_MS = 1_000;
let labdeck: LabdeckProcess;

test.beforeAll(async () => {
  labdeck = await startLabdeckProcess({
    config: `
services:
  groups:
    - name: Pipelines
      services:
        - id: spark
          name: Spark
          url: http://127.0.0.1:9/spark
          probe: false
        - id: wiki
          name: Wiki
          url: http://127.0.0.1:9/wiki
          probe: false
jobs:
  sources:
    - id: spark-runs
      kind: openlineage
      name: Spark runs
      service: spark
      url: http://127.0.0.1:9/spark-history   # links only; every source kind must have one today
      intervalMs: ${POLL_MS}
`,
  });
});

test.afterAll(async () => {
  await labdeck?.stop();
});

/** One OpenLineage run event of job `spark/<job>`, as a producer sends it. */
async function sendRun(job: string, eventType: 'FAIL' | 'COMPLETE') {
  const res = await fetch(`${labdeck.url}/api/v1/lineage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      eventType,
      eventTime: new Date().toISOString(),
      producer: 'https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/spark',
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      run: { runId: randomUUID() },
      job: { namespace: 'spark', name: job },
      inputs: [],
      outputs: [],
    }),
  });
  expect(res.status).toBeLessThan(300);
}

test('the Spark tile counts failing jobs live, links to them, and the drawer says it too', async ({
  page,
}) => {
  const problems = watchForFailures(page);
  await sendRun('orders_nightly', 'FAIL');

  // The server's first screen has the tiles; the count comes once the SPA has the jobs board.
  const html = await (await page.request.get(labdeck.url, { headers: { accept: 'text/html' } })).text();
  expect(html).toContain('data-testid="service-spark"');

  await page.goto(labdeck.url);
  const spark = page.getByTestId('service-spark');
  const badge = spark.getByTestId('tile-badge-failing-jobs');
  await expect(badge).toHaveText('⚠ 1 failing job on Spark', { timeout: POLL_MS * 5 });
  await expect(spark.getByRole('link', { name: '1 failing job on Spark' })).toHaveAttribute(
    'href',
    '/jobs?source=spark-runs',
  );
  await expect(page.getByTestId('service-wiki').getByTestId('tile-badge-failing-jobs')).toHaveCount(0);

  await sendRun('customers_hourly', 'FAIL');
  await expect(badge).toHaveText('⚠ 2 failing jobs on Spark', { timeout: POLL_MS * 5 });

  await spark.getByRole('button', { name: 'Details of Spark' }).click();
  const drawer = page.getByRole('dialog', { name: 'Spark' });
  await expect(drawer.getByTestId('tile-badge-failing-jobs')).toHaveText('⚠ 2 failing jobs on Spark');
  await page.keyboard.press('Escape');

  await sendRun('customers_hourly', 'COMPLETE');
  await expect(badge).toHaveText('⚠ 1 failing job on Spark', { timeout: POLL_MS * 5 });
  await sendRun('orders_nightly', 'COMPLETE');
  await expect(badge).toHaveCount(0, { timeout: POLL_MS * 5 });

  await sendRun('orders_nightly', 'FAIL');
  await badge.click();
  await expect(page).toHaveURL(/\/jobs\?source=spark-runs$/);
  await expect(page.getByTestId('job-matrix')).toContainText('orders_nightly');
  expect(problems).toEqual([]);
});

for (const theme of ['light', 'dark'] as const) {
  test(`a tile with failing jobs passes axe in the ${theme} theme, normal, compact and in its drawer`, async ({
    page,
  }) => {
    await sendRun(`axe_${theme}`, 'FAIL');
    await page.emulateMedia({ colorScheme: theme });
    const check = async (where: string) => {
      const results = await new AxeBuilder({ page }).analyze();
      const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(serious.map((v) => `${where}: ${v.id} ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
    };
    await page.goto(labdeck.url);
    const badge = page.getByTestId('service-spark').getByTestId('tile-badge-failing-jobs');
    await expect(badge).toBeVisible({ timeout: POLL_MS * 5 });
    await check('home');
    await page.getByRole('button', { name: 'Compact' }).click();
    await expect(badge).toBeVisible();
    await check('home compact');
    await page.getByRole('button', { name: 'Details of Spark' }).click();
    await expect(
      page.getByRole('dialog', { name: 'Spark' }).getByTestId('tile-badge-failing-jobs'),
    ).toBeVisible();
    await check('drawer');
  });
}
