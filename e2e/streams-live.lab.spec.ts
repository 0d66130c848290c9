import { Admin } from '@platformatic/kafka';
import { expect, test } from '@playwright/test';
import { type KafkaBroker, startKafka } from '../lab/kafka/broker.ts';
import { labClusterConfig } from '../lab/kafka/streams-lab.ts';
import {
  type GroupConsumer,
  produceAtRate,
  type RateProducer,
  startGroupConsumer,
} from '../lab/kafka/workload.ts';
import { watchForFailures } from './support/failures.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

// Lab tier: a real KRaft broker (lab/kafka), a real producer and consumer group, the production Labdeck.
// Run: bash lab/kafka/install.sh && npx vite build --logLevel warn && LABDECK_E2E_TIER=lab npx playwright test e2e/streams-live.lab.spec.ts

const INTERVAL_MS = 1_000;
const TOPIC = 'e2e.orders';
const GROUP = 'e2e-app';

test.describe.configure({ mode: 'serial', timeout: 180_000 });

let broker: KafkaBroker;
let labdeck: LabdeckProcess;
let admin: Admin;
let producer: RateProducer | undefined;
let consumer: GroupConsumer | undefined;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  // Never a silent skip: without the broker startKafka() throws and says how to fix it.
  broker = await startKafka();
  admin = new Admin({ clientId: 'e2e-streams', bootstrapBrokers: [broker.bootstrap], retries: 5 });
  await admin.createTopics({ topics: [TOPIC], partitions: 3, replicas: 1 });
  labdeck = await startLabdeckProcess({
    config: labClusterConfig({
      name: 'Lab Kafka',
      bootstrap: broker.bootstrap,
      interval: `${INTERVAL_MS}ms`,
      metadataInterval: '2s',
      logDirsInterval: '2s',
      statusWindow: '8s',
      requestTimeout: '3s',
    }),
  });
});

test.afterAll(async () => {
  await consumer?.close();
  await producer?.stop().catch(() => {});
  await labdeck?.stop();
  await admin?.close().catch(() => {});
  await broker?.stop();
});

const numberIn = (text: string | null) => Number((text ?? '').replace(/[^\d.]/g, ''));

test('a producer at 1,000 msgs/s shows up live, within two sampling intervals', async ({ page }) => {
  const problems = watchForFailures(page);
  await page.goto(`${labdeck.url}/streams`);
  await expect(page.getByRole('heading', { level: 1, name: 'Streams' })).toBeVisible();
  await expect(page.getByTestId('cluster-status')).toHaveText('Up', { timeout: 15_000 });
  const row = page.locator(`tr[data-topic="${TOPIC}"]`);
  await expect(row).toBeVisible({ timeout: 10_000 });
  // Let one idle sample land, then start writing; no reload from here on.
  await page.waitForTimeout(INTERVAL_MS);
  producer = produceAtRate(broker.bootstrap, TOPIC, 1_000);
  const started = Date.now();
  // Two sampling intervals, plus the delivery of the live event and the refetch it triggers.
  await expect(async () => {
    const shown = numberIn(await row.getByTestId('topic-rate').textContent());
    expect(shown).toBeGreaterThan(850);
    expect(shown).toBeLessThan(1_150);
  }).toPass({ timeout: 2 * INTERVAL_MS + 1_500, intervals: [100] });
  console.log(`topic shown at ~1,000 msgs/s ${Date.now() - started} ms after the producer started`);
  await expect(page.getByTestId('cluster-in-rate')).toContainText('msg/s');
  expect(problems).toEqual([]);
});

test('a paused consumer group goes WARN then STOP with rising lag, and OK when it resumes', async ({
  page,
}) => {
  const problems = watchForFailures(page);
  consumer = await startGroupConsumer(broker.bootstrap, GROUP, TOPIC);
  await page.goto(`${labdeck.url}/streams?tab=groups`);
  const row = page.locator(`tr[data-group="${GROUP}"]`);
  await expect(row.getByTestId('verdict')).toHaveText('OK', { timeout: 30_000 });
  consumer.pause();
  await expect(row.getByTestId('verdict')).toHaveText('WARN', { timeout: 15_000 });
  const lagAtWarn = numberIn(await row.getByTestId('group-lag').textContent());
  await expect(row.getByTestId('verdict')).toHaveText('STOP', { timeout: 20_000 });
  const lagAtStop = numberIn(await row.getByTestId('group-lag').textContent());
  expect(lagAtStop).toBeGreaterThan(lagAtWarn);
  consumer.resume();
  await expect(row.getByTestId('verdict')).toHaveText('OK', { timeout: 30_000 });
  await expect(async () => {
    expect(numberIn(await row.getByTestId('group-lag').textContent())).toBeLessThan(lagAtStop);
  }).toPass({ timeout: 10_000 });
  // The group's own page: per-partition lag and a lazily loaded chart.
  await row.getByRole('link', { name: GROUP }).click();
  await expect(page.getByRole('heading', { level: 1, name: GROUP })).toBeVisible();
  await expect(page.getByTestId('group-partitions').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByRole('img', { name: /Total lag of/ })).toBeVisible();
  expect(problems).toEqual([]);
});

test('the topic page shows partitions, a live chart and the last messages', async ({ page }) => {
  const problems = watchForFailures(page);
  // Listed topics are in the command palette.
  await page.goto(`${labdeck.url}/streams`);
  await expect(page.locator(`tr[data-topic="${TOPIC}"]`)).toBeVisible();
  await page.keyboard.press('Control+k');
  await page.keyboard.type(`topic ${TOPIC}`);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/streams/lab/topics/${TOPIC.replace('.', '\\.')}$`));
  await expect(page.getByRole('heading', { level: 1, name: TOPIC })).toBeVisible();
  await expect(page.getByTestId('partition-table').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByRole('img', { name: /Messages and bytes per second/ })).toBeVisible();
  await page.getByRole('button', { name: '1h' }).click();
  await expect(page.getByRole('button', { name: '1h' })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Read last messages' }).click();
  await expect(page.getByTestId('peeked').locator('li')).toHaveCount(20);
  expect(problems).toEqual([]);
});

test('a stopped broker shows the cluster down with greyed figures; it recovers without a Labdeck restart', async ({
  page,
}) => {
  const problems = watchForFailures(page);
  await consumer?.close();
  consumer = undefined;
  await producer?.stop();
  producer = undefined;
  await page.goto(`${labdeck.url}/streams`);
  await expect(page.getByTestId('cluster-status')).toHaveText('Up');
  await broker.stop();
  await expect(page.getByTestId('cluster-status')).toHaveText('Down', { timeout: 20_000 });
  await expect(page.getByText('Showing the last known figures')).toBeVisible();
  await expect(page.locator(`tr[data-topic="${TOPIC}"]`)).toBeVisible();
  await expect(page.getByTestId('topic-table')).toHaveClass(/stale/);
  await broker.start();
  await expect(page.getByTestId('cluster-status')).toHaveText('Up', { timeout: 60_000 });
  await expect(page.getByTestId('topic-table')).not.toHaveClass(/stale/);
  expect(problems).toEqual([]);
});
