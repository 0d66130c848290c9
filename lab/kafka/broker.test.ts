import { rmSync } from 'node:fs';
import {
  Admin,
  Consumer,
  type Message,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from './broker.ts';

const topic = 'lab.orders';
const groupId = 'lab-orders-reader';
const messageCount = 100;

describe('lab Kafka broker', () => {
  let broker: KafkaBroker;
  let admin: Admin;

  const newAdmin = (retries = 3) =>
    new Admin({ clientId: 'broker-test', bootstrapBrokers: [broker.bootstrap], retries });

  const endOffsetTotal = async () => {
    const topics = await admin.listOffsets({
      topics: [
        { name: topic, partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) },
      ],
    });
    return (topics[0]?.partitions ?? []).reduce((sum, partition) => sum + partition.offset, 0n);
  };

  beforeAll(async () => {
    broker = await startKafka();
    admin = newAdmin();
    await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
    const producer = new Producer({
      clientId: 'broker-test',
      bootstrapBrokers: [broker.bootstrap],
      serializers: stringSerializers,
      // Without idempotence, a send right after createTopics can write a partition twice (the client resends
      // the whole per-broker batch when another partition's leader is not ready yet).
      idempotent: true,
    });
    try {
      const messages = Array.from({ length: messageCount }, (_, i) => ({
        topic,
        key: `order-${i}`,
        value: JSON.stringify({ i }),
      }));
      await producer.send({ messages });
    } finally {
      await producer.close();
    }
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await broker?.stop();
    if (broker) rmSync(broker.dir, { recursive: true, force: true });
  }, 60_000);

  it('counts every produced message in the end offsets', async () => {
    expect(await admin.listTopics()).toContain(topic);
    expect(await endOffsetTotal()).toBe(BigInt(messageCount));
  });

  it('shows a consumer group and its committed offsets to the admin client', async () => {
    const consumer = new Consumer({
      clientId: 'broker-test',
      groupId,
      bootstrapBrokers: [broker.bootstrap],
      deserializers: stringDeserializers,
    });
    try {
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      const lastPerPartition = new Map<number, Message<string, string, string, string>>();
      let read = 0;
      for await (const message of stream) {
        lastPerPartition.set(message.partition, message);
        if (++read === messageCount) break;
      }
      await Promise.all([...lastPerPartition.values()].map((message) => message.commit()));

      const groups = await admin.listGroups();
      expect(groups.get(groupId)).toMatchObject({ id: groupId, protocolType: 'consumer' });
      const described = await admin.describeGroups({ groups: [groupId] });
      expect(described.get(groupId)?.members.size).toBe(1);

      const [committed] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
      const total = (committed?.topics ?? [])
        .flatMap((t) => t.partitions)
        .reduce((sum, partition) => sum + partition.committedOffset, 0n);
      expect(total).toBe(BigInt(messageCount));
    } finally {
      await consumer.close(true);
    }
  }, 60_000);

  it('keeps topics and offsets across a restart', async () => {
    await admin.close();
    await broker.stop();
    const offline = newAdmin(0);
    await expect(offline.listTopics()).rejects.toThrow();
    await offline.close();

    await broker.start();
    admin = newAdmin();
    expect(await admin.listTopics()).toContain(topic);
    expect(await endOffsetTotal()).toBe(BigInt(messageCount));
  }, 120_000);
});
