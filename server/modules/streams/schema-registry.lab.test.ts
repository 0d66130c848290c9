import avsc from 'avsc';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from '../../../lab/kafka/broker.ts';
import {
  createTopics,
  labClusterConfig,
  produce,
  registerSchema,
  registryConnection,
} from '../../../lab/kafka/streams-lab.ts';
import { type SchemaRegistry, startSchemaRegistry } from '../../../lab/schema-registry/server.ts';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { frame, writeMessageIndexes } from './schema-registry/wire.ts';

// Real Kafka (lab/kafka), real Schema Registry (Apicurio, lab/schema-registry) behind basic auth, schemas
// registered over its Confluent-compatible API, Confluent-framed messages from a real producer, a real Labdeck.
// Fails (never skips) when either is not installed: `bash lab/kafka/install.sh && bash lab/schema-registry/install.sh`.

const order = {
  type: 'record',
  name: 'Order',
  namespace: 'lab.shop',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
  ],
};
const orderKey = {
  type: 'record',
  name: 'OrderKey',
  namespace: 'lab.shop',
  fields: [{ name: 'id', type: 'long' }],
};
const click = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Click',
  type: 'object',
  properties: { page: { type: 'string' }, ms: { type: 'integer' } },
};
const money =
  'syntax = "proto3";\npackage lab.common;\nmessage Money { string currency = 1; int64 units = 2; }\n';
const payments = `syntax = "proto3";
package lab.pay;
import "money.proto";
message Payment { string id = 1; lab.common.Money amount = 2; }
message Refund { string payment_id = 1; lab.common.Money amount = 2; string reason = 3; }
`;

describe('Streams peek decodes through a real Schema Registry', () => {
  let broker: KafkaBroker;
  let registry: SchemaRegistry;
  let app: TestApp;
  const auth = { username: 'labdeck', password: 'registry-secret' };
  const ids: Record<string, number> = {};

  const register = (subject: string, body: Parameters<typeof registerSchema>[2]) =>
    registerSchema(registry, subject, body);

  // biome-ignore lint/suspicious/noExplicitAny: test reads loosely typed JSON
  async function peek(topic: string): Promise<any[]> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await app.fetch(`/api/streams/clusters/lab/topics/${topic}/messages?limit=10`);
      if (res.ok)
        return ((await res.json()) as { messages: unknown[] }).messages.toSorted(
          (a, b) => (a as { offset: number }).offset - (b as { offset: number }).offset,
        ) as never;
      // 404 until the sampler has seen the topic.
      if (res.status !== 404 || Date.now() > deadline)
        throw new Error(`peek ${topic}: HTTP ${res.status} ${await res.text()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  beforeAll(async () => {
    [broker, registry] = await Promise.all([startKafka(), startSchemaRegistry({ auth })]);
    ids.order = await register('orders-value', { schema: JSON.stringify(order) });
    ids.orderKey = await register('orders-key', { schema: JSON.stringify(orderKey) });
    ids.click = await register('clicks-value', { schemaType: 'JSON', schema: JSON.stringify(click) });
    ids.money = await register('money.proto', { schemaType: 'PROTOBUF', schema: money });
    ids.payments = await register('payments-value', {
      schemaType: 'PROTOBUF',
      schema: payments,
      references: [{ name: 'money.proto', subject: 'money.proto', version: 1 }],
    });
    // Registered now, first used after the registry is stopped.
    ids.late = await register('late-value', { schema: JSON.stringify({ ...orderKey, name: 'Late' }) });

    await createTopics(broker.bootstrap, ['orders', 'clicks', 'payments', 'late'], 1);

    const orderType = avsc.Type.forSchema(order as avsc.Schema);
    const keyType = avsc.Type.forSchema(orderKey as avsc.Schema);
    const root = new protobuf.Root();
    protobuf.parse(money, root, { keepCase: true });
    protobuf.parse(payments, root, { keepCase: true });
    root.resolveAll();
    const Payment = root.lookupType('lab.pay.Payment');
    const Refund = root.lookupType('lab.pay.Refund');
    const proto = (type: protobuf.Type, indexes: number[], value: object) =>
      frame(
        ids.payments!,
        Buffer.concat([writeMessageIndexes(indexes), type.encode(type.fromObject(value)).finish()]),
      );

    await produce(broker.bootstrap, [
      {
        topic: 'orders',
        key: frame(ids.orderKey, keyType.toBuffer({ id: 1 })),
        value: frame(
          ids.order,
          orderType.toBuffer({ id: 1, note: 'gift', status: 'PAID', price: Buffer.from([0x04, 0xd2]) }),
        ),
      },
      { topic: 'orders', key: Buffer.from('plain'), value: frame(9999, Buffer.from([2, 4, 6])) },
      { topic: 'orders', key: null as unknown as Buffer, value: Buffer.from('{"not":"framed"}') },
      { topic: 'clicks', value: frame(ids.click, Buffer.from('{"page":"/home","ms":42}')) },
      {
        topic: 'payments',
        value: proto(Payment, [0], { id: 'p1', amount: { currency: 'EUR', units: 1250 } }),
      },
      {
        topic: 'payments',
        value: proto(Refund, [1], {
          payment_id: 'p1',
          amount: { currency: 'EUR', units: 5 },
          reason: 'late',
        }),
      },
      { topic: 'late', value: frame(ids.late, keyType.toBuffer({ id: 7 })) },
    ]);

    const connection = registryConnection(registry);
    app = await startTestApp({
      config: labClusterConfig({
        bootstrap: broker.bootstrap,
        interval: '500ms',
        metadataInterval: '1s',
        requestTimeout: '3s',
        schemaRegistry: { ...connection.settings, requestTimeout: '2s' },
      }),
      env: connection.env,
    });
  });

  afterAll(async () => {
    await app?.close();
    await Promise.allSettled([broker?.stop(), registry?.stop()]);
  });

  it('decodes Avro keys and values, and names an unknown schema id per message', async () => {
    const [first, unknown, plain] = await peek('orders');
    expect(first.keyDecoded).toEqual({
      format: 'avro',
      schemaId: ids.orderKey,
      subject: 'orders-key',
      type: 'lab.shop.OrderKey',
      data: { id: 1 },
    });
    expect(first.valueDecoded).toEqual({
      format: 'avro',
      schemaId: ids.order,
      subject: 'orders-value',
      type: 'lab.shop.Order',
      data: { id: 1, note: 'gift', status: 'PAID', price: '12.34' },
    });
    expect(Buffer.from(first.value, 'base64')[0]).toBe(0); // raw bytes still there
    expect(unknown.keyDecoded).toBeNull();
    expect(unknown.valueDecoded).toEqual({
      schemaId: 9999,
      error: 'the schema registry does not know schema 9999',
    });
    expect(plain.valueDecoded).toBeNull();
    expect(Buffer.from(plain.value, 'base64').toString()).toBe('{"not":"framed"}');
  });

  it('decodes JSON Schema values', async () => {
    const [message] = await peek('clicks');
    expect(message.valueDecoded).toEqual({
      format: 'json',
      schemaId: ids.click,
      subject: 'clicks-value',
      type: 'Click',
      data: { page: '/home', ms: 42 },
    });
  });

  it('decodes Protobuf values by message index, with an imported reference', async () => {
    const [payment, refund] = await peek('payments');
    expect(payment.valueDecoded).toMatchObject({
      format: 'protobuf',
      schemaId: ids.payments,
      subject: 'payments-value',
      type: 'lab.pay.Payment',
      data: { id: 'p1', amount: { currency: 'EUR', units: '1250' } },
    });
    expect(refund.valueDecoded).toMatchObject({
      type: 'lab.pay.Refund',
      data: { payment_id: 'p1', amount: { currency: 'EUR', units: '5' }, reason: 'late' },
    });
  });

  it('degrades per message when the registry is down, still decoding schemas it already has', async () => {
    await registry.stop();
    const [late] = await peek('late');
    expect(late.valueDecoded).toEqual({
      schemaId: ids.late,
      error: 'the schema registry could not be reached (ECONNREFUSED)',
    });
    const [first] = await peek('orders');
    expect(first.valueDecoded).toMatchObject({ format: 'avro', data: { id: 1 } });
    const clusters = await (await app.fetch('/api/streams/clusters')).text();
    expect(clusters).not.toContain(auth.password);
    expect(clusters).not.toContain(registry.url);
  });
});
