// The OpenLineage Kafka transport: a real broker (lab/kafka), two Labdeck replicas in one consumer
// group sharing the partitions, offsets committed after the events are stored.
import { rmSync } from 'node:fs';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from '../../../lab/kafka/broker.ts';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { runEvent } from './test/events.ts';

const TOPIC = 'openlineage';
const GROUP = 'labdeck-lineage-test';
let broker: KafkaBroker;
let admin: Admin;
const apps: TestApp[] = [];

beforeAll(async () => {
  broker = await startKafka();
  admin = new Admin({ clientId: 'lineage-test', bootstrapBrokers: [broker.bootstrap] });
  await admin.createTopics({ topics: [TOPIC], partitions: 4, replicas: 1 });
}, 180_000);
afterAll(async () => {
  for (const app of apps) await app.close();
  await admin?.close();
  await broker?.stop();
  if (broker) rmSync(broker.dir, { recursive: true, force: true });
});

const config = () =>
  `lineage:\n  kafka:\n    enabled: true\n    brokers: [${broker.bootstrap}]\n    topic: ${TOPIC}\n    groupId: ${GROUP}\n    batchSize: 50\n`;
const count = async (app: TestApp) =>
  (await app.context.db.query<{ n: number }>('SELECT count(*)::int AS n FROM lineage_events')).rows[0]!.n;

async function until(check: () => Promise<boolean>, what: string | (() => string), ms = 60_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
}

describe('Kafka transport ingest', { timeout: 240_000 }, () => {
  it('shares the topic between two replicas and commits after storing', async () => {
    // Two replicas on one database, as in production: redelivery after a rebalance is idempotent.
    const first = await startTestApp({ config: config() });
    apps.push(first, await startTestApp({ config: config(), env: { DATABASE_URL: first.databaseUrl } }));
    await until(async () => {
      const group = (await admin.describeGroups({ groups: [GROUP] })).get(GROUP);
      return group?.state.toUpperCase() === 'STABLE' && group.members.size === 2;
    }, 'both replicas in the group');

    const events = Array.from({ length: 400 }, (_, i) =>
      runEvent({ job: `kafka_job_${i % 40}`, outputs: [{ name: `kafka_out_${i % 40}` }] }),
    );
    const producer = new Producer({
      clientId: 'lineage-test',
      bootstrapBrokers: [broker.bootstrap],
      serializers: stringSerializers,
      idempotent: true,
    });
    try {
      await producer.send({
        messages: [
          ...events.map((e) => ({ topic: TOPIC, key: e.run.runId, value: JSON.stringify(e) })),
          { topic: TOPIC, key: 'bad-1', value: '{not json' },
          { topic: TOPIC, key: 'bad-2', value: JSON.stringify({ eventTime: 'nope' }) },
        ],
      });
    } finally {
      await producer.close();
    }

    let seen = 0;
    await until(
      async () => {
        seen = await count(first);
        return seen === 400;
      },
      () => `all 400 events stored (stored ${seen})`,
    );
    await until(async () => {
      const [group] = await admin.listConsumerGroupOffsets({ groups: [GROUP] });
      const committed = (group?.topics ?? [])
        .flatMap((t) => t.partitions)
        .reduce((sum, p) => sum + Number(p.committedOffset), 0);
      return committed === 402;
    }, 'offsets committed for every message (malformed ones skipped)');
    const source = await apps[0]!.context.db.query<{ source: string }>(
      'SELECT DISTINCT source FROM lineage_events',
    );
    expect(source.rows.map((r) => r.source)).toEqual([`kafka:${TOPIC}`]);
  });
});
