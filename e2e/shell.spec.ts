import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { watchForFailures } from './support/failures.ts';

const routes = [
  { path: '/', heading: 'Home' },
  { path: '/lineage', heading: 'Lineage' },
  { path: '/sql', heading: 'SQL' },
  { path: '/streams', heading: 'Streams' },
  { path: '/jobs', heading: 'Jobs' },
  { path: '/settings', heading: 'Settings' },
  {
    path: '/denied?service=Dagster&url=http%3A%2F%2Fdagster.lab.localhost%2F',
    heading: 'You may not open Dagster',
  },
];

test('every route opens, the theme switches, and nothing fails', async ({ page }) => {
  const problems = watchForFailures(page);
  for (const route of routes) {
    await page.goto(route.path);
    await expect(page.getByRole('heading', { level: 1, name: route.heading })).toBeVisible();
  }
  const html = page.locator('html');
  const before = await html.getAttribute('data-theme');
  await page.getByTestId('theme-toggle').click();
  const after = before === 'dark' ? 'light' : 'dark';
  await expect(html).toHaveAttribute('data-theme', after);
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', after);
  expect(problems).toEqual([]);
});

// Needs the jobs server module (GET /api/jobs, /api/jobs/board): the e2e config has no jobs source,
// so the page either explains how to add one or lists the OpenLineage runs other specs stored.
test('Jobs explains how to add a source, or shows the OpenLineage runs already stored', async ({ page }) => {
  await page.goto('/jobs');
  await expect(
    page.getByRole('heading', { name: 'No job source yet' }).or(page.getByTestId('job-matrix')),
  ).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  if (await page.getByTestId('jobs-example').isVisible())
    await expect(page.getByTestId('jobs-example')).toContainText('kind: airflow3');
});

test('unknown paths show the SPA not-found page; unknown API paths answer JSON', async ({
  page,
  request,
}) => {
  await page.goto('/no/such/page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  const res = await request.get('/api/nope');
  expect(res.status()).toBe(404);
  expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No API route for GET /nope' } });
});

for (const theme of ['light', 'dark'] as const) {
  test(`every route passes axe in the ${theme} theme`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: theme });
    for (const route of routes) {
      await page.goto(route.path);
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      const results = await new AxeBuilder({ page }).analyze();
      const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(serious.map((v) => `${route.path}: ${v.id} ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual(
        [],
      );
    }
  });
}

test('the shell works from the keyboard with a visible focus ring', async ({ page }) => {
  await page.goto('/');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Labdeck home' })).toBeFocused();
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  expect(outline).toBe('solid');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Lineage' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/lineage$/);

  await page.keyboard.press('Control+k');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await expect(palette).toBeVisible();
  await page.keyboard.type('setti');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/settings$/);
  await expect(palette).toBeHidden();

  await page.keyboard.press('Control+k');
  await page.keyboard.press('Escape');
  await expect(palette).toBeHidden();
});
