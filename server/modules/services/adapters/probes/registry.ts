import { z } from 'zod';
import { airflowProbe } from './airflow.ts';
import { httpProbe } from './http.ts';
import { kafkaProbe } from './kafka.ts';
import { postgresProbe } from './postgres.ts';
import { tcpProbe } from './tcp.ts';
import { trinoProbe } from './trino.ts';
import type { ProbeAdapter } from './types.ts';

/** Every probe type: one adapter file each, one line here. */
export const probeAdapters = [
  httpProbe,
  tcpProbe,
  postgresProbe,
  kafkaProbe,
  trinoProbe,
  airflowProbe,
] as const;

type SchemasOf<T extends readonly { schema: unknown }[]> = { -readonly [K in keyof T]: T[K]['schema'] };

/** `probe:` of a service: the schema of the adapter its `type` names (the union of the list above). */
export const probeSchema = z.discriminatedUnion(
  'type',
  // The same schemas in the same order; the mapped type keeps each one's own type for ProbeConfig.
  probeAdapters.map((adapter) => adapter.schema) as SchemasOf<typeof probeAdapters>,
);

export type ProbeConfig = z.output<typeof probeSchema>;

const byType = new Map<string, ProbeAdapter>(
  probeAdapters.map((adapter) => [adapter.type, adapter as unknown as ProbeAdapter]),
);

export function probeAdapter(type: string): ProbeAdapter {
  const adapter = byType.get(type);
  if (!adapter) throw new Error(`unknown probe type ${type}`);
  return adapter;
}
