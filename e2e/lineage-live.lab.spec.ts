// With the lineage page open on a dbt model, the test runs the real producer (`dbt-ol run`, lab/dbt)
// against a lab PostgreSQL; the open graph follows the run live, then the user explores columns,
// travels back in time and exports Mermaid.
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { type LabPostgres, startLabPostgres } from '../lab/dbt/postgres.ts';
import { runDbtOl } from '../lab/dbt/run.ts';
import { watchForFailures } from './support/failures.ts';

/** A script for the page that records each distinct run state the node shows (in window.seenStates). */
const recordStates = (nodeId: string) => `(() => {
  const seen = (window.seenStates = []);
  const read = () => document.querySelector('g.node[data-node-id="' + CSS.escape(${JSON.stringify(nodeId)}) + '"]')?.getAttribute('data-state');
  new MutationObserver(() => {
    const state = read();
    if (state && seen.at(-1) !== state) seen.push(state);
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
})()`;

let pg: LabPostgres;
test.beforeAll(async () => {
  pg = await startLabPostgres();
});
test.afterAll(async () => {
  await pg?.stop();
});

test('a dbt run shows up live on the open graph; columns, time travel and Mermaid export work', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(240_000);
  const problems = watchForFailures(page);
  const namespace = `e2e-${randomBytes(3).toString('hex')}`;
  const ns = `postgres://${pg.host}:${pg.port}`;
  const job = (model: string, schema = 'staging') => `job:${namespace}:lab.${schema}.labdeck_lab.${model}`;
  const dataset = (name: string) => `dataset:${ns}:lab.${name}`;
  const node = (id: string) => page.locator(`g.node[data-node-id="${id}"]`);

  // First run: only the staging models exist in Labdeck.
  const first = await runDbtOl({
    pg,
    openLineageUrl: baseURL!,
    namespace,
    args: ['--select', 'stg_customers', 'stg_orders'],
  });
  expect(first.code, first.output).toBe(0);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const between = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 1_500));

  const events = page.waitForRequest((request) => request.url().includes('/api/events'));
  await page.goto(`/lineage?node=${encodeURIComponent(dataset('staging.stg_customers'))}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Lineage' })).toBeVisible();
  await expect(node(job('stg_customers'))).toHaveAttribute('data-state', 'COMPLETED');
  await expect(node(dataset('raw.customers'))).toBeVisible();
  await expect(node(dataset('staging.stg_customers'))).toHaveAttribute('data-versions', '1');
  await expect(node(job('client_orders', 'marts'))).toHaveCount(0);
  await events;

  // Record every state the staging job's node shows, to see it running and then completed.
  await page.evaluate(recordStates(job('stg_customers')));

  // Second run, the whole project, while the page stays open.
  const second = await runDbtOl({ pg, openLineageUrl: baseURL!, namespace });
  expect(second.code, second.output).toBe(0);

  await expect(node(job('client_orders', 'marts'))).toHaveAttribute('data-state', 'COMPLETED', {
    timeout: 30_000,
  });
  await expect(node(dataset('marts.client_orders'))).toBeVisible();
  await expect(node(dataset('staging.stg_customers'))).toHaveAttribute('data-versions', '2');
  await expect(node(job('stg_customers'))).toHaveAttribute('data-state', 'COMPLETED');
  const seen = await page.evaluate<string[]>('window.seenStates');
  expect(seen).toEqual(['RUNNING', 'COMPLETED']);
  const activity = page.getByTestId('activity');
  await expect(activity.locator('li[data-event="START"]').filter({ hasText: 'client_orders' })).toHaveCount(
    1,
  );
  await expect(
    activity.locator('li[data-event="COMPLETE"]').filter({ hasText: 'client_orders' }),
  ).toHaveCount(1);

  // Columns: show client_orders' columns, pick client_id, see its upstream columns highlighted.
  // The live additions were placed beside their neighbours, maybe out of view: fit first.
  const fit = page.getByRole('button', { name: 'Fit' });
  await fit.click();
  await node(dataset('marts.client_orders')).locator('g.cols').click({ timeout: 15_000 });
  await fit.click();
  await node(dataset('marts.client_orders'))
    .locator('g.field[data-field="client_id"]')
    .click({ timeout: 15_000 });
  await expect(
    node(dataset('staging.stg_customers')).locator('g.field.hot[data-field="client_id"]'),
  ).toBeVisible();
  await expect(node(dataset('raw.customers')).locator('g.field.hot[data-field="customer_id"]')).toBeVisible();
  await expect(page.getByTestId('column-edge')).toHaveCount(2);

  // Side panel for the selected job: runs and SQL.
  await node(job('client_orders', 'marts')).locator('text.name').click({ timeout: 15_000 });
  const panel = page.getByTestId('node-panel');
  await expect(panel.getByRole('heading', { name: 'lab.marts.labdeck_lab.client_orders' })).toBeVisible();
  await expect(panel.getByText('left join', { exact: false })).toBeVisible();

  // Time travel: move the slider to between the two runs; the earlier graph comes back.
  const slider = page.getByTestId('time-slider');
  const range = await page.request
    .get('/api/lineage/range')
    .then((r) => r.json() as Promise<{ first: string }>);
  const start = Date.parse(range.first);
  const step = Math.floor(((between - start) / (Date.now() - start)) * 1000);
  await slider.fill(String(step));
  await expect(page.getByText(/Showing lineage as of/)).toBeVisible();
  await expect(node(job('client_orders', 'marts'))).toHaveCount(0);
  await expect(node(dataset('marts.client_orders'))).toHaveCount(0);
  await expect(node(dataset('staging.stg_customers'))).toHaveAttribute('data-versions', '1');
  await expect(node(job('stg_customers'))).toHaveAttribute('data-state', 'COMPLETED');

  await page.getByRole('button', { name: 'Now' }).click();
  await expect(node(dataset('marts.client_orders'))).toBeVisible();

  // The page with a graph, columns and the side panel open passes axe.
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);

  // Export the visible subgraph as Mermaid; the text renders.
  await page.getByRole('button', { name: 'Export as Mermaid' }).click();
  const text = await page.getByTestId('mermaid-text').inputValue();
  expect(text).toMatch(/^flowchart LR\n/);
  expect(text).toContain('lab.marts.labdeck_lab.client_orders (completed)');
  expect(text).toContain('[("lab.staging.stg_customers")]');
  const preview = page.getByTestId('mermaid-preview').locator('svg');
  await expect(preview).toBeVisible({ timeout: 20_000 });
  await expect(preview.locator('.node')).toHaveCount(
    text.split('\n').filter((l) => /^ {2}n\d+[[(]/.test(l)).length,
  );

  expect(problems).toEqual([]);
});
