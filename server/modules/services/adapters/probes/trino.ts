import { z } from 'zod';
import { getJson } from './fetch-json.ts';
import { defineProbe, describeError } from './types.ts';

const schema = z.strictObject({
  type: z.literal('trino'),
  /** Coordinator URL; defaults to the service URL. */
  url: z.url({ protocol: /^https?$/ }).optional(),
  tlsVerify: z.boolean().default(true),
  intervalMs: z.number().int().min(500).optional(),
  timeoutMs: z.number().int().min(100).optional(),
});

/** GET /v1/info: up once the coordinator reports `starting: false`. */
export const trinoProbe = defineProbe({
  type: 'trino',
  schema,
  async run(config, { signal, serviceUrl }) {
    try {
      const { status, body } = await getJson(new URL('/v1/info', config.url ?? serviceUrl), {
        signal,
        tlsVerify: config.tlsVerify,
      });
      if (status !== 200) return { status: 'down', error: `HTTP ${status} from /v1/info` };
      const info = body as { starting?: unknown } | null;
      if (typeof info?.starting !== 'boolean')
        return { status: 'down', error: '/v1/info did not answer like Trino' };
      return info.starting ? { status: 'degraded', error: 'Trino is starting' } : { status: 'up' };
    } catch (error) {
      return { status: 'down', error: describeError(error) };
    }
  },
});
