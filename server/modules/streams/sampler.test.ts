import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeCluster } from './adapters/fake.ts';
import { type ClusterConfig, clusterSection } from './config.ts';
import { ClusterSampler, chunk, mapLimit } from './sampler.ts';

function setup(overrides: Partial<Record<string, unknown>> = {}) {
  const fake = new FakeCluster();
  let now = 1_000_000;
  const cluster: ClusterConfig = clusterSection.parse({
    id: 'test',
    bootstrap: 'localhost:9092',
    interval: '1s',
    metadataInterval: '1s',
    logDirsInterval: '1s',
    window: '1m',
    statusWindow: '10s',
    ...overrides,
  });
  const sampler = new ClusterSampler({
    cluster,
    adapter: fake.adapter(),
    log: pino({ level: 'silent' }),
    now: () => now,
    inlineSlowWork: true,
  });
  const tick = async (ms = 1000) => {
    now += ms;
    await sampler.cycle();
    return sampler.view();
  };
  return { fake, sampler, tick };
}

describe('ClusterSampler', () => {
  it('computes msgs/s and bytes/s per topic and partition from offset deltas', async () => {
    const { fake, tick } = setup();
    fake.addTopic('orders', 2);
    await tick();
    fake.produce('orders', 0, 300, 30_000);
    fake.produce('orders', 1, 200, 20_000);
    const view = await tick(1000);
    const orders = view.topics.find((t) => t.name === 'orders')!;
    expect(orders.rate).toBe(500);
    expect(orders.parts.map((p) => p.rate)).toEqual([300, 200]);
    expect(orders.bytesRate).toBe(50_000);
    expect(orders.size).toBe(50_000);
    expect(view.overview.inRate).toBe(500);
    expect(view.status).toBe('up');
  });

  it('takes the first log size of a topic as soon as metadata finds it, and says when bytes/s will be known', async () => {
    const { fake, tick } = setup({ metadataInterval: '1s', logDirsInterval: '30s' });
    fake.addTopic('old', 1);
    const first = await tick();
    const sizesRound = first.sampledAt!;
    await tick();
    fake.addTopic('fresh', 1);
    fake.produce('fresh', 0, 10, 1_000);
    const found = (await tick()).topics.find((t) => t.name === 'fresh')!;
    // Sampled on discovery: the next log-size round (30 s after the first) gives the rate.
    expect(found.size).toBe(1_000);
    expect(found.bytesRate).toBeNull();
    expect(found.bytesRateReadyAt).toBe(sizesRound + 30_000);
    let view = found;
    for (let elapsed = 3_000; elapsed < 31_000; elapsed += 1_000) {
      fake.produce('fresh', 0, 10, 1_000);
      view = (await tick()).topics.find((t) => t.name === 'fresh')!;
    }
    expect(view.bytesRate).toBeGreaterThan(0);
    expect(view.bytesRateReadyAt).toBeNull();
  });

  it('promises no bytes/s while log sizes cannot be read', async () => {
    const { fake, tick } = setup();
    fake.addTopic('orders', 1);
    await tick();
    fake.failLogDirs = true;
    fake.produce('orders', 0, 10);
    await tick();
    const view = await tick();
    expect(view.topics[0]!.bytesRateReadyAt).toBeNull();
  });

  it('never shows a negative rate when a topic is deleted and recreated', async () => {
    const { fake, tick } = setup();
    fake.addTopic('events', 1);
    fake.produce('events', 0, 5000);
    await tick();
    await tick();
    fake.topics.delete('events');
    fake.addTopic('events', 1);
    fake.produce('events', 0, 10);
    const after = await tick();
    const rate = after.topics.find((t) => t.name === 'events')!.rate;
    expect(rate === null || rate >= 0).toBe(true);
    fake.produce('events', 0, 100);
    expect((await tick()).topics.find((t) => t.name === 'events')!.rate).toBe(100);
  });

  it('counts messages of a partition added between samples', async () => {
    const { fake, tick } = setup();
    fake.addTopic('grow', 1);
    await tick();
    fake.topics.get('grow')!.ends.push(40);
    fake.topics.get('grow')!.starts.push(0);
    fake.topics.get('grow')!.sizes.push(0);
    expect((await tick()).topics[0]!.rate).toBe(40);
  });

  it('computes lag and the verdicts of a group that pauses, stops and rewinds', async () => {
    const { fake, tick } = setup();
    fake.addTopic('orders', 1);
    fake.commit('app', 'orders', 0, 0);
    await tick();
    for (let i = 0; i < 3; i++) {
      fake.produce('orders', 0, 100);
      fake.commit('app', 'orders', 0, fake.topics.get('orders')!.ends[0]!);
      const view = await tick();
      expect(view.groups[0]).toMatchObject({ id: 'app', totalLag: 0, status: 'OK' });
    }
    // Paused: the producer goes on, the committed offset stays.
    let status = '';
    for (let i = 0; i < 4; i++) {
      fake.produce('orders', 0, 100);
      status = (await tick()).groups[0]!.status;
    }
    expect(status).toBe('WARN');
    for (let i = 0; i < 10; i++) {
      fake.produce('orders', 0, 100);
      status = (await tick()).groups[0]!.status;
    }
    expect(status).toBe('STOP');
    const lagged = (await tick()).groups[0]!;
    expect(lagged.totalLag).toBe(1400);
    // Resumed and caught up.
    fake.commit('app', 'orders', 0, fake.topics.get('orders')!.ends[0]!);
    expect((await tick()).groups[0]).toMatchObject({ totalLag: 0, status: 'OK' });
    // Offsets reset to the beginning.
    fake.commit('app', 'orders', 0, 0);
    expect((await tick()).groups[0]!.status).toBe('REWIND');
  });

  it('shows the cluster down with its last figures, then recovers', async () => {
    const { fake, tick } = setup();
    fake.addTopic('orders', 1);
    await tick();
    fake.produce('orders', 0, 100);
    expect((await tick()).topics[0]!.rate).toBe(100);
    fake.down = true;
    const down = await tick();
    expect(down.status).toBe('down');
    expect(down.error).toMatch(/ECONNREFUSED/);
    expect(down.topics).toHaveLength(1);
    fake.down = false;
    const back = await tick();
    expect(back.status).toBe('up');
    fake.produce('orders', 0, 50);
    expect((await tick()).topics[0]!.rate).toBe(50);
  });

  it('batches: one ListOffsets per chunk and one committed-offsets call for many groups', async () => {
    const { fake, tick } = setup({ chunkSize: 100 });
    for (let i = 0; i < 50; i++) fake.addTopic(`t${i}`, 5);
    for (let i = 0; i < 40; i++) fake.commit(`g${i}`, 't0', 0, 0);
    await tick();
    expect(fake.calls['listOffsets:latest']).toBe(3);
    expect(fake.calls.committedOffsets).toBe(1);
    expect(fake.calls.describeGroups).toBe(1);
  });
});

describe('chunk', () => {
  it.each([
    { sizes: [3, 3, 3], size: 6, expected: [[3, 3], [3]] },
    { sizes: [10], size: 4, expected: [[4], [4], [2]] },
    { sizes: [], size: 4, expected: [] },
  ])('$sizes by $size', ({ sizes, size, expected }) => {
    const requests = sizes.map((n, i) => ({
      topic: `t${i}`,
      partitions: Array.from({ length: n }, (_, p) => p),
    }));
    expect(chunk(requests, size).map((c) => c.map((r) => r.partitions.length))).toEqual(expected);
  });
});

describe('mapLimit', () => {
  it('keeps at most `limit` in flight and settles every item', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      if (n === 3) throw new Error('three');
      return n * 2;
    });
    expect(peak).toBe(2);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
  });
});
