import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Admin,
  type BaseOptions,
  Consumer,
  type Message,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  createCertificateAuthority,
  type KafkaBroker,
  type KafkaSecurity,
  saslMechanisms,
  startKafka,
} from './broker.ts';

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

  it('refuses to add security to a data dir formatted without it (it has no SCRAM users)', async () => {
    await expect(startKafka({ dir: broker.dir, security: true })).rejects.toThrow(
      `Kafka data in ${broker.dir} was formatted without security, so it has no SCRAM users: use a fresh dir`,
    );
    expect(await admin.listTopics()).toContain(topic);
  });
});

/** Every error code in a rejection, through AggregateError's `errors` and `cause`. */
async function codesOf(promise: Promise<unknown>): Promise<string[]> {
  const codes: string[] = [];
  const walk = (error: unknown) => {
    if (!(error instanceof Error)) return;
    const { code, errors } = error as Error & { code?: string; errors?: unknown[] };
    if (code) codes.push(code);
    for (const inner of errors ?? []) walk(inner);
    walk(error.cause);
  };
  await promise.then(
    () => codes.push('resolved'),
    (error) => walk(error),
  );
  return codes;
}

describe('lab Kafka broker with SASL and TLS listeners', () => {
  let broker: KafkaBroker;
  let security: KafkaSecurity;
  const alice = { name: 'alice', password: 'alice-secret-1' };

  const listTopics = async (bootstrap: string, options: Partial<BaseOptions>) => {
    const admin = new Admin({
      clientId: 'broker-security-test',
      bootstrapBrokers: [bootstrap],
      retries: 0,
      connectTimeout: 5_000,
      ...options,
    });
    try {
      return await admin.listTopics();
    } finally {
      await admin.close().catch(() => {});
    }
  };

  beforeAll(async () => {
    broker = await startKafka({ security: { users: [alice, { name: 'bob', password: 'bob-secret-2' }] } });
    security = broker.security!;
    const admin = new Admin({ clientId: 'broker-security-test', bootstrapBrokers: [broker.bootstrap] });
    try {
      await admin.createTopics({ topics: ['secured'], partitions: 1, replicas: 1 });
    } finally {
      await admin.close();
    }
  }, 120_000);

  afterAll(async () => {
    await broker?.stop();
    if (broker) rmSync(broker.dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses user names and passwords it cannot put in the JAAS config unquoted', async () => {
    const users = [{ name: 'eve', password: 'with "quotes"' }];
    const dir = mkdtempSync(join(tmpdir(), 'labdeck-kafka-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    await expect(startKafka({ dir, security: { users } })).rejects.toThrow(
      'Kafka security: user names and passwords must match /^[A-Za-z0-9._~-]{1,128}$/ (user "eve")',
    );
  });

  it('returns the listeners, mechanisms, users and the CA', () => {
    expect(security.sasl).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(new Set([security.sasl, security.ssl, security.saslSsl, broker.bootstrap]).size).toBe(4);
    expect(security.mechanisms).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    expect(security.users.map((u) => u.name)).toEqual(['alice', 'bob']);
    expect(security.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(readFileSync(security.caFile, 'utf8')).toBe(security.caPem);
  });

  it.each(saslMechanisms)(
    'authenticates %s over SASL_PLAINTEXT and SASL_SSL, and refuses a wrong password',
    async (mechanism) => {
      const sasl = { mechanism, username: alice.name, password: alice.password };
      expect(await listTopics(security.sasl, { sasl })).toContain('secured');
      expect(await listTopics(security.saslSsl, { sasl, tls: { ca: security.caPem } })).toContain('secured');
      const wrong = listTopics(security.sasl, { sasl: { ...sasl, password: 'not-her-password' } });
      expect(await codesOf(wrong)).toContain('PLT_KFK_AUTHENTICATION');
    },
  );

  it('serves TLS with a certificate for 127.0.0.1 signed by the returned CA, and only to clients trusting it', async () => {
    expect(await listTopics(security.ssl, { tls: { ca: security.caPem } })).toContain('secured');
    const other = createCertificateAuthority(join(broker.dir, 'other-ca'));
    const untrusted = listTopics(security.ssl, { tls: { ca: other.pem } });
    expect(await codesOf(untrusted)).toContain('SELF_SIGNED_CERT_IN_CHAIN');
  });

  it('keeps the plaintext listener, and the SCRAM users and CA across a restart', async () => {
    expect(await listTopics(broker.bootstrap, {})).toContain('secured');
    await broker.stop();
    await broker.start();
    const sasl = { mechanism: 'SCRAM-SHA-512' as const, username: 'bob', password: 'bob-secret-2' };
    expect(await listTopics(security.saslSsl, { sasl, tls: { ca: security.caPem } })).toContain('secured');
  }, 120_000);
});
