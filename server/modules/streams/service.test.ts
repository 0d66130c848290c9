import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus, type LiveEvent } from '../../platform/events/bus.ts';
import type { ModuleContext } from '../../platform/module.ts';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { FakeCluster } from './adapters/fake.ts';
import { streamsSection } from './config.ts';
import { StreamsService } from './service.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ok()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('StreamsService on real PostgreSQL (fake Kafka)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves an empty list and clear errors when no cluster is configured', async () => {
    expect(await (await app.fetch('/api/streams/clusters')).json()).toEqual({ clusters: [] });
    const res = await app.fetch('/api/streams/clusters/nope/topics');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'not_found', message: 'No Kafka cluster "nope" is configured' },
    });
    expect((await app.fetch('/api/streams/clusters/BAD!/topics')).status).toBe(400);
  });

  it('samples on one replica only (advisory lock); the other serves its snapshot; the next takes over', async () => {
    const fake = new FakeCluster();
    fake.addTopic('orders', 2);
    const config = streamsSection.parse({
      clusters: [
        {
          id: 'fake',
          bootstrap: 'fake:9092',
          interval: '200ms',
          metadataInterval: '200ms',
          logDirsInterval: '200ms',
        },
      ],
      history: { resolution: '1s' },
    });
    const events: LiveEvent[] = [];
    const context = (): ModuleContext => {
      const bus = createMemoryBus();
      bus.subscribe((event) => events.push(event));
      return { ...app.context, bus, log: pino({ level: 'silent' }) };
    };
    const options = { adapterFactory: () => fake.adapter() };
    const a = new StreamsService(context(), config, options);
    const b = new StreamsService(context(), config, options);
    await a.start();
    await b.start();
    try {
      expect(a.isLeader).toBe(true);
      expect(b.isLeader).toBe(false);
      const producing = setInterval(() => fake.produce('orders', 0, 20), 100);
      try {
        await until('follower sees rates', () => (b.view('fake').topics[0]?.rate ?? 0) > 0);
        await until(
          'history rows',
          async () => (await app.context.db.query('SELECT 1 FROM streams_topic_history')).rowCount! > 0,
        );
        expect(events.some((e) => e.topic === 'streams' && e.type === 'sample')).toBe(true);
        expect(b.view('fake').topics.map((t) => t.name)).toEqual(['orders']);
        const history = await b.topicSeries('fake', 'orders', '24h');
        expect(history.points.length).toBeGreaterThan(0);
        await a.stop();
        await until('b takes over', async () => b.isLeader, 20_000);
        const before = fake.calls['listOffsets:latest'] ?? 0;
        await until('b samples', () => (fake.calls['listOffsets:latest'] ?? 0) > before + 2);
      } finally {
        clearInterval(producing);
      }
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
