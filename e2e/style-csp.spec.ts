// Style elements need the page's CSP nonce (no 'unsafe-inline'), and the pages whose libraries write
// styles at run time still work without a single CSP violation: the lineage page's Mermaid export, the
// SQL editor (Monaco) and a result chart (echarts).
import { randomBytes } from 'node:crypto';
import { expect, type Page, test } from '@playwright/test';
import { fanEvents } from './support/lineage-graph.ts';

/** Every CSP violation the page reports, from every document it loads. */
async function watchCspViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeBinding('reportCspViolation', (_source, text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { reportCspViolation: (text: string) => void }).reportCspViolation;
      report(
        `${event.effectiveDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`,
      );
    });
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      violations.push(`console: ${message.text()}`);
    }
  });
  return violations;
}

/** The `<style>` elements of the page that lack the nonce the page was served with. */
const stylesWithoutNonce = (page: Page) =>
  page.evaluate(() => {
    const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content;
    return [...document.querySelectorAll('style')]
      .filter((style) => !nonce || style.nonce !== nonce)
      .map((style) => style.outerHTML.slice(0, 120));
  });

test('style elements need the page nonce, and the export, the SQL editor and a chart raise no CSP violation', async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);
  const violations = await watchCspViolations(page);

  // The served policy: style elements from this origin or with this response's nonce, nothing inline.
  const home = await page.goto('/');
  const csp = (await home!.allHeaders())['content-security-policy'] ?? '';
  const styleElem = /(?:^|;)\s*style-src-elem ([^;]*)/.exec(csp)?.[1] ?? '';
  expect(styleElem).toMatch(/^'self' 'nonce-[A-Za-z0-9+/=]{24}'$/);
  expect(csp).not.toMatch(/style-src(-elem)? [^;]*'unsafe-inline'/);
  const metaNonce = await page.locator('meta[name="csp-nonce"]').getAttribute('content');
  expect(styleElem).toContain(`'nonce-${metaNonce}'`);

  // Lineage: Mermaid renders the export (its SVG carries a <style>), and that stylesheet applies.
  const ns = `csp-${randomBytes(3).toString('hex')}`;
  const { events, root } = fanEvents(ns, 2, 2);
  expect((await request.post('/api/v1/lineage/batch', { data: events })).status()).toBe(200);
  await page.goto(`/lineage?node=${encodeURIComponent(root)}&depth=4`);
  await expect(page.locator('g.node')).toHaveCount(13, { timeout: 30_000 });
  await page.getByRole('button', { name: 'Export as Mermaid' }).click();
  const preview = page.getByTestId('mermaid-preview').locator('svg');
  await expect(preview).toBeVisible({ timeout: 20_000 });
  await expect(preview.locator('.node')).toHaveCount(13);
  // Only the SVG's own stylesheet says edges are unfilled lines: an SVG path is filled black by default.
  const edgeFill = await preview
    .locator('.flowchart-link')
    .first()
    .evaluate((path) => getComputedStyle(path).fill);
  expect(edgeFill).toBe('none');
  expect(await stylesWithoutNonce(page)).toEqual([]);

  // SQL: Monaco writes its theme into style elements; a result chart draws with echarts.
  await page.goto('/sql');
  await expect(page.getByRole('heading', { level: 1, name: 'SQL' })).toBeAttached({ timeout: 20_000 });
  await page.getByTestId('new-tab').click();
  await page.locator('[data-testid=sql-editor] .view-lines').click();
  await page.keyboard.type('SELECT day, revenue FROM daily_revenue ORDER BY day LIMIT 60');
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-state', 'finished');
  // Monaco's syntax colours come from its theme stylesheet (mtk* classes): a keyword is not plain text.
  const keyword = page
    .locator('[data-testid=sql-editor] .view-line span span', { hasText: 'SELECT' })
    .first();
  const text = page
    .locator('[data-testid=sql-editor] .view-line span span', { hasText: 'daily_revenue' })
    .first();
  const colour = (locator: typeof keyword) => locator.evaluate((span) => getComputedStyle(span).color);
  expect(await colour(keyword)).not.toBe(await colour(text));
  await page.getByTestId('view-chart').click();
  const chart = page.locator('[data-testid=result-chart] canvas');
  await expect(chart).toBeVisible({ timeout: 15_000 });
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForTimeout(300);
  expect(await stylesWithoutNonce(page)).toEqual([]);

  expect(violations).toEqual([]);
});
