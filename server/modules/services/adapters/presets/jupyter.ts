import { defineStatusProbe, isRecord, notThe } from '../probes/status-api.ts';
import { definePreset, figure } from './types.ts';

/**
 * Jupyter Server's `/api/status` (kernels, connections). It needs the server's token:
 * `probe: { headers: { Authorization: 'token ${JUPYTER_TOKEN}' } }`.
 */
export const jupyterPreset = definePreset({
  kind: 'jupyter',
  icon: 'jupyter',
  probe: () => ({ type: 'jupyter' }),
  images: ['jupyter/*', 'quay.io/jupyter/*', 'jupyterhub/singleuser'],
  adapter: defineStatusProbe('jupyter', async (api) => {
    const status = await api.ok('api/status');
    if (!isRecord(status) || typeof status.kernels !== 'number')
      return notThe('Jupyter Server', 'api/status');
    return {
      status: 'up',
      figures: [...figure('kernels', status.kernels), ...figure('connections', status.connections)],
    };
  }),
});
