import { defineStatusProbe, isRecord, notThe } from '../probes/status-api.ts';
import { definePreset, figure } from './types.ts';

/** Experiments counted on one page of search; more shows as `1000+`. */
const PAGE = 1000;

/**
 * MLflow's tracking server: `/health` answers, and the experiments count from the REST API's search (a
 * server behind auth needs `probe: { headers: { Authorization: ... } }` for it; without, it stays up, with
 * no figure). A search failing otherwise (HTTP 500: a broken store) is degraded.
 */
export const mlflowPreset = definePreset({
  kind: 'mlflow',
  icon: 'mlflow',
  probe: () => ({ type: 'mlflow' }),
  images: ['ghcr.io/mlflow/mlflow', 'bitnami/mlflow'],
  adapter: defineStatusProbe('mlflow', async (api) => {
    const health = await api.get('health');
    if (health.status < 200 || health.status > 299) throw new Error(`HTTP ${health.status} from /health`);
    const search = await api.get(`api/2.0/mlflow/experiments/search?max_results=${PAGE}`);
    // Health is public; the API may want credentials the probe was not given: up, no figure.
    if (search.status === 401 || search.status === 403) return { status: 'up' };
    if (search.status !== 200)
      return { status: 'degraded', error: `HTTP ${search.status} from /api/2.0/mlflow/experiments/search` };
    if (!isRecord(search.body)) return notThe('MLflow', 'api/2.0/mlflow/experiments/search');
    const experiments = Array.isArray(search.body.experiments) ? search.body.experiments.length : 0;
    const more = typeof search.body.next_page_token === 'string' && search.body.next_page_token !== '';
    return { status: 'up', figures: figure('experiments', more ? `${experiments}+` : experiments) };
  }),
});
