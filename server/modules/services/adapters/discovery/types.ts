import type { ServiceDef } from '../../types.ts';

/** An annotated object that could not become a service, shown to admins. */
export interface DiscoveryProblem {
  source: 'kubernetes' | 'docker';
  /** e.g. `Ingress lab/kafka-ui` or `container /minio`. */
  object: string;
  reason: string;
  at: string;
}

export interface DiscoverySink {
  /** The complete current list of this source (replaces the previous one). */
  update(services: ServiceDef[], problems: DiscoveryProblem[]): void;
  /** The source cannot reach its API; the last list stays, with this warning. */
  failed(message: string): void;
}

/** One place services are discovered from (one file each), started by the discovery manager. */
export interface DiscoverySource {
  name: 'kubernetes' | 'docker';
  start(sink: DiscoverySink): void;
  stop(): Promise<void>;
}
