import { defineStatusProbe, isRecord, notThe } from '../probes/status-api.ts';
import { definePreset } from './types.ts';

/** `/api/health`: `{"status":"ok"}`; a 503 `{"status":"initializing","progress":0.4}` while it starts is degraded. */
export const metabasePreset = definePreset({
  kind: 'metabase',
  icon: 'metabase',
  probe: () => ({ type: 'metabase' }),
  images: ['metabase/metabase', 'metabase/metabase-enterprise'],
  adapter: defineStatusProbe('metabase', async (api) => {
    const { status, body } = await api.get('api/health');
    if (!isRecord(body)) return status === 200 ? notThe('Metabase', 'api/health') : down(status);
    if (body.status === 'ok') return { status: 'up' };
    if (body.status === 'initializing') {
      const progress = typeof body.progress === 'number' ? ` (${Math.round(body.progress * 100)}%)` : '';
      return { status: 'degraded', error: `Metabase is initializing${progress}` };
    }
    return {
      status: 'down',
      error: `Metabase reports status ${JSON.stringify(body.status)} (HTTP ${status})`,
    };
  }),
});

const down = (status: number) => ({ status: 'down' as const, error: `HTTP ${status} from /api/health` });
