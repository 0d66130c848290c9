import type { ClusterConfig } from '../config.ts';
import { platformaticAdapter } from './platformatic.ts';
import type { KafkaAdapter } from './types.ts';

export type AdapterFactory = (cluster: ClusterConfig, cwd: string) => KafkaAdapter;

/** Kafka client libraries Streams can use; one line per adapter. */
export const adapters = { platformatic: platformaticAdapter } satisfies Record<string, AdapterFactory>;

export const defaultAdapter: AdapterFactory = adapters.platformatic;
