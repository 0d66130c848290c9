import { expect, type Page, test } from '@playwright/test';

// The SQL Lab's tools on the built-in sample connection: run selection, parameters, EXPLAIN tree, chart,
// schema browser, saved queries shared by link, history search, sort and cell inspector.
const editorLines = (page: Page) => page.locator('[data-testid=sql-editor] .view-lines');
const status = (page: Page) => page.getByTestId('run-status');

async function setSql(page: Page, sql: string) {
  await editorLines(page).click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.type(sql);
}

test('run selection, parameters, explain, chart, schema browser, saved link, history search', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto('/sql');
  await expect(page.getByRole('heading', { level: 1, name: 'SQL' })).toBeAttached({ timeout: 20_000 });
  await page.getByTestId('new-tab').click();

  // The statement under the cursor runs, not the whole text.
  await setSql(
    page,
    'SELECT 1 AS first;\nSELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY n DESC',
  );
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(status(page)).toHaveAttribute('data-state', 'finished');
  await expect(page.getByRole('columnheader', { name: /^status/ })).toBeVisible();
  await expect(page.getByTestId('row-count')).toHaveText('4 rows');

  // Client-side sort and the cell inspector.
  await page.getByRole('button', { name: /^n\b/ }).click();
  await expect(page.getByRole('columnheader', { name: /^n\b/ })).toHaveAttribute('aria-sort', 'ascending');
  await page.getByRole('gridcell', { name: 'delivered' }).click();
  await expect(page.getByRole('region', { name: 'Cell value' })).toContainText('delivered');

  // Run all runs every statement in order; the last result stays.
  await setSql(page, 'SELECT 1 AS one;\nSELECT 2 AS two;');
  await page.getByTestId('run-all').click();
  await expect(page.getByRole('columnheader', { name: /^two/ })).toBeVisible();
  await expect(status(page)).toHaveAttribute('data-state', 'finished');

  // Format in the connection's dialect.
  await setSql(page, 'select order_id,total from orders where total>10');
  await page.getByTestId('format').click();
  await expect(editorLines(page)).toContainText('SELECT');
  await expect(editorLines(page)).toContainText('WHERE');

  // {{name}} parameters get inputs.
  await setSql(page, 'SELECT count(*) AS c FROM orders WHERE customer_id = {{customer}}');
  await page.getByTestId('param-customer').fill('7');
  await page.getByTestId('run').click();
  await expect(status(page)).toHaveAttribute('data-state', 'finished');
  await expect(page.getByTestId('row-count')).toHaveText('1 rows');

  // EXPLAIN (ANALYZE, FORMAT JSON) as a tree.
  await setSql(page, 'SELECT * FROM orders JOIN customers USING (customer_id) WHERE total > 100');
  await page.getByTestId('explain').click();
  await expect(page.getByTestId('explain-view')).toContainText('Hash Join');
  await expect(page.getByTestId('explain-view')).toContainText('execution');

  // A chart of the result.
  await setSql(page, 'SELECT day, revenue FROM daily_revenue ORDER BY day LIMIT 60');
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(status(page)).toHaveAttribute('data-state', 'finished');
  await page.getByTestId('view-chart').click();
  await expect(page.locator('[data-testid=result-chart] canvas')).toBeVisible({ timeout: 15_000 });

  // Schema browser: expand to a table and insert its name.
  const browser = page.getByTestId('schema-browser');
  await browser.getByRole('button', { name: /^Expand labdeck_sample/ }).click();
  await browser.getByRole('button', { name: 'Expand public' }).click();
  await expect(browser.getByRole('button', { name: 'products', exact: true })).toBeVisible();
  await browser.getByRole('button', { name: 'Expand products' }).click();
  await expect(browser).toContainText('numeric(10,2)');
  await setSql(page, 'SELECT * FROM ');
  await browser.getByRole('button', { name: 'products', exact: true }).click();
  await expect(editorLines(page)).toContainText('SELECT * FROM public.products');

  // Save, then open the shared link in another page.
  page.once('dialog', (dialog) => dialog.accept('Products list'));
  await page.getByTestId('save').click();
  const notice = page.getByRole('status').filter({ hasText: 'Saved "Products list"' });
  await expect(notice).toBeVisible();
  const link = /(http\S+\/sql\?saved=[0-9a-f-]+)/.exec((await notice.textContent()) ?? '')![1]!;
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByRole('button', { name: 'Products list', exact: true })).toBeVisible({
    timeout: 20_000,
  });
  await expect(other.locator('[data-testid=sql-editor] .view-lines')).toContainText('public.products');
  await other.close();

  // History search.
  await page.getByTestId('view-history').click();
  await page.getByRole('searchbox', { name: 'Search history' }).fill('daily_revenue');
  await expect(page.getByTestId('history-panel')).toContainText('SELECT day, revenue FROM daily_revenue');
  await expect(page.getByTestId('history-panel')).not.toContainText('GROUP BY status');
  expect(errors).toEqual([]);
});
