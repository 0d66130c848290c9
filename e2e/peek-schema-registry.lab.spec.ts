import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import avsc from 'avsc';
import { type KafkaBroker, startKafka } from '../lab/kafka/broker.ts';
import {
  confluentFramed,
  createTopics,
  labClusterConfig,
  produce,
  registerSchema,
  registryConnection,
} from '../lab/kafka/streams-lab.ts';
import { type SchemaRegistry, startSchemaRegistry } from '../lab/schema-registry/server.ts';
import { watchForFailures } from './support/failures.ts';
import { type LabdeckProcess, startLabdeckProcess } from './support/labdeck.ts';

// Lab tier: a real broker, a real Schema Registry (Apicurio, basic auth), Avro messages from a real producer,
// the production Labdeck. Run: bash lab/kafka/install.sh && bash lab/schema-registry/install.sh &&
// npx vite build --logLevel warn && LABDECK_E2E_TIER=lab npx playwright test e2e/peek-schema-registry.lab.spec.ts

const TOPIC = 'e2e.orders';
const order = {
  type: 'record',
  name: 'Order',
  namespace: 'lab.shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: 'string' },
  ],
};

test.describe.configure({ mode: 'serial', timeout: 180_000 });

let broker: KafkaBroker;
let registry: SchemaRegistry;
let labdeck: LabdeckProcess;
let schemaId: number;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const auth = { username: 'labdeck', password: 'e2e-registry-secret' };
  // Never a silent skip: both throw with the install command when missing.
  [broker, registry] = await Promise.all([startKafka(), startSchemaRegistry({ auth })]);
  schemaId = await registerSchema(registry, `${TOPIC}-value`, { schema: JSON.stringify(order) });
  await createTopics(broker.bootstrap, [TOPIC], 1);
  const type = avsc.Type.forSchema(order as avsc.Schema);
  await produce(broker.bootstrap, [
    {
      topic: TOPIC,
      key: Buffer.from('o-1'),
      value: confluentFramed(schemaId, type.toBuffer({ id: 1, customer: 'ada' })),
    },
    { topic: TOPIC, key: Buffer.from('o-2'), value: confluentFramed(4242, Buffer.from([2, 0xff])) },
  ]);
  const connection = registryConnection(registry);
  labdeck = await startLabdeckProcess({
    config: labClusterConfig({
      name: 'Lab Kafka',
      bootstrap: broker.bootstrap,
      interval: '1s',
      metadataInterval: '1s',
      requestTimeout: '3s',
      schemaRegistry: connection.settings,
    }),
    env: connection.env,
  });
});

test.afterAll(async () => {
  await labdeck?.stop();
  await Promise.allSettled([broker?.stop(), registry?.stop()]);
});

async function readMessages(page: Page) {
  await page.goto(`${labdeck.url}/streams/lab/topics/${TOPIC}`);
  await expect(page.getByRole('heading', { level: 1, name: TOPIC })).toBeVisible({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Read last messages' }).click();
  await expect(page.getByTestId('peeked').locator('li')).toHaveCount(2);
}

test('an operator reads Avro messages decoded through the Schema Registry, and the raw bytes on demand', async ({
  page,
}) => {
  const problems = watchForFailures(page);
  await readMessages(page);
  const items = page.getByTestId('peeked').locator('li');
  const decoded = items.filter({ has: page.getByTestId('schema-badge') });
  await expect(decoded.getByTestId('schema-badge')).toHaveText(
    `Avro · schema ${schemaId} (subject ${TOPIC}-value)`,
  );
  await expect(decoded.getByTestId('decoded-value')).toHaveText('{\n  "id": 1,\n  "customer": "ada"\n}');
  const failed = items.filter({ has: page.getByTestId('decode-error') });
  await expect(failed.getByTestId('decode-error')).toContainText(
    'the schema registry does not know schema 4242',
  );
  await expect(failed.getByTestId('raw-value')).toHaveText('00 00 00 10 92 02 ff');

  await page.getByLabel('Show as').selectOption('hex');
  await expect(decoded.getByTestId('decoded-value')).toHaveCount(0);
  await expect(decoded.getByTestId('raw-value')).toHaveText(/^00 00 00 00 [0-9a-f]{2} 02 06 61 64 61$/);
  await page.getByLabel('Show as').selectOption('auto');
  await expect(decoded.getByTestId('decoded-value')).toBeVisible();

  const html = await page.content();
  expect(html).not.toContain('e2e-registry-secret');
  expect(html).not.toContain(registry.url);
  expect(problems).toEqual([]);
});

for (const theme of ['light', 'dark'] as const) {
  test(`decoded messages pass axe in the ${theme} theme`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: theme });
    await readMessages(page);
    const results = await new AxeBuilder({ page }).include('[data-testid="peeked"]').analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id} ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
  });
}
