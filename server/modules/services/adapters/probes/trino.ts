import { z } from 'zod';
import { getJson } from './fetch-json.ts';
import { defineProbe, describeError, httpTarget, probeTiming } from './types.ts';

const schema = z.strictObject({
  type: z.literal('trino'),
  ...httpTarget,
  ...probeTiming,
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
