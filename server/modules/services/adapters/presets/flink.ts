import { defineStatusProbe, isRecord, notThe } from '../probes/status-api.ts';
import { definePreset, failures, figure } from './types.ts';

/** The JobManager's REST `/overview`: running jobs and free task slots; degraded without a task manager. */
export const flinkPreset = definePreset({
  kind: 'flink',
  icon: 'flink',
  probe: () => ({ type: 'flink' }),
  images: ['flink', 'apache/flink'],
  adapter: defineStatusProbe('flink', async (api) => {
    const overview = await api.ok('overview');
    if (!isRecord(overview) || typeof overview.taskmanagers !== 'number') return notThe('Flink', 'overview');
    const slots = `${overview['slots-available']} / ${overview['slots-total']}`;
    const figures = [
      ...figure('running jobs', overview['jobs-running']),
      ...figure('free task slots', slots, overview['slots-available'] === 0 ? 'warn' : undefined),
      ...figure('task managers', overview.taskmanagers),
      ...failures('failed jobs', Number(overview['jobs-failed'] ?? 0)),
      ...figure('version', overview['flink-version']),
    ];
    return overview.taskmanagers === 0
      ? { status: 'degraded', error: 'no task managers registered', figures }
      : { status: 'up', figures };
  }),
});
