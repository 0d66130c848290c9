import type { z } from 'zod';
import { adapterLookup, adapterUnion } from '../../../platform/registry.ts';
import { airflow2Source } from './airflow2.ts';
import { airflow3Source } from './airflow3.ts';
import { dagsterSource } from './dagster.ts';
import { openLineageSource } from './openlineage.ts';
import type { JobSourceAdapter } from './types.ts';

/** Every job source kind: one adapter file each, one line here. */
export const jobSourceAdapters = [airflow3Source, airflow2Source, dagsterSource, openLineageSource] as const;

/** The kind-specific part of a `jobs.sources[]` entry: the schema of the adapter its `kind` names. */
export const jobSourceSchema = adapterUnion('kind', jobSourceAdapters);

export type JobSourceConfig = z.output<typeof jobSourceSchema>;

export const jobSourceAdapter = adapterLookup(
  'job source kind',
  jobSourceAdapters.map((adapter): [string, JobSourceAdapter] => [
    adapter.kind,
    adapter as unknown as JobSourceAdapter,
  ]),
);
