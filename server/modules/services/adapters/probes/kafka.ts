import { Admin } from '@platformatic/kafka';
import { z } from 'zod';
import { defineProbe, describeError, probeTiming } from './types.ts';

const schema = z.strictObject({
  type: z.literal('kafka'),
  /** host:port of one or more brokers. */
  brokers: z.array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'expected host:port')).min(1),
  sasl: z
    .strictObject({
      mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
      username: z.string(),
      password: z.string(),
    })
    .optional(),
  tls: z.boolean().default(false),
  ...probeTiming,
});

/** A metadata request: the cluster answers with its brokers; no broker means down. */
export const kafkaProbe = defineProbe({
  type: 'kafka',
  schema,
  async run(config, { timeoutMs, signal }) {
    const admin = new Admin({
      clientId: 'labdeck-probe',
      bootstrapBrokers: config.brokers,
      timeout: timeoutMs,
      connectTimeout: timeoutMs,
      retries: 0,
      ...(config.sasl ? { sasl: config.sasl } : {}),
      ...(config.tls ? { tls: {} } : {}),
    } as ConstructorParameters<typeof Admin>[0]);
    const abort = () => void admin.close().catch(() => {});
    signal.addEventListener('abort', abort, { once: true });
    try {
      const metadata = await admin.metadata({ topics: [] });
      return metadata.brokers.size > 0
        ? { status: 'up' }
        : { status: 'down', error: 'no brokers in metadata' };
    } catch (error) {
      return { status: 'down', error: describeError(error) };
    } finally {
      signal.removeEventListener('abort', abort);
      await admin.close().catch(() => {});
    }
  },
});
