// The lab broker SIGKILLed under a running Labdeck, then started again on the same port and data: only the
// Streams panel and the Kafka tile degrade, and both recover without restarting Labdeck.
// Fails (never skips) when Kafka is not installed: run `bash lab/kafka/install.sh` first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from '../../../lab/kafka/broker.ts';
import { createTopics, labClusterConfig } from '../../../lab/kafka/streams-lab.ts';
import { produceAtRate } from '../../../lab/kafka/workload.ts';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import {
  fastProbedServices,
  getJson,
  reportFigure,
  startSteadyService,
  tileStatus,
  waitFor,
} from '../../test/outage.ts';

describe('Kafka killed and restarted under a running Labdeck', () => {
  let broker: KafkaBroker;
  let app: TestApp;
  let steady: Awaited<ReturnType<typeof startSteadyService>>;

  beforeAll(async () => {
    [broker, steady] = await Promise.all([startKafka(), startSteadyService()]);
    const config =
      labClusterConfig({
        name: 'Lab Kafka',
        bootstrap: broker.bootstrap,
        interval: '500ms',
        metadataInterval: '1s',
        logDirsInterval: '1s',
        requestTimeout: '2s',
      }) +
      fastProbedServices([
        { id: 'kafka', url: 'http://kafka.lab/', probe: { type: 'kafka', brokers: [broker.bootstrap] } },
        { id: 'steady', url: steady.url },
      ]);
    app = await startTestApp({ config });
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([broker?.stop(), steady?.close()]);
  });

  const cluster = async () => (await getJson(app, '/api/streams/clusters')).clusters[0];
  const topic = () => getJson(app, '/api/streams/clusters/lab/topics/outage.orders');

  it('degrades only Streams and the Kafka tile, answers 503 quickly for broker calls, and recovers on its own', async () => {
    await createTopics(broker.bootstrap, ['outage.orders'], 2);
    const producer = produceAtRate(broker.bootstrap, 'outage.orders', 200);
    try {
      await waitFor('a rate sampled', topic, (v) => (v.topic.rate ?? 0) > 100);
      await waitFor(
        'the Kafka tile up',
        () => tileStatus(app, 'kafka'),
        (s) => s === 'up',
      );
    } finally {
      await producer.stop();
    }

    await broker.kill();
    const killed = Date.now();
    const down = await waitFor('Streams down', cluster, (c) => c.status === 'down', { timeoutMs: 20_000 });
    reportFigure('Kafka killed -> Streams cluster down', down.ms);
    expect(down.value.error).toBeTruthy();
    const tile = await waitFor(
      'the Kafka tile down',
      () => tileStatus(app, 'kafka'),
      (s) => s === 'down',
      {
        timeoutMs: 20_000,
      },
    );
    reportFigure('Kafka killed -> Home tile down', Date.now() - killed);
    expect(tile.value).toBe('down');

    // The last figures stay readable, marked with the cluster's status.
    const list = await getJson(app, '/api/streams/clusters/lab/topics');
    expect(list.cluster.status).toBe('down');
    expect(list.topics.map((t: { name: string }) => t.name)).toContain('outage.orders');
    // Calls that need a broker answer at once with a clear 503.
    for (const path of ['configs', 'messages?limit=3']) {
      const started = Date.now();
      const res = await app.fetch(`/api/streams/clusters/lab/topics/outage.orders/${path}`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('kafka_unavailable');
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    // Everything else answers as before.
    expect(await tileStatus(app, 'steady')).toBe('up');
    expect((await app.fetch('/api/lineage/recent')).status).toBe(200);
    expect((await app.fetch('/api/sql/connections')).status).toBe(200);

    await broker.start();
    const ready = Date.now();
    const up = await waitFor('Streams up again', cluster, (c) => c.status === 'up', { timeoutMs: 60_000 });
    reportFigure('Kafka ready -> Streams cluster up', up.ms);
    const tileUp = await waitFor(
      'the Kafka tile up again',
      () => tileStatus(app, 'kafka'),
      (s) => s === 'up',
      {
        timeoutMs: 30_000,
      },
    );
    reportFigure('Kafka ready -> Home tile up', Date.now() - ready);
    expect(tileUp.value).toBe('up');
    const again = produceAtRate(broker.bootstrap, 'outage.orders', 200);
    try {
      const rates = await waitFor('rates again', topic, (v) => (v.topic.rate ?? 0) > 100, {
        timeoutMs: 30_000,
      });
      reportFigure('Kafka ready -> rates sampled again', Date.now() - ready);
      expect(rates.value.topic.rate).toBeGreaterThan(100);
    } finally {
      await again.stop();
    }
    const configs = await app.fetch('/api/streams/clusters/lab/topics/outage.orders/configs');
    expect(configs.status).toBe(200);
  });
});
