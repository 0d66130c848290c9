import { createClient } from '@redis/client';
import { z } from 'zod';
import { defineProbe, describeError, type ProbeOutcome, probeTiming } from '../probes/types.ts';
import { definePreset, figure } from './types.ts';

const schema = z.strictObject({
  type: z.literal('redis'),
  /** redis:// or rediss:// URL (user and password via ${ENV}); default: the service url's host and port (6379). */
  url: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'expected a redis:// or rediss:// URL')
    .optional(),
  ...probeTiming,
});

/** PING, then INFO: used memory, clients, version; degraded while loading its dataset or when a replica lost its master. */
export const redisProbe = defineProbe({
  type: 'redis',
  schema,
  async run(config, { timeoutMs, signal, serviceUrl }) {
    const client = createClient({
      url: config.url ?? redisUrlOf(serviceUrl),
      socket: { connectTimeout: timeoutMs, reconnectStrategy: false },
      disableOfflineQueue: true,
    });
    client.on('error', () => {});
    const abort = () => client.destroy();
    signal.addEventListener('abort', abort, { once: true });
    try {
      await client.connect();
      if ((await client.ping()) !== 'PONG') return { status: 'down', error: 'PING did not answer PONG' };
      return judgeInfo(parseInfo(await client.info()));
    } catch (error) {
      return { status: 'down', error: describeError(error) };
    } finally {
      signal.removeEventListener('abort', abort);
      if (client.isOpen) client.destroy();
    }
  },
});

/** The service url's host and port as a redis:// URL; an http url without a port means Redis's 6379. */
function redisUrlOf(serviceUrl: string): string {
  const url = new URL(serviceUrl);
  return `redis://${url.hostname}:${url.port || 6379}`;
}

/** `INFO`'s `key:value` lines. */
export function parseInfo(text: string): Map<string, string> {
  const info = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) info.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return info;
}

export function judgeInfo(info: Map<string, string>): ProbeOutcome {
  const figures = [
    ...figure('memory used', info.get('used_memory_human')),
    ...figure('clients', numberOr(info.get('connected_clients'))),
    ...figure('version', info.get('valkey_version') ?? info.get('redis_version')),
    ...figure('role', info.get('role')),
  ];
  if (info.get('loading') === '1') return { status: 'degraded', error: 'loading its dataset', figures };
  if (info.get('role') === 'slave' && info.get('master_link_status') === 'down')
    return { status: 'degraded', error: 'replica has lost its master', figures };
  return { status: 'up', figures };
}

const numberOr = (value: string | undefined) =>
  value !== undefined && /^\d+$/.test(value) ? Number(value) : value;

export const redisPreset = definePreset({
  kind: 'redis',
  icon: 'redis',
  probe: () => ({ type: 'redis' }),
  images: ['redis', 'bitnami/redis', 'redis/redis-stack-server'],
  adapter: redisProbe,
});
