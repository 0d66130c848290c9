import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from '../../../../../lab/kafka/broker.ts';
import { kafkaProbe } from './kafka.ts';

describe('kafka probe against the real lab broker', () => {
  let broker: KafkaBroker;
  beforeAll(async () => {
    broker = await startKafka();
  });
  afterAll(() => broker?.stop());

  const probe = () => {
    const config = kafkaProbe.schema.parse({ type: 'kafka', brokers: [broker.bootstrap] });
    return kafkaProbe.run(config, {
      signal: AbortSignal.timeout(10_000),
      timeoutMs: 10_000,
      serviceUrl: 'http://kafka.lab/',
    });
  };

  it('is up while the broker answers metadata, down once it stops, and up again after a restart', async () => {
    expect(await probe()).toEqual({ status: 'up' });
    await broker.stop();
    expect((await probe()).status).toBe('down');
    await broker.start();
    await expect.poll(async () => (await probe()).status, { timeout: 60_000, interval: 1_000 }).toBe('up');
  });
});
