import { defineStatusProbe, isRecord, notThe } from '../probes/status-api.ts';
import type { ProbeOutcome } from '../probes/types.ts';
import { definePreset, failures, figure } from './types.ts';

interface ConnectorStatus {
  status?: { connector?: { state?: string }; tasks?: { id?: number; state?: string }[] };
}

/** `/connectors?expand=status`: degraded when a connector or one of its tasks is FAILED while the worker answers. */
export const kafkaConnectPreset = definePreset({
  kind: 'kafka-connect',
  icon: 'kafka-connect',
  probe: () => ({ type: 'kafka-connect' }),
  images: [
    'confluentinc/cp-kafka-connect',
    'confluentinc/cp-kafka-connect-base',
    'debezium/connect',
    'bitnami/kafka-connect',
  ],
  adapter: defineStatusProbe('kafka-connect', async (api) => {
    const connectors = await api.ok('connectors?expand=status');
    if (!isRecord(connectors)) return notThe('Kafka Connect', 'connectors?expand=status');
    return judge(connectors as Record<string, ConnectorStatus>);
  }),
});

function judge(connectors: Record<string, ConnectorStatus>): ProbeOutcome {
  const failed: string[] = [];
  let failedConnectors = 0;
  let failedTasks = 0;
  let running = 0;
  for (const [name, { status }] of Object.entries(connectors)) {
    const state = status?.connector?.state;
    if (state === 'RUNNING') running++;
    if (state === 'FAILED') {
      failedConnectors++;
      failed.push(name);
    }
    const tasks = (status?.tasks ?? []).filter((task) => task.state === 'FAILED');
    failedTasks += tasks.length;
    if (tasks.length && state !== 'FAILED') failed.push(`${name} task ${tasks.map((t) => t.id).join(', ')}`);
  }
  const figures = [
    ...figure('connectors', Object.keys(connectors).length),
    ...failures('failed tasks', failedTasks),
    ...failures('failed connectors', failedConnectors),
    ...figure('running connectors', running),
  ];
  if (!failed.length) return { status: 'up', figures };
  const list = failed.slice(0, 5).join('; ') + (failed.length > 5 ? ` and ${failed.length - 5} more` : '');
  return { status: 'degraded', error: `FAILED: ${list}`, figures };
}
