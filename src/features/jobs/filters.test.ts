import { describe, expect, it } from 'vitest';
import { filtersFromQuery, filtersToQuery, hasFilters } from './filters';

describe('job filters in the URL', () => {
  it('reads lists, trims text and drops states the API does not know', () => {
    const filters = filtersFromQuery({
      source: 'airflow,dagster',
      state: 'failed,bogus,running',
      owner: ' ana ',
      q: ['orders', 'other'],
    });
    expect(filters).toEqual({
      source: ['airflow', 'dagster'],
      state: ['failed', 'running'],
      owner: 'ana',
      tag: '',
      q: 'orders',
    });
  });

  it('writes only what is set, lists comma-joined, and round-trips', () => {
    const query = filtersToQuery({
      source: ['airflow'],
      state: ['failed', 'running'],
      owner: '',
      tag: 'nightly',
      q: '',
    });
    expect(query).toEqual({ source: 'airflow', state: 'failed,running', tag: 'nightly' });
    expect(filtersToQuery(filtersFromQuery(query))).toEqual(query);
    expect(hasFilters(filtersFromQuery({}))).toBe(false);
    expect(hasFilters(filtersFromQuery(query))).toBe(true);
  });
});
