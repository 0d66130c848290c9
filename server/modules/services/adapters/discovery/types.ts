import type { z } from 'zod';
import type { DiscoveryProblem } from '../../contract.ts';
import type { ServiceDef } from '../../types.ts';

export type { DiscoveryProblem };

export interface DiscoverySink {
  /** The complete current list of this source (replaces the previous one). */
  update(services: ServiceDef[], problems: DiscoveryProblem[]): void;
  /** The source cannot reach its API; the last list stays, with this warning. */
  failed(message: string): void;
}

/** One running discovery source, started by the services module. */
export interface DiscoverySource {
  name: string;
  start(sink: DiscoverySink): void;
  stop(): Promise<void>;
}

/**
 * A place services are discovered from: its name (its key under `services.discovery`), the schema of
 * that key (with `enabled`), and the factory of a running source. One file each, registered in index.ts.
 */
// biome-ignore lint/suspicious/noExplicitAny: any input: each source's schema accepts its own YAML
type SourceSchema = z.ZodType<{ enabled: boolean }, any>;

export interface DiscoveryKind<Name extends string = string, Schema extends SourceSchema = SourceSchema> {
  name: Name;
  /** The schema of `services.discovery.<name>`, with defaults for an absent key. */
  config: Schema;
  create(config: z.output<Schema>): DiscoverySource;
}

export const defineDiscovery = <Name extends string, Schema extends SourceSchema>(
  kind: DiscoveryKind<Name, Schema>,
) => kind;
