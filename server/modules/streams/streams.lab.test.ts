import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from '../../../lab/kafka/broker.ts';
import { labClusterConfig, sleep, until } from '../../../lab/kafka/streams-lab.ts';
import { produceAtRate, startGroupConsumer } from '../../../lab/kafka/workload.ts';
import { startTestApp, type TestApp } from '../../test/harness.ts';

// Real broker (lab/kafka), real producer and consumer group, real Labdeck with a short sampling interval.
// Fails (never skips) when Kafka is not installed: run `bash lab/kafka/install.sh` first.

describe('Streams against a real Kafka broker', () => {
  let broker: KafkaBroker;
  let app: TestApp;
  let admin: Admin;

  // biome-ignore lint/suspicious/noExplicitAny: test reads loosely typed JSON
  const get = async <T = any>(path: string): Promise<T> => {
    const res = await app.fetch(path);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const topicView = (name: string) => get(`/api/streams/clusters/lab/topics/${name}`).catch(() => null);
  const groupView = (id: string) =>
    get(`/api/streams/clusters/lab/groups/${id}`)
      .then((r) => r.group)
      .catch(() => null);

  beforeAll(async () => {
    broker = await startKafka();
    admin = new Admin({ clientId: 'streams-lab-test', bootstrapBrokers: [broker.bootstrap], retries: 5 });
    app = await startTestApp({
      config: labClusterConfig({
        name: 'Lab Kafka',
        bootstrap: broker.bootstrap,
        interval: '500ms',
        metadataInterval: '1s',
        logDirsInterval: '1s',
        window: '10m',
        statusWindow: '5s',
        requestTimeout: '3s',
      }),
    });
  });

  afterAll(async () => {
    await app?.close();
    await admin?.close().catch(() => {});
    await broker?.stop();
  });

  it('lists the cluster with its brokers and controller', async () => {
    const { clusters } = await until(
      'cluster up',
      () => get('/api/streams/clusters'),
      (r) => r.clusters[0]?.status === 'up',
    );
    expect(clusters[0]).toMatchObject({ id: 'lab', name: 'Lab Kafka', status: 'up', intervalMs: 500 });
    expect(clusters[0].overview.brokers).toHaveLength(1);
    expect(clusters[0].overview.controller).toBe(1);
    expect(JSON.stringify(clusters)).not.toContain('password');
  });

  it('shows the rate a real producer writes at', async () => {
    await admin.createTopics({ topics: ['rate.orders'], partitions: 3, replicas: 1 });
    const producer = produceAtRate(broker.bootstrap, 'rate.orders', 400);
    try {
      await until(
        'topic listed',
        () => topicView('rate.orders'),
        (v) => v !== null,
      );
      await sleep(6_000);
      const { points } = await get('/api/streams/clusters/lab/topics/rate.orders/series?range=5m');
      // Average over the last 4 s of full-resolution samples, weighted by their durations.
      const recent = points.filter((p: number[]) => p[0]! > Date.now() - 4_000 && p[1] !== null);
      const mean = recent.reduce((s: number, p: number[]) => s + p[1]!, 0) / recent.length;
      expect(recent.length).toBeGreaterThanOrEqual(5);
      expect(mean).toBeGreaterThan(400 * 0.85);
      expect(mean).toBeLessThan(400 * 1.15);
      const { topics } = await get('/api/streams/clusters/lab/topics?sort=rate');
      expect(topics[0]).toMatchObject({
        name: 'rate.orders',
        partitions: 3,
        replicationFactor: 1,
        underReplicated: 0,
      });
      expect(topics[0].spark.length).toBeGreaterThan(5);
      for (const topic of topics) for (const v of topic.spark) expect(v === null || v >= 0).toBe(true);
      const sized = await until(
        'log size sampled',
        () => topicView('rate.orders'),
        (v) => (v?.topic.size ?? 0) > 0,
      );
      expect(sized.topic.parts).toHaveLength(3);
    } finally {
      await producer.stop();
    }
  });

  it('reports lag and verdicts of a real consumer group: OK, WARN then STOP when paused, OK again, REWIND', async () => {
    await admin.createTopics({ topics: ['lag.events'], partitions: 2, replicas: 1 });
    const producer = produceAtRate(broker.bootstrap, 'lag.events', 100);
    const consumer = await startGroupConsumer(broker.bootstrap, 'lag-app', 'lag.events');
    try {
      await until(
        'group OK and caught up',
        () => groupView('lag-app'),
        (g) => g?.status === 'OK' && g.parts.length === 2 && g.totalLag < 100,
      );
      consumer.pause();
      const warned = await until(
        'WARN',
        () => groupView('lag-app'),
        (g) => g?.status === 'WARN',
        15_000,
      );
      expect(warned.totalLag).toBeGreaterThan(0);
      const stopped = await until(
        'STOP',
        () => groupView('lag-app'),
        (g) => g?.status === 'STOP',
        20_000,
      );
      expect(stopped.totalLag).toBeGreaterThan(warned.totalLag);
      consumer.resume();
      const ok = await until(
        'OK after resume',
        () => groupView('lag-app'),
        (g) => g?.status === 'OK' && g.totalLag < 100,
        20_000,
      );
      expect(ok.totalLag).toBeLessThan(stopped.totalLag);
      const { groups } = await get(`/api/streams/clusters/lab/topics/lag.events`);
      expect(groups.map((g: { id: string }) => g.id)).toContain('lag-app');
    } finally {
      await consumer.close();
    }
    // Rewind the (now empty) group to the start: the committed offset goes backwards.
    await admin.alterConsumerGroupOffsets({
      groupId: 'lag-app',
      topics: [
        { name: 'lag.events', partitionOffsets: [0, 1].map((partition) => ({ partition, offset: 0n })) },
      ],
    });
    await until(
      'REWIND',
      () => groupView('lag-app'),
      (g) => g?.status === 'REWIND',
      15_000,
    );
    await producer.stop();
  });

  it('survives a topic deleted and recreated: never a negative rate, fresh figures after', async () => {
    await admin.createTopics({ topics: ['churn'], partitions: 1, replicas: 1 });
    const first = produceAtRate(broker.bootstrap, 'churn', 500);
    await sleep(3_000);
    await first.stop();
    await until(
      'churn sampled',
      () => topicView('churn'),
      (v) => (v?.topic.parts[0].end ?? 0) > 500,
    );
    await admin.deleteTopics({ topics: ['churn'] });
    await until(
      'churn gone',
      () => topicView('churn'),
      (v) => v === null,
      20_000,
    );
    await until(
      'recreated',
      () =>
        admin.createTopics({ topics: ['churn'], partitions: 1, replicas: 1 }).then(
          () => true,
          () => false,
        ),
      (ok) => ok,
      20_000,
    );
    const second = produceAtRate(broker.bootstrap, 'churn', 100);
    try {
      const back = await until(
        'churn back at 100/s',
        () => topicView('churn'),
        (v) => v !== null && (v.topic.rate ?? 0) > 60,
        20_000,
      );
      expect(back.topic.parts[0].end).toBeLessThan(1000);
      const { points } = await get('/api/streams/clusters/lab/topics/churn/series?range=5m');
      for (const [, rate] of points) expect(rate === null || rate >= 0).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('peeks at the last messages without joining or creating a group', async () => {
    await admin.createTopics({ topics: ['peek.me'], partitions: 2, replicas: 1 });
    const producer = produceAtRate(broker.bootstrap, 'peek.me', 50);
    await sleep(1_500);
    await producer.stop();
    await until(
      'peek.me listed',
      () => topicView('peek.me'),
      (v) => v !== null,
    );
    const { messages } = await get('/api/streams/clusters/lab/topics/peek.me/messages?limit=5');
    expect(messages).toHaveLength(5);
    expect(Buffer.from(messages[0].value, 'base64').toString()).toMatch(/^x+$/);
    const one = await get('/api/streams/clusters/lab/topics/peek.me/messages?partition=1&limit=3');
    expect(one.messages.every((m: { partition: number }) => m.partition === 1)).toBe(true);
    const groups = await admin.listGroups();
    expect([...groups.keys()].filter((id) => id.startsWith('labdeck'))).toEqual([]);
  });

  it('shows the cluster down when the broker stops, with last figures, and recovers by itself', async () => {
    await broker.stop();
    const down = await until(
      'down',
      () => get('/api/streams/clusters'),
      (r) => r.clusters[0].status === 'down',
      30_000,
    );
    expect(down.clusters[0].error).toBeTruthy();
    const { topics } = await get('/api/streams/clusters/lab/topics');
    expect(topics.map((t: { name: string }) => t.name)).toContain('rate.orders');
    await broker.start();
    await until(
      'up again',
      () => get('/api/streams/clusters'),
      (r) => r.clusters[0].status === 'up',
      60_000,
    );
    const producer = produceAtRate(broker.bootstrap, 'rate.orders', 200);
    try {
      await until(
        'rates again',
        () => topicView('rate.orders'),
        (v) => (v?.topic.rate ?? 0) > 100,
        30_000,
      );
    } finally {
      await producer.stop();
    }
  });

  it('answers bad input with clear errors', async () => {
    expect((await app.fetch('/api/streams/clusters/nope/topics')).status).toBe(404);
    const bad = await app.fetch('/api/streams/clusters/lab/topics?sort=evil');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/query.sort/);
    expect((await app.fetch('/api/streams/clusters/lab/topics/bad%20name')).status).toBe(400);
    expect((await app.fetch('/api/streams/clusters/lab/topics/rate.orders/series?range=1y')).status).toBe(
      400,
    );
  });
});
