import { createHash } from 'node:crypto';
import { expect, type Page, test } from '@playwright/test';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

// A 1,000,000-row preview in the grid: rows appear while the rest streams, every row is there (the count,
// the first and the last rows with their values), the grid stays virtual (a bounded number of DOM rows)
// and scrolling stays smooth. Timings are printed, not asserted.
let labdeck: LabdeckProcess;
test.beforeAll(async () => {
  test.setTimeout(180_000);
  labdeck = await startLabdeckProcess({ config: 'sql:\n  previewRows: 1000000\n' });
});
test.afterAll(async () => {
  await labdeck?.stop();
});

test('a million-row result streams into a virtual grid that scrolls smoothly', async ({ browser }) => {
  test.setTimeout(180_000);
  const context = await browser.newContext({ baseURL: labdeck.url });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto('/sql');
  await expect(page.locator('[data-testid=sql-editor] .monaco-editor')).toBeVisible({ timeout: 20_000 });
  await page.locator('[data-testid=sql-editor] .view-lines').click();
  await page.keyboard.type(
    "SELECT g AS n, md5(g::text) AS hash, g % 7 = 0 AS lucky, 'row ' || g AS label FROM generate_series(1, 1000000) g",
  );
  await page.keyboard.press('ControlOrMeta+Enter');

  // The first rows are on screen before the run ends.
  await expect(page.getByRole('gridcell', { name: 'row 1', exact: true })).toBeVisible({ timeout: 30_000 });
  const stateAtFirstRows = await page.getByTestId('run-status').getAttribute('data-state');
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-state', 'finished', {
    timeout: 120_000,
  });
  await expect(page.getByTestId('row-count')).toHaveText('1,000,000 rows');
  await expect(page.getByTestId('result-grid')).toHaveAttribute('aria-rowcount', '1000001'); // + header
  await expect(page.getByRole('columnheader')).toHaveText(['#', /^n /, /^hash /, /^lucky /, /^label /]);
  await expectRow(page, 1);
  await expectRow(page, 7); // the first lucky one
  const firstPaint = await page.evaluate(() => {
    const batch = performance.getEntriesByName('sql:first-batch')[0];
    const painted = performance.getEntriesByName('sql:first-rows-painted')[0];
    return batch && painted ? painted.startTime - batch.startTime : -1;
  });

  // Virtual: only the visible rows exist in the DOM.
  const domRows = await page.locator('[data-testid=result-grid] [role=row]').count();
  expect(domRows).toBeLessThan(120);

  // Scroll from top to bottom in 120 frames and record every frame's duration.
  const frames = await page.evaluate(async () => {
    const el = document.querySelector('[data-testid=result-grid]') as HTMLElement;
    const durations: number[] = [];
    let last = performance.now();
    for (let i = 1; i <= 120; i++) {
      el.scrollTop = (el.scrollHeight * i) / 120;
      await new Promise(requestAnimationFrame);
      const now = performance.now();
      durations.push(now - last);
      last = now;
    }
    durations.sort((a, b) => a - b);
    return { median: durations[60]!, p95: durations[114]!, max: durations[119]! };
  });
  await expect(page.getByRole('gridcell', { name: 'row 1000000', exact: true })).toBeVisible();
  // The end of the result, with nothing missing before it.
  await expectRow(page, 1_000_000);
  await expectRow(page, 999_999);
  console.log(
    `first batch -> first rows painted: ${firstPaint.toFixed(1)} ms (state then: ${stateAtFirstRows}); ` +
      `scroll frames over 1M rows: median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms, max ${frames.max.toFixed(1)} ms; DOM rows ${domRows}`,
  );
  await page.screenshot({ path: test.info().outputPath('big-result.png') });
  expect(firstPaint).toBeGreaterThanOrEqual(0);
  expect(errors).toEqual([]);
  await context.close();
});

/** Row `n` of the query is drawn at its place with the values PostgreSQL computed for it. */
async function expectRow(page: Page, n: number) {
  const row = page.locator(`[data-testid=result-grid] [role=row][aria-rowindex="${n + 1}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByRole('rowheader')).toHaveText(String(n));
  await expect(row.getByRole('gridcell')).toHaveText([
    String(n),
    createHash('md5').update(String(n)).digest('hex'),
    String(n % 7 === 0),
    `row ${n}`,
  ]);
}
