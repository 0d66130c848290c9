// The lab's traffic (`npm run lab` keeps it running): a shop's topics at rates that rise and fall, values
// in Avro and JSON registered in the Schema Registry, a consumer group that loads orders into PostgreSQL
// and reports it as OpenLineage runs, and an analytics group that falls behind every few minutes and
// catches up again.
//   node lab/kafka/traffic.ts '<TrafficOptions as JSON>'
import { Consumer, type Message, MessagesStreamModes } from '@platformatic/kafka';
import avro from 'avsc';
import pg from 'pg';
import { frame } from '../../server/modules/streams/schema-registry/wire.ts';
import { createTopics, sleep } from './streams-lab.ts';
import { produceAtRate, startGroupConsumer } from './workload.ts';

export interface TrafficOptions {
  bootstrap: string;
  /** Confluent-compatible Schema Registry API base; values are plain JSON without one. */
  registryUrl: string | null;
  shop: { host: string; port: number; user: string; password: string; database: string };
  /** Labdeck's base URL and the producer key its lineage ingest takes. */
  lineage: { url: string; key: string } | null;
  /** Seconds in one rise-and-fall of the rates. */
  periodSeconds?: number;
  /** Group clicks-analytics keeps up this long, then stops for `pauseSeconds` (default 240 and 120). */
  analytics?: { keepUpSeconds: number; pauseSeconds: number };
}

const orderSchema = {
  type: 'record',
  name: 'Order',
  namespace: 'lab.shop',
  fields: [
    { name: 'order_id', type: 'int' },
    { name: 'customer_id', type: 'int' },
    {
      name: 'status',
      type: { type: 'enum', name: 'Status', symbols: ['placed', 'shipped', 'completed', 'returned'] },
    },
    { name: 'amount_cents', type: 'int' },
    { name: 'event_time', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
} as const;

const paymentSchema = {
  type: 'record',
  name: 'Payment',
  namespace: 'lab.shop',
  fields: [
    { name: 'payment_id', type: 'string' },
    { name: 'order_id', type: 'int' },
    { name: 'method', type: 'string' },
    { name: 'amount_cents', type: 'int' },
  ],
} as const;

const clickSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Click',
  type: 'object',
  properties: { session: { type: 'string' }, page: { type: 'string' }, at: { type: 'string' } },
  required: ['session', 'page', 'at'],
};

const STATUSES = ['placed', 'shipped', 'completed', 'returned'] as const;
const PAGES = ['/', '/search', '/product/42', '/cart', '/checkout'];

async function register(
  registryUrl: string,
  subject: string,
  schema: unknown,
  schemaType: string,
): Promise<number> {
  const res = await fetch(`${registryUrl}/subjects/${subject}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify(schema), schemaType }),
  });
  if (!res.ok) throw new Error(`registering ${subject}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

/** A value encoder for `topic`: Avro (or JSON Schema) in Confluent's framing when a registry is there. */
async function encoder(
  options: TrafficOptions,
  topic: string,
  schema: object,
  schemaType: 'AVRO' | 'JSON',
): Promise<(value: Record<string, unknown>) => Buffer> {
  const json = (value: Record<string, unknown>) => Buffer.from(JSON.stringify(value));
  if (!options.registryUrl) return json;
  const id = await register(options.registryUrl, `${topic}-value`, schema, schemaType);
  if (schemaType === 'JSON') return (value) => frame(id, json(value));
  const type = avro.Type.forSchema(schema as avro.Schema);
  return (value) => frame(id, type.toBuffer(value));
}

/** A rate that rises and falls between `low` and `high` msgs/s over `periodSeconds`, phase-shifted per topic. */
const wave = (low: number, high: number, periodSeconds: number, phase: number) => () =>
  low + ((high - low) * (1 + Math.sin((2 * Math.PI * Date.now()) / 1000 / periodSeconds + phase))) / 2;

async function produceShop(options: TrafficOptions): Promise<void> {
  const period = options.periodSeconds ?? 600;
  await createTopics(options.bootstrap, ['shop.orders', 'shop.payments'], 3).catch(() => {});
  await createTopics(options.bootstrap, ['shop.clicks'], 6).catch(() => {});
  const order = await encoder(options, 'shop.orders', orderSchema, 'AVRO');
  const payment = await encoder(options, 'shop.payments', paymentSchema, 'AVRO');
  const click = await encoder(options, 'shop.clicks', clickSchema, 'JSON');
  // Order ids stay within Avro's int: a fresh range per start.
  const base = (Math.floor(Date.now() / 1000) % 1_000_000) * 1_000;
  const orderId = (n: number) => 1_000 + ((base + n) % 2_000_000_000);
  produceAtRate(options.bootstrap, 'shop.orders', wave(5, 40, period, 0), {
    clientId: 'lab-shop',
    value: (n) =>
      order({
        order_id: orderId(n),
        customer_id: 1 + (n % 5),
        status: STATUSES[n % STATUSES.length],
        amount_cents: 500 + ((n * 7_919) % 30_000),
        event_time: Date.now(),
      }),
  });
  produceAtRate(options.bootstrap, 'shop.payments', wave(3, 25, period, 1), {
    clientId: 'lab-shop',
    value: (n) =>
      payment({
        payment_id: `p-${n}`,
        order_id: orderId(n),
        method: n % 3 ? 'card' : 'invoice',
        amount_cents: 1_000 + (n % 9_000),
      }),
  });
  produceAtRate(options.bootstrap, 'shop.clicks', wave(100, 600, period, 2), {
    clientId: 'lab-web',
    value: (n) =>
      click({ session: `s-${n % 500}`, page: PAGES[n % PAGES.length]!, at: new Date().toISOString() }),
  });
}

/** Group `clicks-analytics`: keeps up for a while, then stops for a while (its lag goes WARN, then STOP). */
async function analyticsThatFallsBehind(options: TrafficOptions): Promise<void> {
  const { keepUpSeconds, pauseSeconds } = options.analytics ?? { keepUpSeconds: 240, pauseSeconds: 120 };
  const group = await startGroupConsumer(options.bootstrap, 'clicks-analytics', 'shop.clicks', 1_000);
  for (;;) {
    await sleep(keepUpSeconds * 1000);
    group.pause();
    console.error(`clicks-analytics: stopped for ${pauseSeconds} s`);
    await sleep(pauseSeconds * 1000);
    group.resume();
    console.error('clicks-analytics: consuming again');
  }
}

/** Group `shop-loader`: order events into raw.order_events, committed after each insert, reported to Labdeck. */
async function loadOrders(options: TrafficOptions): Promise<void> {
  const db = new pg.Pool({ ...options.shop, max: 2 });
  const order = avro.Type.forSchema(orderSchema as unknown as avro.Schema);
  const consumer = new Consumer({
    clientId: 'lab-shop-loader',
    groupId: 'shop-loader',
    bootstrapBrokers: [options.bootstrap],
    autocommit: false,
    maxWaitTime: 500,
  });
  const stream = await consumer.consume({
    topics: ['shop.orders'],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: 'earliest',
    autocommit: false,
  });
  const batch: Message[] = [];
  stream.on('data', (message: Message) => batch.push(message));
  stream.on('error', (error) => console.error(`shop-loader: ${(error as Error).message}`));
  const reporter = lineageReporter(options);
  for (;;) {
    await sleep(2_000);
    const messages = batch.splice(0);
    if (!messages.length) continue;
    try {
      await load(db, messages, order);
      await reporter(messages.length);
    } catch (error) {
      // Not committed: the same events are loaded on the next try.
      console.error(`shop-loader: ${(error as Error).message}; retrying`);
      batch.unshift(...messages);
      await sleep(5_000);
    }
  }
}

async function load(db: pg.Pool, messages: Message[], order: avro.Type): Promise<void> {
  const rows = messages.map((message) => decodeOrder(message.value as Buffer, order));
  await db.query(
    `insert into raw.order_events (order_id, customer_id, status, amount_cents, event_time)
       select * from unnest($1::int[], $2::int[], $3::text[], $4::int[], $5::timestamptz[])`,
    [
      rows.map((row) => row.order_id),
      rows.map((row) => row.customer_id),
      rows.map((row) => row.status),
      rows.map((row) => row.amount_cents),
      rows.map((row) => new Date(row.event_time)),
    ],
  );
  const latest = new Map<number, Message>();
  for (const message of messages) latest.set(message.partition, message);
  await Promise.all([...latest.values()].map((message) => message.commit()));
}

interface OrderEvent {
  order_id: number;
  customer_id: number;
  status: string;
  amount_cents: number;
  event_time: number | Date;
}

function decodeOrder(value: Buffer, type: avro.Type): OrderEvent {
  if (value[0] === 0 && value.length > 5) return type.fromBuffer(value.subarray(5)) as OrderEvent;
  return JSON.parse(value.toString('utf8')) as OrderEvent;
}

/** One OpenLineage run per minute of loading: shop.orders (Kafka) in, raw.order_events (PostgreSQL) out. */
function lineageReporter(options: TrafficOptions): (rows: number) => Promise<void> {
  if (!options.lineage) return async () => {};
  const { url, key } = options.lineage;
  const job = { namespace: 'lab-streaming', name: 'shop-loader' };
  const inputs = [{ namespace: `kafka://${options.bootstrap}`, name: 'shop.orders' }];
  const outputs = [
    {
      namespace: `postgres://${options.shop.host}:${options.shop.port}`,
      name: `${options.shop.database}.raw.order_events`,
    },
  ];
  let windowStarted = 0;
  let loaded = 0;
  const send = (eventType: string, runId: string, extra: object = {}) =>
    fetch(`${url}/api/v1/lineage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        eventType,
        eventTime: new Date().toISOString(),
        run: { runId, ...extra },
        job,
        inputs,
        outputs,
        producer: 'https://github.com/labdeck/lab/traffic',
        schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      }),
      signal: AbortSignal.timeout(5_000),
    }).then(
      (res) => res.ok || failed(`HTTP ${res.status}`),
      (error: Error) => failed(error.message),
    );
  let lastFailure = '';
  /** Logs a failure unless it repeats the one before (START is retried every batch until Labdeck is up). */
  const failed = (why: string): false => {
    if (why !== lastFailure) console.error(`shop-loader lineage: ${why}`);
    lastFailure = why;
    return false;
  };
  let runId = '';
  return async (rows) => {
    loaded += rows;
    if (!windowStarted) {
      // A run starts once Labdeck took its START (the lab starts Labdeck after the traffic): until then
      // every batch tries again, so the loader shows up within a batch of Labdeck answering.
      runId = crypto.randomUUID();
      if ((await send('START', runId)) === true) {
        windowStarted = Date.now();
        lastFailure = '';
      }
    } else if (Date.now() - windowStarted >= 60_000) {
      await send('COMPLETE', runId, { facets: {} });
      console.error(`shop-loader: ${loaded} order events loaded in the last minute`);
      windowStarted = 0;
      loaded = 0;
    }
  };
}

const options = JSON.parse(process.argv[2] ?? '{}') as TrafficOptions;
if (!options.bootstrap || !options.shop) {
  console.error(
    'usage: node lab/kafka/traffic.ts \'{"bootstrap":...,"registryUrl":...,"shop":{...},"lineage":...}\'',
  );
  process.exit(2);
}
await produceShop(options);
console.error('traffic: producing to shop.orders, shop.payments and shop.clicks');
void analyticsThatFallsBehind(options);
await loadOrders(options);
