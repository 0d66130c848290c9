import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrino, type TrinoServer } from '../../../../../lab/trino/server.ts';
import { trinoProbe } from './trino.ts';

describe('trino probe against the real lab Trino', () => {
  let trino: TrinoServer;
  beforeAll(async () => {
    trino = await startTrino();
  });
  afterAll(() => trino?.stop());

  const probe = () => {
    const config = trinoProbe.schema.parse({ type: 'trino' });
    return trinoProbe.run(config, {
      signal: AbortSignal.timeout(5_000),
      timeoutMs: 5_000,
      serviceUrl: `${trino.url}/ui/`,
    });
  };

  it('is up once the coordinator has started, and down after it stops', async () => {
    expect(await probe()).toEqual({ status: 'up' });
    await trino.stop();
    expect(await probe()).toMatchObject({ status: 'down', error: expect.stringContaining('ECONNREFUSED') });
  });
});
