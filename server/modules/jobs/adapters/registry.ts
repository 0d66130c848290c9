import { z } from 'zod';
import { airflow2Source } from './airflow2.ts';
import { airflow3Source } from './airflow3.ts';
import type { JobSourceAdapter } from './types.ts';

/** Every job source kind: one adapter file each, one line here. */
export const jobSourceAdapters = [airflow3Source, airflow2Source] as const;

type SchemasOf<T extends readonly { schema: unknown }[]> = { -readonly [K in keyof T]: T[K]['schema'] };

/** The kind-specific part of a `jobs.sources[]` entry: the schema of the adapter its `kind` names. */
export const jobSourceSchema = z.discriminatedUnion(
  'kind',
  // The same schemas in the same order; the mapped type keeps each one's own type for JobSourceConfig.
  jobSourceAdapters.map((adapter) => adapter.schema) as SchemasOf<typeof jobSourceAdapters>,
);

export type JobSourceConfig = z.output<typeof jobSourceSchema>;

const byKind = new Map<string, JobSourceAdapter>(
  jobSourceAdapters.map((adapter) => [adapter.kind, adapter as unknown as JobSourceAdapter]),
);

export function jobSourceAdapter(kind: string): JobSourceAdapter {
  const adapter = byKind.get(kind);
  if (!adapter) throw new Error(`unknown job source kind ${kind}`);
  return adapter;
}
