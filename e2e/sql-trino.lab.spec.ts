// SQL Lab against a real Trino (lab/trino). Without `bash lab/trino/install.sh` this FAILS, never skips.
import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { startTrino, type TrinoServer } from '../lab/trino/server.ts';
import { watchForFailures } from './support/failures.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

let trino: TrinoServer;
let labdeck: LabdeckProcess;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  trino = await startTrino();
  labdeck = await startLabdeckProcess({
    config: `sql:\n  connections:\n    - id: trino\n      name: Lab Trino\n      engine: trino\n      url: ${trino.url}\n`,
  });
});
test.afterAll(async () => {
  await labdeck?.stop();
  await trino?.stop();
});

const editorLines = (page: Page) => page.locator('[data-testid=sql-editor] .view-lines');
const status = (page: Page) => page.getByTestId('run-status');

async function setSql(page: Page, sql: string) {
  await editorLines(page).click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.type(sql);
}

test('a new user queries Trino: autocomplete, progress, cancel, errors, 1M-row export, tabs and history kept', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const context = await browser.newContext({ baseURL: labdeck.url, acceptDownloads: true });
  const page = await context.newPage();
  const problems = watchForFailures(page);
  await page.goto('/sql');
  await expect(page.locator('[data-testid=sql-editor] .monaco-editor')).toBeVisible({ timeout: 20_000 });
  await page.getByTestId('connection-select').selectOption('trino');

  // Autocomplete `tpch.tiny.` to a table.
  await setSql(page, 'SELECT * FROM tpch.tiny.');
  const suggest = page.locator('.suggest-widget');
  await expect(suggest).toContainText('nation', { timeout: 15_000 });
  await page.keyboard.type('nati');
  await page.keyboard.press('Enter');
  await expect(editorLines(page)).toContainText('SELECT * FROM tpch.tiny.nation');

  // Run: progress while it runs, then rows.
  await setSql(
    page,
    'SELECT o.orderpriority, count(*) AS n FROM tpch.sf1.lineitem l JOIN tpch.sf1.orders o ON l.orderkey = o.orderkey GROUP BY 1 ORDER BY 1',
  );
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(page.getByTestId('run-progress')).toBeVisible({ timeout: 20_000 });
  await expect(status(page)).toHaveAttribute('data-state', 'finished', { timeout: 120_000 });
  await expect(page.getByTestId('row-count')).toHaveText('5 rows');
  await expect(page.getByRole('gridcell', { name: '1-URGENT' })).toBeVisible();

  // A slow query is cancelled.
  await setSql(page, 'SELECT count(*) FROM tpch.sf1000.lineitem a CROSS JOIN tpch.sf1000.nation b');
  await page.getByTestId('run').click();
  await expect(status(page)).toHaveAttribute('data-state', 'running');
  await page.waitForTimeout(1_000);
  await page.keyboard.press('Escape');
  await expect(status(page)).toHaveAttribute('data-state', 'cancelled', { timeout: 10_000 });

  // A syntax error is marked in the editor.
  await setSql(page, 'SELECT 1\nFROM tpch.tiny.nation WHERE )');
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(status(page)).toHaveAttribute('data-state', 'failed');
  await expect(page.getByTestId('run-error')).toContainText('(line 2, column 29)');
  await expect(page.locator('[data-testid=sql-editor] .squiggly-error')).toHaveCount(1);

  // Export 1,000,000 rows as CSV.
  await setSql(page, 'SELECT orderkey, custkey, totalprice, orderdate FROM tpch.sf1.orders LIMIT 1000000');
  const downloadPromise = page.waitForEvent('download', { timeout: 120_000 });
  await page.getByTestId('export-csv').click();
  const download = await downloadPromise;
  const csv = readFileSync((await download.path())!, 'utf8')
    .trimEnd()
    .split('\r\n');
  expect(csv[0]).toBe('orderkey,custkey,totalprice,orderdate');
  expect(csv).toHaveLength(1_000_001);

  // Reopen the browser: tabs and history are still there.
  await page.waitForTimeout(1_000);
  await context.close();
  const again = await browser.newContext({ baseURL: labdeck.url });
  const page2 = await again.newPage();
  await page2.goto('/sql');
  await expect(page2.getByTestId('connection-select')).toHaveValue('trino', { timeout: 20_000 });
  await expect(editorLines(page2)).toContainText('tpch.sf1.orders LIMIT 1000000');
  await page2.getByTestId('view-history').click();
  await expect(page2.getByTestId('history-panel')).toContainText('tpch.sf1000.lineitem');
  await expect(page2.getByTestId('history-panel')).toContainText('cancelled');
  await again.close();
  expect(problems).toEqual([]);
});
