import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { watchForFailures } from './support/failures.ts';

/** A cancelled run stream or a download ends its request on purpose. */
const sqlStreams = (request: { url(): string }) =>
  request.url().includes('/api/sql/run') || request.url().includes('/api/sql/exports/');

async function openSql(page: Page) {
  await page.goto('/sql');
  await expect(page.locator('[data-testid=sql-editor] .monaco-editor')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('connection-select')).toHaveValue('sample');
}

async function setSql(page: Page, sql: string) {
  await page.locator('[data-testid=sql-editor] .view-lines').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.type(sql);
}

const status = (page: Page) => page.getByTestId('run-status');

test('a new user queries the sample database, cancels, sees errors, exports and comes back', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  const problems = watchForFailures(page, { expectedFailedRequest: sqlStreams });
  await openSql(page);

  // Run: the grid shows the rows and the count.
  await setSql(page, 'SELECT order_id, status, total FROM orders ORDER BY order_id');
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(status(page)).toHaveAttribute('data-state', 'finished');
  await expect(page.getByTestId('row-count')).toHaveText('10,000 rows');
  await expect(page.getByRole('gridcell', { name: 'delivered' }).first()).toBeVisible();
  await expect(page.getByRole('columnheader', { name: /total/ })).toBeVisible();
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    const { violations } = await new AxeBuilder({ page }).analyze();
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${theme}: ${v.id} ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
  }

  // Cancel: a long pg_sleep stops within seconds.
  await setSql(page, 'SELECT pg_sleep(30)');
  await page.getByTestId('run').click();
  await expect(status(page)).toHaveAttribute('data-state', 'running');
  await page.waitForTimeout(500);
  await page.getByTestId('cancel').click();
  await expect(status(page)).toHaveAttribute('data-state', 'cancelled', { timeout: 5_000 });

  // A syntax error is marked where PostgreSQL reports it.
  await setSql(page, 'SELECT 1,\n2 FROM FROM orders');
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(status(page)).toHaveAttribute('data-state', 'failed');
  await expect(page.getByTestId('run-error')).toContainText(
    'syntax error at or near "FROM" (line 2, column 8)',
  );
  await expect(page.locator('[data-testid=sql-editor] .squiggly-error')).toHaveCount(1);

  // Export the full result (beyond the 10,000-row preview) as CSV.
  await setSql(page, 'SELECT g AS n, md5(g::text) AS h FROM generate_series(1, 250000) g');
  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^sample-.*\.csv$/);
  const csv = readFileSync((await download.path())!, 'utf8')
    .trimEnd()
    .split('\r\n');
  expect(csv[0]).toBe('n,h');
  expect(csv).toHaveLength(250_001);
  expect(csv.at(-1)).toMatch(/^250000,/);

  // Tabs and history survive a new browser page.
  await page.waitForTimeout(1_000); // debounced tab save
  const again = await context.newPage();
  await openSql(again);
  await expect(again.locator('[data-testid=sql-editor] .view-lines')).toContainText(
    'generate_series(1, 250000)',
  );
  await again.getByTestId('view-history').click();
  await expect(again.getByTestId('history-panel')).toContainText('SELECT pg_sleep(30)');
  await expect(again.getByTestId('history-panel')).toContainText('cancelled');
  expect(problems).toEqual([]);
});
