import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { parse, stringify } from 'yaml';
import { type KafkaBroker, startKafka } from '../lab/kafka/broker.ts';
import {
  type ConnectWorker,
  createLabConnectors,
  fileSource,
  LAB_CONNECT_TOPIC,
  labConnectors,
  putConnector,
  startConnect,
  tasksIn,
  waitForConnector,
} from '../lab/kafka/connect.ts';
import { labdeckConfigText } from '../lab/stack/labdeck-config.ts';
import type { ComponentState, LabState } from '../lab/stack/state.ts';
import { freePort } from '../server/platform/net.ts';
import { watchForFailures } from './support/failures.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

// Lab tier: the lab's Kafka and Kafka Connect parts (the same lab/kafka code and connectors `npm run lab`
// starts), and the production Labdeck on the labdeck.yaml the lab generates for them, with probes every 2 s.
// Run: bash lab/kafka/install.sh && npx vite build --logLevel warn &&
//   LABDECK_E2E_TIER=lab npx playwright test e2e/kafka-connect.lab.spec.ts
// Never a silent skip: startKafka and startConnect throw with the install command when missing.

test.describe.configure({ mode: 'serial', timeout: 180_000 });

let kafka: KafkaBroker;
let worker: ConnectWorker;
let labdeck: LabdeckProcess;

const part = (port: number, url: string | null, info: Record<string, unknown> = {}): ComponentState => ({
  pids: [],
  logFiles: [],
  port,
  url,
  startedAt: new Date().toISOString(),
  info,
});

test.beforeAll(async () => {
  test.setTimeout(180_000);
  kafka = await startKafka({ dir: mkdtempSync(path.join(tmpdir(), 'labdeck-e2e-kafka-')) });
  worker = await startConnect({ bootstrap: kafka.bootstrap });
  // First only the lab's healthy connector: the tile must be up before a task fails.
  await putConnector(worker, labConnectors.source, fileSource(kafka.logFile, LAB_CONNECT_TOPIC));
  await waitForConnector(worker, labConnectors.source, tasksIn('RUNNING'));
  const state: LabState = {
    secrets: {},
    components: {
      kafka: part(kafka.port, null, { bootstrap: kafka.bootstrap }),
      connect: part(worker.port, worker.url),
    },
  };
  const port = await freePort();
  const config = parse(labdeckConfigText(state, port));
  config.services.probes = { intervalMs: 2_000 };
  labdeck = await startLabdeckProcess({ config: stringify(config), port });
});

test.afterAll(async () => {
  await labdeck?.stop();
  await worker?.stop();
  await kafka?.stop();
});

test("Home's Kafka Connect tile turns degraded with the failed task counted when the lab's broken sink fails", async ({
  page,
}) => {
  const problems = watchForFailures(page);
  await page.goto(`${labdeck.url}/`);
  const tile = page.getByTestId('service-kafka-connect');
  await expect(tile).toHaveAttribute('data-status', 'up', { timeout: 30_000 });
  await expect(tile.getByTestId('service-figures')).toHaveText(/1 connectors\s*0 failed tasks/);

  await createLabConnectors(worker, kafka.logFile);
  await expect(tile).toHaveAttribute('data-status', 'degraded', { timeout: 30_000 });
  const failedTasks = tile.getByTestId('service-figures').locator('li.danger');
  await expect(failedTasks).toHaveText(/^⚠1 failed tasks$/);
  await expect(tile.getByTestId('service-figures')).toContainText('2 connectors');
  await expect(tile.locator('.error')).toHaveText(`FAILED: ${labConnectors.failing} task 0`);

  await tile.getByRole('button', { name: 'Details of Kafka Connect' }).click();
  const drawer = page.getByRole('dialog', { name: 'Kafka Connect' });
  const figures = drawer.getByTestId('service-figures');
  await expect(figures.locator('dt', { hasText: 'Failed tasks' }).locator('+ dd')).toHaveText(/1$/);
  await expect(figures.locator('dt', { hasText: 'Running connectors' }).locator('+ dd')).toHaveText('2');
  await page.screenshot({ path: test.info().outputPath('kafka-connect-degraded.png') });
  expect(problems).toEqual([]);
});
