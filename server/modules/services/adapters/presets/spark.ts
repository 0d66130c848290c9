import { defineStatusProbe, isRecord, notThe, type StatusApi } from '../probes/status-api.ts';
import type { ProbeOutcome } from '../probes/types.ts';
import { definePreset, figure } from './types.ts';

interface SparkMaster {
  status?: string;
  aliveworkers?: number;
  workers?: { state?: string }[];
  activeapps?: unknown[];
  cores?: number;
  coresused?: number;
}

interface SparkApplication {
  attempts?: { completed?: boolean }[];
}

/**
 * A standalone master's `/json/` (alive workers, running apps; degraded without an alive worker or while
 * not ALIVE), or else an application UI's or history server's `/api/v1/applications`.
 */
export const sparkPreset = definePreset({
  kind: 'spark',
  icon: 'spark',
  probe: () => ({ type: 'spark' }),
  images: ['apache/spark', 'bitnami/spark', 'spark'],
  adapter: defineStatusProbe('spark', async (api) => {
    const master = await api.get('json/');
    if (master.status === 200 && isRecord(master.body) && Array.isArray(master.body.workers))
      return judgeMaster(master.body as SparkMaster);
    return judgeApplications(api);
  }),
});

function judgeMaster(master: SparkMaster): ProbeOutcome {
  const alive = master.aliveworkers ?? master.workers?.filter((w) => w.state === 'ALIVE').length ?? 0;
  const figures = [
    ...figure('running apps', master.activeapps?.length ?? 0),
    ...figure('alive workers', alive, alive === 0 ? 'danger' : undefined),
    ...figure('cores used', cores(master)),
  ];
  if (master.status && master.status !== 'ALIVE')
    return { status: 'degraded', error: `master is ${master.status}`, figures };
  if (alive === 0) return { status: 'degraded', error: 'no alive workers', figures };
  return { status: 'up', figures };
}

const cores = (master: SparkMaster) =>
  typeof master.cores === 'number' ? `${master.coresused ?? 0} / ${master.cores}` : undefined;

async function judgeApplications(api: StatusApi): Promise<ProbeOutcome> {
  const apps = await api.ok('api/v1/applications');
  if (!Array.isArray(apps)) return notThe('Spark', 'api/v1/applications');
  const running = (apps as SparkApplication[]).filter((app) =>
    app.attempts?.some((a) => a.completed === false),
  );
  return {
    status: 'up',
    figures: [...figure('running apps', running.length), ...figure('applications', apps.length)],
  };
}
