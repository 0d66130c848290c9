import type { RunState } from '@contracts/jobs';
import type { LocationQuery } from 'vue-router';
import { isRunState } from './states';

/** The matrix filters; kept in the page's URL query under the same names GET /api/jobs takes. */
export interface JobFilters {
  source: string[];
  state: RunState[];
  owner: string;
  tag: string;
  q: string;
}

const first = (value: LocationQuery[string] | undefined): string =>
  (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
const list = (value: LocationQuery[string] | undefined): string[] =>
  first(value)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Reads the filters from a URL query; unknown states are dropped rather than sent to the API. */
export function filtersFromQuery(query: LocationQuery): JobFilters {
  return {
    source: list(query.source),
    state: list(query.state).filter(isRunState),
    owner: first(query.owner),
    tag: first(query.tag),
    q: first(query.q),
  };
}

/** The filters as a URL query and as GET /api/jobs parameters: lists comma-joined, empty ones left out. */
export function filtersToQuery(filters: JobFilters): Record<string, string> {
  const entries = Object.entries(filters).map(
    ([key, value]) => [key, Array.isArray(value) ? value.join(',') : value] as const,
  );
  return Object.fromEntries(entries.filter(([, value]) => value !== ''));
}

export const hasFilters = (filters: JobFilters): boolean => Object.keys(filtersToQuery(filters)).length > 0;
