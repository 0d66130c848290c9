import { z } from 'zod';
import { getJson } from './fetch-json.ts';
import { defineProbe, describeError, httpTarget, type ProbeOutcome, probeTiming } from './types.ts';

const schema = z.strictObject({
  type: z.literal('airflow'),
  ...httpTarget,
  ...probeTiming,
});

type Health = Record<string, { status?: string } | undefined>;

/** Airflow 3 `/api/v2/monitor/health`, falling back to Airflow 2's `/health`. */
export const airflowProbe = defineProbe({
  type: 'airflow',
  schema,
  async run(config, { signal, serviceUrl }) {
    const base = config.url ?? serviceUrl;
    try {
      let answer = await getJson(new URL('api/v2/monitor/health', withSlash(base)), {
        signal,
        tlsVerify: config.tlsVerify,
      });
      if (answer.status === 404)
        answer = await getJson(new URL('health', withSlash(base)), { signal, tlsVerify: config.tlsVerify });
      if (answer.status !== 200)
        return { status: 'down', error: `HTTP ${answer.status} from the health endpoint` };
      return judge(answer.body as Health | null);
    } catch (error) {
      return { status: 'down', error: describeError(error) };
    }
  },
});

function judge(health: Health | null): ProbeOutcome {
  if (!health || typeof health !== 'object')
    return { status: 'down', error: 'health endpoint did not answer like Airflow' };
  if (health.metadatabase?.status !== 'healthy') return { status: 'down', error: 'metadatabase unhealthy' };
  const unhealthy = Object.entries(health)
    .filter(([name, part]) => name !== 'metadatabase' && part?.status && part.status !== 'healthy')
    .map(([name]) => name);
  return unhealthy.length
    ? { status: 'degraded', error: `unhealthy: ${unhealthy.join(', ')}` }
    : { status: 'up' };
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);
