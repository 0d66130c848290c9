import { defineStatusProbe, isRecord, notThe } from '../probes/status-api.ts';
import { definePreset, figure } from './types.ts';

const RUNS_AND_DAEMONS = `query LabdeckProbe {
  inProgress: runsOrError(filter: { statuses: [STARTING, STARTED, CANCELING] }) { ... on Runs { count } }
  queued: runsOrError(filter: { statuses: [QUEUED] }) { ... on Runs { count } }
  instance { daemonHealth { allDaemonStatuses { daemonType required healthy } } }
}`;

interface ProbeAnswer {
  data?: {
    inProgress?: { count?: number };
    queued?: { count?: number };
    instance?: {
      daemonHealth?: {
        allDaemonStatuses?: { daemonType: string; required: boolean; healthy: boolean | null }[];
      };
    };
  };
}

/** `/server_info`, then one GraphQL query: runs in progress and queued; degraded when a required daemon is unhealthy. */
export const dagsterPreset = definePreset({
  kind: 'dagster',
  icon: 'dagster',
  probe: () => ({ type: 'dagster' }),
  images: ['dagster/*'],
  adapter: defineStatusProbe('dagster', async (api) => {
    const info = await api.ok('server_info');
    if (!isRecord(info) || typeof info.dagster_version !== 'string') return notThe('Dagster', 'server_info');
    const { data } = (await api.post('graphql', { query: RUNS_AND_DAEMONS })) as ProbeAnswer;
    const figures = [
      ...figure('runs in progress', data?.inProgress?.count),
      ...figure('queued runs', data?.queued?.count),
      ...figure('version', info.dagster_version),
    ];
    const unhealthy = (data?.instance?.daemonHealth?.allDaemonStatuses ?? [])
      .filter((daemon) => daemon.required && daemon.healthy === false)
      .map((daemon) => daemon.daemonType);
    return unhealthy.length
      ? { status: 'degraded', error: `unhealthy daemons: ${unhealthy.join(', ')}`, figures }
      : { status: 'up', figures };
  }),
});
