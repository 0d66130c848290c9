import { airflow2Source } from './airflow2.ts';
import { airflow3Source } from './airflow3.ts';
import { dagsterSource } from './dagster.ts';
import { openLineageSource } from './openlineage.ts';
import type { JobSourceAdapter } from './types.ts';

/**
 * Every job source kind: one adapter file each, one line here. config.ts builds the `jobs.sources[]`
 * schema from this list (a union discriminated by `kind`).
 */
export const jobSourceAdapters = [
  airflow3Source,
  airflow2Source,
  dagsterSource,
  openLineageSource,
] as const satisfies readonly JobSourceAdapter[];
