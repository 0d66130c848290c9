import type { JobSourceAdapter } from './types.ts';

/**
 * Every job source kind: one adapter file each, one line here (`airflow3Source`, `dagsterSource`...).
 * config.ts builds the `jobs.sources[]` schema from this list (a union discriminated by `kind`).
 */
export const jobSourceAdapters = [] as const satisfies readonly JobSourceAdapter[];
